// invr train: trains the two-tower model (or, with --kind als, implicit ALS)
// on an atomic dataset and writes a model directory (docs/model.md). Settings come from the defaults, then
// --config FILE.toml, then flags; every setting flag is generated from
// model_config_specs() (setting_flags.h).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "allocator.h"
#include "command.h"
#include "invr/atomic_io.h"
#include "invr/convert.h"
#include "invr/error.h"
#include "invr/evaluate.h"
#include "invr/model_train.h"
#include "invr/read_file.h"
#include "setting_flags.h"

namespace invr::cli {
namespace {
namespace fs = std::filesystem;

struct TrainArgs {
  std::string data;
  std::string name;
  std::string producer_column = AtomicLoadOptions{}.producer_column;
  std::string out;
  std::string config_file;
  bool resume = false;
  ModelConfig flags;                  // values given on the command line
  std::vector<CLI::Option*> options;  // one per setting, in table order
};

// LibTorch runs its ops on OpenMP threads, and libgomp's default makes a
// thread that finished its share spin for a while before sleeping. On a
// machine shared with other work, the spinning thread holds the core that the
// thread it waits for needs: on 2 shared cores (load average 7) 2-thread
// training ran at 2.0k instead of 9.3k examples/s. libgomp reads
// OMP_WAIT_POLICY once, when invr starts (FAISS already loads it), so unless
// the user chose a policy, invr re-executes itself once with PASSIVE set.
// Results do not depend on it; a single thread never waits, so it is skipped.
void wait_passively_in_openmp(std::int64_t threads) {
  if (threads == 1 || std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  std::string cmdline;
  try {
    cmdline = read_whole_file("/proc/self/cmdline");
  } catch (const IoError&) {
    return;  // no /proc: run as is
  }
  std::vector<char*> argv;
  for (std::size_t begin = 0; begin < cmdline.size();) {
    argv.push_back(const_cast<char*>(cmdline.data() + begin));
    begin = cmdline.find('\0', begin);
    if (begin == std::string::npos) break;
    ++begin;
  }
  if (argv.empty()) return;
  argv.push_back(nullptr);
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  std::cout.flush();
  execv("/proc/self/exe", argv.data());
  spdlog::debug("could not re-execute with OMP_WAIT_POLICY=PASSIVE; OpenMP threads will spin");
}

// A dataset that ships its own split (NAME.split, e.g. Gowalla's) keeps its
// "test" rows for `invr evaluate`: the model never trains on them.
void drop_split_test_rows(const TrainArgs& args, Dataset& dataset) {
  const std::string name = args.name.empty() ? find_atomic_name(args.data) : args.name;
  const fs::path split_file = fs::path(args.data) / (name + ".split");
  if (!fs::exists(split_file)) return;
  const std::vector<std::uint8_t> parts = read_split_parts(split_file, dataset);
  std::vector<bool> keep(parts.size());
  std::size_t dropped = 0;
  for (std::size_t r = 0; r < parts.size(); ++r) {
    keep[r] = parts[r] != ConvertedSplit::kTest;
    dropped += !keep[r];
  }
  dataset.interactions = dataset.interactions.select(keep);
  spdlog::info("{}: {} test rows held out for invr evaluate; training on the other {}",
               split_file.string(), dropped, dataset.interactions.size());
}

int run_train(const TrainArgs& args) {
  ModelConfig config;
  if (!args.config_file.empty()) read_model_config(args.config_file, config);
  apply_given_flags(model_config_specs(), args.options, args.flags, config);
  validate(config);
  // --resume takes threads from the flags too, so this is the run's count.
  wait_passively_in_openmp(config.threads);
  keep_freed_memory();

  AtomicLoadOptions load_options;
  load_options.producer_column = args.producer_column;
  Dataset dataset = load_atomic(args.data, args.name, load_options);
  drop_split_test_rows(args, dataset);
  TrainOptions options;
  options.out_dir = args.out;
  options.resume = args.resume;
  const TrainResult result = train_model(dataset, config, options);

  const TrainReport& r = result.report;
  nlohmann::ordered_json out = {{"model", args.out},
                                {"train_examples", r.train_examples},
                                {"validation_users", r.validation_users},
                                {"best_epoch", r.best_epoch},
                                {"best_recall", r.best_recall},
                                {"popularity_recall", r.popularity_recall},
                                {"epochs", nlohmann::ordered_json::array()}};
  for (const auto& e : r.epochs)
    out["epochs"].push_back({{"epoch", e.epoch},
                             {"loss", e.loss},
                             {"recall", e.recall},
                             {"examples_per_second", e.examples_per_second},
                             {"seconds", e.seconds}});
  std::cout << out.dump() << '\n';
  return 0;
}

std::function<int()> setup_train(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  app.footer(
      "Trains user and item towers with an in-batch softmax (log-Q corrected), validates\n"
      "Recall@k on the latest positives each epoch, stops early and keeps the best epoch.\n"
      "Writes OUT/{manifest.json,config.toml,weights.pt,items.txt,...} and checkpoints in\n"
      "OUT/checkpoint; a JSON summary goes to stdout. Settings: docs/model.md.\n"
      "--kind als trains implicit ALS instead (--dim factors, --als-alpha, --als-regularization,\n"
      "--als-iterations; epochs are its sweeps, recall is measured after the last).\n"
      "Example: invr train --data out/world --out models/world --epochs 5 --threads 1");
  app.add_option("--data", args->data, "Atomic dataset folder (NAME.inter, NAME.item)")
      ->required();
  app.add_option("--name", args->name, "Dataset name in --data (default: the single NAME.inter)");
  app.add_option("--producer-column", args->producer_column,
                 "Column of NAME.item holding the producer")
      ->capture_default_str();
  app.add_option("--out", args->out, "Model directory to write (created)")->required();
  app.add_option("--config", args->config_file,
                 "TOML file of settings (any subset); flags override it");
  app.add_flag("--resume", args->resume,
               "Continue from OUT/checkpoint (its settings, except --epochs and --threads)");
  args->options = add_setting_flags(app, model_config_specs(), args->flags, ModelConfig{},
                                    BoolFlag::kValue, {{"learning_rate", "--lr"}});
  return [args] { return run_train(*args); };
}

}  // namespace
}  // namespace invr::cli

INVR_COMMAND("train", "Train the two-tower (or --kind als) retrieval model (docs/model.md)",
             invr::cli::setup_train);
