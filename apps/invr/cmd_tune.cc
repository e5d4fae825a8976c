// invr tune: searches a model kind's settings on validation rows carved from
// the rows `invr evaluate` trains on, and writes the best as a model config
// (docs/model.md, "Tuning: invr tune"). The work is invr::tune_model
// (invr/tune.h); this file parses flags and prints.
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "allocator.h"
#include "command.h"
#include "invr/atomic_io.h"
#include "invr/model_config.h"
#include "invr/tune.h"

namespace invr::cli {
namespace {

struct TuneArgs {
  std::string data;
  std::string name;
  std::string producer_column = AtomicLoadOptions{}.producer_column;
  std::string config_file;
  std::int64_t threads = ModelConfig{}.threads;
  CLI::Option* threads_option = nullptr;
  TuneOptions options;
};

int run_tune(TuneArgs& args) {
  TuneOptions& options = args.options;
  if (!args.config_file.empty()) read_model_config(args.config_file, options.base);
  if (args.threads_option->count() > 0) options.base.threads = args.threads;  // else --config's
  keep_freed_memory();
  AtomicLoadOptions load_options;
  load_options.producer_column = args.producer_column;
  const TuneResult result = tune_model(args.data, args.name, load_options, options);

  const TuneTrial& best = result.trials[result.best];
  nlohmann::ordered_json settings = nlohmann::ordered_json::object();
  for (const TunedSetting& s : best.settings) {
    if (s.value == static_cast<double>(static_cast<std::int64_t>(s.value)))
      settings[s.name] = static_cast<std::int64_t>(s.value);  // dim 64, not 64.0
    else
      settings[s.name] = s.value;
  }
  const nlohmann::ordered_json out = {
      {"config", result.config_path.string()},
      {"log", result.log_path.string()},
      {"kind", options.kind},
      {"test_protocol", result.protocol},
      {"test_rows", result.test_rows},
      {"validation_train_rows", result.validation_train_rows},
      {"validation_rows", result.validation_rows},
      {"trials", result.trials.size()},
      {"trials_run", result.trials_run},
      {"best_trial", best.index},
      {"settings", settings},
      {fmt::format("recall@{}", options.k), best.recall},
      {fmt::format("ndcg@{}", options.k), best.ndcg}};
  std::cout << out.dump() << '\n';
  return 0;
}

std::function<int()> setup_tune(CLI::App& app) {
  auto args = std::make_shared<TuneArgs>();
  app.footer(
      "Holds out the rows `invr evaluate --data DIR` tests on (NAME.split's test rows, else\n"
      "the latest or a seeded random --test-fraction 0.2), carves validation rows from the\n"
      "rest the same way (or takes NAME.split's valid rows), and tries settings on them\n"
      "while --budget lasts: trial 0 the defaults, then random draws (log-uniform) and\n"
      "refinements near the best. Writes OUT/trials.jsonl (one line per trial) and\n"
      "OUT/best.toml (for invr train --config / invr evaluate --als-config); a JSON summary\n"
      "goes to stdout, one line per trial to stderr. Ranges: docs/model.md, \"Tuning\".\n"
      "Example: invr tune --data data/ml --kind als --budget 5 --out tune/ml");
  app.add_option("--data", args->data, "Atomic dataset folder (NAME.inter, NAME.item)")
      ->required()
      ->check(CLI::ExistingDirectory);
  app.add_option("--name", args->name, "Dataset name in --data (default: the single NAME.inter)");
  app.add_option("--producer-column", args->producer_column, "Column of NAME.item holding the producer")
      ->capture_default_str();
  app.add_option("--kind", args->options.kind, "Model kind to tune: two-tower or als")->required();
  app.add_option("--budget", args->options.budget_minutes,
                 "Minutes to search; a trial that started runs to its end")
      ->required();
  app.add_option("--out", args->options.out_dir, "Folder for trials.jsonl and best.toml (created)")
      ->capture_default_str();
  app.add_option("--seed", args->options.seed, "Seed of the search (the same seed tries the same settings)")
      ->capture_default_str();
  app.add_flag("--resume", args->options.resume,
               "Continue OUT/trials.jsonl: its trials are not run again");
  app.add_option("--max-trials", args->options.max_trials, "Stop after this many trials in all (0 = no limit)")
      ->capture_default_str();
  app.add_option("--k", args->options.k, "k of the validation Recall@k and NDCG@k")->capture_default_str();
  app.add_option("--test-fraction", args->options.test_holdout.test_fraction,
                 "Share of positives `invr evaluate` tests on (without NAME.split)")
      ->capture_default_str();
  app.add_option("--config", args->config_file, "TOML of model settings the search starts from and keeps")
      ->check(CLI::ExistingFile);
  args->threads_option =
      app.add_option("--threads", args->threads, "Training threads (0 = all cores; default: --config's)")
          ->capture_default_str();
  return [args] { return run_tune(*args); };
}

}  // namespace
}  // namespace invr::cli

INVR_COMMAND("tune", "Search a model kind's settings on validation rows (docs/model.md)",
             invr::cli::setup_tune);
