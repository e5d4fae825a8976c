// invr job: the offline InvR job (docs/job.md). Settings come from the
// defaults, then --config invr.toml, then flags generated from the settings
// tables (setting_flags.h). --every repeats it, reloading data and model each time.
#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "command.h"
#include "invr/atomic_io.h"
#include "invr/distributed.h"
#include "invr/error.h"
#include "invr/job.h"
#include "setting_flags.h"

namespace invr::cli {
namespace {

struct JobArgs {
  JobFiles runner;
  bool distributed = false;
  std::string every;
  bool print_config = false;
  JobConfig flags;  // values given on the command line
  // One option per setting of each table, in table order.
  std::vector<CLI::Option*> selection, retrieval, inversion, job, assignment, assignment_job;
};

std::atomic<bool> stop_requested{false};
extern "C" void request_stop(int) { stop_requested = true; }

// "90s", "60m", "2h", "1d" or plain seconds.
double parse_interval(const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string unit = text.substr(used);
  double scale = 0;
  if (used > 0) {
    if (unit.empty() || unit == "s") scale = 1;
    else if (unit == "m" || unit == "min") scale = 60;
    else if (unit == "h") scale = 3600;
    else if (unit == "d") scale = 86400;
  }
  if (scale == 0 || !(value > 0))
    throw UsageError(fmt::format("--every \"{}\": expected a positive duration such as 90s, 60m, "
                                 "2h or 1d", text));
  return value * scale;
}

int run_job_command(JobArgs& args) {
  JobConfig config;
  if (!args.runner.config_file.empty()) read_job_config(args.runner.config_file, config);
  const JobConfig& given = args.flags;
  apply_given_flags(selection_param_specs(), args.selection, given.selection, config.selection);
  apply_given_flags(retrieval_settings_specs(), args.retrieval, given.retrieval, config.retrieval);
  apply_given_flags(inversion_param_specs(), args.inversion, given.inversion, config.inversion);
  apply_given_flags(job_settings_specs(), args.job, given.job, config.job);
  apply_given_flags(assignment_param_specs(), args.assignment, given.assignment, config.assignment);
  apply_given_flags(assignment_settings_specs(), args.assignment_job, given.assignment_job,
                    config.assignment_job);
  validate(config);
  if (args.print_config) {
    std::cout << job_config_toml(config);
    return 0;
  }
  if (config.job.store.empty())
    throw UsageError("no store: pass --store rocksdb:PATH|redis://HOST:PORT or set [job] store");

  auto run_once = [&] {
    return args.distributed ? run_job_distributed(args.runner, config)
                            : run_job_from_files(args.runner, config);
  };
  if (args.every.empty()) {
    const JobResult result = run_once();
    if (result.generation.empty()) return 0;  // a distributed worker rank
    std::cout << job_summary_json(result) << '\n';
    return 0;
  }
  const double interval = parse_interval(args.every);
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  spdlog::info("job: running every {} (Ctrl-C or SIGTERM stops between runs)", args.every);
  int failures = 0;
  while (!stop_requested) {
    const auto started = std::chrono::steady_clock::now();
    try {
      const JobResult result = run_once();
      if (!result.generation.empty()) std::cout << job_summary_json(result) << std::endl;
      failures = 0;
    } catch (const Error& e) {
      // A failed run leaves the previous generation served; try again next time.
      ++failures;
      spdlog::error("job run failed ({} in a row); the previous generation stays served: {}",
                    failures, e.what());
    }
    const auto next = started + std::chrono::duration<double>(interval);
    while (!stop_requested && std::chrono::steady_clock::now() < next)
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  spdlog::info("job: stopped");
  return 0;
}

std::function<int()> setup_job(CLI::App& app) {
  auto args = std::make_shared<JobArgs>();
  app.footer(
      "Selects long-tail items and active users, retrieves each item's top-N users, inverts\n"
      "them into per-user candidate lists (random, score and user_rank orderings), assigns\n"
      "users to items so each reaches its exposure target (the target ordering) and commits\n"
      "them as a new generation of the store; readers switch only when it is complete.\n"
      "A JSON summary per run goes to stdout. Settings: docs/job.md.\n"
      "Example: invr job --model models/world --data out/world --store rocksdb:out/store");
  app.add_option("--model", args->runner.model, "Model directory (invr train, TorchScript or precomputed)")
      ->required();
  app.add_option("--data", args->runner.data, "Atomic dataset folder (NAME.inter, NAME.item)")
      ->required();
  app.add_option("--name", args->runner.name, "Dataset name in --data (default: the single NAME.inter)");
  app.add_option("--producer-column", args->runner.producer_column,
                 "Column of NAME.item holding the producer")
      ->capture_default_str();
  app.add_option("--config", args->runner.config_file,
                 "invr.toml with [selection], [retrieval], [inversion], [job], [assignment]; flags "
                 "override it");
  app.add_option("--producer-quality", args->runner.producer_quality,
                 "PRODUCER_ID<TAB>SCORE file: quality scores compared with --min-quality "
                 "instead of the engagement rate");
  app.add_option("--generation", args->runner.generation,
                 "Generation id (default: from the UTC clock)");
  app.add_option("--every", args->every,
                 "Repeat every interval (90s, 60m, 2h, 1d), reloading data and model");
  app.add_flag("--print-config", args->print_config,
               "Print the resolved configuration as TOML and exit");
  app.add_flag("--distributed", args->distributed,
               "Under mpirun: shard users across ranks (docs/job.md)");
  const JobConfig defaults;
  JobConfig& values = args->flags;
  args->selection = add_setting_flags(app, selection_param_specs(), values.selection,
                                      defaults.selection, BoolFlag::kSwitch);
  args->retrieval = add_setting_flags(app, retrieval_settings_specs(), values.retrieval,
                                      defaults.retrieval, BoolFlag::kSwitch);
  args->inversion = add_setting_flags(app, inversion_param_specs(), values.inversion,
                                      defaults.inversion, BoolFlag::kSwitch);
  args->job = add_setting_flags(app, job_settings_specs(), values.job, defaults.job,
                                BoolFlag::kSwitch);
  // fit_to_capacity and assign_targets default to true: "--fit-to-capacity
  // false" and "--assign-targets false" turn them off.
  args->assignment = add_setting_flags(app, assignment_param_specs(), values.assignment,
                                       defaults.assignment, BoolFlag::kValue);
  args->assignment_job = add_setting_flags(app, assignment_settings_specs(), values.assignment_job,
                                           defaults.assignment_job, BoolFlag::kValue);
  return [args] { return run_job_command(*args); };
}

}  // namespace
}  // namespace invr::cli

INVR_COMMAND("job", "Run the offline InvR job once or periodically (docs/job.md)",
             invr::cli::setup_job);
