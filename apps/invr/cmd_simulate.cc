// invr simulate: the A/B simulator (docs/simulation.md). Parses flags, loads
// the world or dataset, and calls invr::simulate; results.json and the
// exposure log go to --out, a summary table to stdout.
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "allocator.h"
#include "command.h"
#include "invr/atomic_io.h"
#include "invr/error.h"
#include "invr/report.h"
#include "invr/simulation.h"
#include "setting_flags.h"

namespace invr::cli {
namespace {

struct SimulateArgs {
  std::string world, data, name, producer_column = AtomicLoadOptions{}.producer_column;
  std::string out = "out/simulation";
  std::string model;
  std::string arms = "control,invr-random,invr-score,invr-user-rank";
  std::string invr_slots = "3,8";
  std::string salt = "invr";
  std::string sweep;
  bool arms_given = false;
  std::string job_config, model_config;
  bool all_items = false;
  std::string cold_start, top_users, slots;
  SimulationParams params;
};

int run_simulate(const SimulateArgs& args) {
  if (args.world.empty() == args.data.empty())
    throw UsageError("give exactly one of --world DIR (a synthetic world from `invr generate`) "
                     "or --data DIR (a dataset in atomic format)");
  keep_freed_memory();
  SimulationConfig config;
  config.params = args.params;
  config.experiment = experiment_from_arms(args.arms, parse_slots(args.invr_slots, "--invr-slots"),
                                           args.salt);
  if (!args.job_config.empty()) read_job_config(args.job_config, config.job);
  if (!args.sweep.empty()) {
    if (args.arms_given)
      throw UsageError("give --arms or --sweep, not both: a sweep's arms are control and its points");
    apply_sweep(config, args.sweep, parse_slots(args.invr_slots, "--invr-slots"), args.salt);
  }
  if (!args.model_config.empty()) {
    read_model_config(args.model_config, config.model);
    config.model.threads = 1;  // deterministic training
  }
  add_experiment_variants(config, {args.all_items, args.cold_start, args.top_users, args.slots});
  validate(config);

  const std::filesystem::path out = args.out;
  SimulationOptions options;
  options.work_dir = out / "work";
  options.model_dir = args.model;
  SimulationWorld world;
  if (!args.world.empty()) {
    world = load_synthetic_world(args.world);
  } else {
    AtomicLoadOptions load;
    load.producer_column = args.producer_column;
    world = dataset_world(load_atomic(args.data, args.name, load), config, options.work_dir);
  }
  const SimulationResult result = simulate(world, config, options);
  write_simulation_outputs(result, world, out);
  std::cout << summary_text(result);
  if (result.sweep)  // the table `invr report` prints, from the same results text
    std::cout << "\n" << sweep_verdict_text(results_json(result), (out / "results.json").string()) << "\n";
  std::cout << fmt::format("Results: {}\nExposure log: {}\n", (out / "results.json").string(),
                           (out / "exposures.tsv").string());
  return 0;
}

std::function<int()> setup(CLI::App& app) {
  auto args = std::make_shared<SimulateArgs>();
  app.footer(
      "Replaces the last --days days of the logs with simulated traffic: users bucketed into\n"
      "arms as the server buckets them, slates from the serving stage's slate assembly, clicks\n"
      "from the ground truth, the InvR job rerun on the growing logs. Writes OUT/results.json\n"
      "and OUT/exposures.tsv. Details: docs/simulation.md.\n"
      "Example: invr simulate --world out/world --model models/world --out out/sim");
  app.add_option("--world", args->world, "Synthetic world folder (invr generate)");
  app.add_option("--data", args->data, "Real dataset folder (atomic files); clicks from an oracle");
  app.add_option("--name", args->name, "Dataset name in --data (default: the single NAME.inter)");
  app.add_option("--timeline", args->params.timeline,
                 "Datasets: auto, logged (the logs' timestamps) or synthetic (a seeded timeline "
                 "of --history-days + --days; docs/simulation.md). auto = synthetic when the "
                 "data has no timestamps")
      ->capture_default_str();
  app.add_option("--oracle", args->params.oracle,
                 "Datasets: the truth behind clicks, fitted on all interactions: item-knn, ease "
                 "or two-tower (docs/simulation.md, \"Real datasets\")")
      ->capture_default_str();
  app.add_option("--producer-column", args->producer_column, "Column of NAME.item holding the producer")
      ->capture_default_str();
  app.add_option("--out", args->out, "Output folder")->capture_default_str();
  app.add_option("--model", args->model,
                 "Initial model directory, trained on the history only (default: train one)");
  app.add_option("--arms", args->arms, "Comma-separated arms: control, invr-random, invr-score, "
                                       "invr-user-rank, invr-target, forward-longtail, popularity-penalty, "
                                       "xquad; knobs as xquad:lambda=0.5 (docs/methods.md)")
      ->capture_default_str()
      ->each([args](const std::string&) { args->arms_given = true; });
  app.add_option("--sweep", args->sweep,
                 "Knob sweep against one control: 'METHOD:KNOB=v1,v2,...;...' or default "
                 "(docs/methods.md, \"Sweeps and frontiers\"); results.json gains the frontier and "
                 "verdict");
  app.add_option("--invr-slots", args->invr_slots,
                 "Slate positions of InvR (and forward-longtail) items (1-based)")
      ->capture_default_str();
  app.add_option("--salt", args->salt, "Bucketing salt (the server's)")->capture_default_str();
  app.add_option("--job-config", args->job_config,
                 "TOML with [selection], [retrieval], [inversion], [job] for the InvR job");
  app.add_option("--model-config", args->model_config,
                 "TOML of model settings for models the simulator trains");
  app.add_flag("--all-items", args->all_items,
               "Experiment: InvR for all fresh items instead of long-tail producers");
  app.add_option("--cold-start", args->cold_start,
                 "Experiment per cold-start mode: random, content or random,content");
  app.add_option("--top-users-per-item", args->top_users,
                 "Experiment per N (users per item), comma-separated, e.g. 50,200");
  app.add_option("--slots", args->slots,
                 "Experiment per slot set, sets separated by ';', e.g. \"1,2;5,10\"");
  add_setting_flags(app, simulation_param_specs(), args->params, SimulationParams{},
                    BoolFlag::kValue);
  return [args] { return run_simulate(*args); };
}
}  // namespace

INVR_COMMAND("simulate", "A/B simulation of InvR arms against control (docs/simulation.md)", setup);
}  // namespace invr::cli
