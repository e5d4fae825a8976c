// `invr tune` as a library call (invr/tune.h): trials of proposed settings,
// each trained on the validation holdout's train rows and scored on its
// test rows by evaluate_method, logged and resumable.
#include "invr/tune.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "invr/atomic_file.h"
#include "invr/error.h"
#include "invr/log.h"
#include "invr/model.h"
#include "invr/model_train.h"
#include "invr/read_file.h"
#include "invr/split.h"
#include "model/tune_search.h"

namespace invr {
namespace {
namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

void check_options(const TuneOptions& options) {
  tune_ranges(options.kind);  // throws for an unknown kind
  if (!(options.budget_minutes > 0) || !std::isfinite(options.budget_minutes))
    throw UsageError(fmt::format("--budget must be a positive number of minutes, got {}", options.budget_minutes));
  if (options.k < 1) throw UsageError("--k must be at least 1");
  if (options.out_dir.empty()) throw UsageError("--out must name a folder");
}

Json trial_json(const TuneTrial& trial, const TuneOptions& options) {
  Json settings = Json::object();
  for (const TunedSetting& s : trial.settings) {
    if (s.value == std::floor(s.value) && std::abs(s.value) < 1e15)
      settings[s.name] = static_cast<std::int64_t>(s.value);
    else
      settings[s.name] = s.value;
  }
  return {{"trial", trial.index},
          {"kind", options.kind},
          {"seed", options.seed},
          {"phase", trial.phase},
          {"settings", settings},
          {fmt::format("recall@{}", options.k), trial.recall},
          {fmt::format("ndcg@{}", options.k), trial.ndcg},
          {"seconds", trial.seconds}};
}

const std::vector<TunedSetting>* best_settings(const std::vector<TuneTrial>& trials, std::size_t best) {
  return trials.empty() ? nullptr : &trials[best].settings;
}

// The trials of an earlier run, each checked against what this search
// would propose at its place (same kind, seed, k and settings).
std::vector<TuneTrial> read_log(const fs::path& path, const TuneOptions& options) {
  const std::string file = path.string();
  std::istringstream in(read_whole_file(path));
  std::vector<TuneTrial> trials;
  std::size_t best = 0;
  std::size_t line_number = 0;
  const std::string recall_key = fmt::format("recall@{}", options.k);
  const std::string ndcg_key = fmt::format("ndcg@{}", options.k);
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    if (line.empty()) continue;
    Json json = Json::parse(line, nullptr, false);
    if (json.is_discarded() || !json.is_object())
      throw DataError(file, line_number, 1, "not a JSON object");
    const std::size_t index = trials.size();
    TuneTrial proposed = model::propose_trial(tune_ranges(options.kind), options.base, options.seed,
                                              index, best_settings(trials, best));
    const Json expected = trial_json(proposed, options);
    for (const char* key : {"trial", "kind", "seed", "phase", "settings"})
      if (!json.contains(key) || json[key] != expected[key])
        throw DataError(file, line_number, 1,
                        fmt::format("\"{}\" is {}, but this search (kind {}, seed {}) has {} for trial {}: "
                                    "the log belongs to another search (use another --out)",
                                    key, json.contains(key) ? json[key].dump() : "missing", options.kind,
                                    options.seed, expected[key].dump(), index));
    for (const std::string& key : {recall_key, ndcg_key, std::string("seconds")})
      if (!json.contains(key) || !json[key].is_number())
        throw DataError(file, line_number, 1, fmt::format("expected a number \"{}\"", key));
    proposed.recall = json[recall_key].get<double>();
    proposed.ndcg = json[ndcg_key].get<double>();
    proposed.seconds = json["seconds"].get<double>();
    proposed.from_log = true;
    trials.push_back(std::move(proposed));
    if (model::better_trial(trials.back(), trials[best])) best = index;
  }
  return trials;
}

// The model of one trial: validation Recall@k and NDCG@k, on the validation
// holdout of `remaining` (the rows left once the test rows are out).
std::pair<double, double> run_trial(const ModelConfig& config, const Dataset& remaining,
                                    const Holdout& validation, const EvaluationSets& sets,
                                    const TuneOptions& options) {
  EvaluationOptions evaluation;
  evaluation.k = options.k;
  std::string method = "als";
  const fs::path trial_dir = options.out_dir / "trial_model";
  if (config.kind == "als") {
    evaluation.als = config;
  } else {
    TrainOptions train;
    train.out_dir = trial_dir;
    train.progress = false;
    fs::remove_all(trial_dir);
    train_model(with_interactions(remaining, validation.train), config, train);
    evaluation.model_dir = trial_dir;
    method = "two_tower";
  }
  const MethodEvaluation result = evaluate_method(method, evaluation, remaining, validation, sets);
  std::error_code ignored;
  fs::remove_all(trial_dir, ignored);
  return {result.accuracy.overall.recall, result.accuracy.overall.ndcg};
}

std::string settings_text(const std::vector<TunedSetting>& settings) {
  std::string text;
  for (const TunedSetting& s : settings) text += fmt::format("{}{} {:g}", text.empty() ? "" : ", ", s.name, s.value);
  return text;
}

// The config best.toml holds: the base, the best settings, and validation
// rows that make `invr train --config` + `invr evaluate --model` hold out
// exactly the test rows tuning stayed away from.
ModelConfig best_config(const TuneOptions& options, const std::vector<TunedSetting>& settings) {
  ModelConfig config = model::apply_settings(options.base, settings);
  if (!options.test_holdout.split_file) {
    config.validation_fraction = options.test_holdout.test_fraction;
    config.validation_split = "auto";
  }
  return config;
}

void write_files(const TuneResult& result, const TuneOptions& options) {
  std::string log;
  for (const TuneTrial& trial : result.trials) log += trial_json(trial, options).dump() + '\n';
  write_text_atomically(result.log_path, log);
  write_model_config(result.config_path, result.best_config);
}

}  // namespace

TuneResult tune_model(const Dataset& dataset, const TuneOptions& given) {
  const auto start = Clock::now();
  check_options(given);
  TuneOptions options = given;
  options.base.kind = options.kind;
  // A random test holdout is what `invr train` validates on with this seed.
  if (!options.test_holdout.split_file && !dataset.has_timestamps()) options.base.seed = options.test_holdout.seed;
  validate(options.base);
  TuneResult result;
  result.log_path = options.out_dir / "trials.jsonl";
  result.config_path = options.out_dir / "best.toml";
  if (fs::exists(result.log_path) && !options.resume)
    throw UsageError(fmt::format("{} exists: pass --resume to continue that search, or choose another --out",
                                 result.log_path.string()));
  if (options.resume && fs::exists(result.log_path)) result.trials = read_log(result.log_path, options);
  for (std::size_t t = 0; t < result.trials.size(); ++t)
    if (model::better_trial(result.trials[t], result.trials[result.best])) result.best = t;
  fs::create_directories(options.out_dir);

  const TuningSplit split = make_tuning_split(dataset, options.test_holdout);
  // Trials see only the rows left once the test rows are out.
  const Dataset remaining = with_interactions(dataset, split.test.train);
  const EvaluationSets sets = evaluation_sets(split.validation, dataset.users.size(), dataset.items.size());
  result.protocol = split.test.protocol;
  result.test_rows = split.test.test.size();
  result.validation_train_rows = split.validation.train.size();
  result.validation_rows = split.validation.test.size();
  invr::logger().info("tune {}: {} test rows held out ({}); trials train on {} rows and are scored on {} "
                      "validation rows; {} trials in the log", options.kind, result.test_rows, result.protocol,
                      result.validation_train_rows, result.validation_rows, result.trials.size());

  const auto budget = std::chrono::duration<double>(options.budget_minutes * 60);
  for (;;) {
    const std::size_t index = result.trials.size();
    if (options.max_trials > 0 && index >= options.max_trials) break;
    if (!result.trials.empty() && Clock::now() - start >= budget) break;
    TuneTrial trial = model::propose_trial(tune_ranges(options.kind), options.base, options.seed, index,
                                           best_settings(result.trials, result.best));
    const auto trial_start = Clock::now();
    std::tie(trial.recall, trial.ndcg) =
        run_trial(model::apply_settings(options.base, trial.settings), remaining, split.validation, sets, options);
    trial.seconds = std::chrono::duration<double>(Clock::now() - trial_start).count();
    result.trials.push_back(trial);
    ++result.trials_run;
    if (model::better_trial(trial, result.trials[result.best])) result.best = index;
    result.best_config = best_config(options, result.trials[result.best].settings);
    write_files(result, options);
    invr::logger().info("trial {} ({}): {} -> recall@{} {:.4f}, ndcg@{} {:.4f} ({:.1f} s); best trial {} ({:.4f})",
                        index, trial.phase, settings_text(trial.settings), options.k, trial.recall, options.k,
                        trial.ndcg, trial.seconds, result.best, result.trials[result.best].recall);
    if (options.on_trial) options.on_trial(trial);
  }
  result.best_config = best_config(options, result.trials[result.best].settings);
  write_files(result, options);
  return result;
}

TuneResult tune_model(const fs::path& data_dir, const std::string& name,
                      const AtomicLoadOptions& load_options, TuneOptions options) {
  check_options(options);  // bad options fail before the data loads
  const Dataset dataset = load_atomic(data_dir, name, load_options);
  if (!options.test_holdout.split_file) {
    const fs::path own_split = data_dir / ((name.empty() ? find_atomic_name(data_dir) : name) + ".split");
    if (fs::exists(own_split)) options.test_holdout.split_file = own_split;
  }
  return tune_model(dataset, options);
}

}  // namespace invr
