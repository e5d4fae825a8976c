// Tuning a model kind's settings on validation rows: `invr tune` as a
// library call (docs/model.md, "Tuning: invr tune").
//
// Contract:
//  - The test rows are exactly those `invr evaluate --data DIR` (without
//    --model) holds out: make_holdout(dataset, TuneOptions::test_holdout).
//    Tuning never trains on them nor scores them: every trial trains on and
//    is scored against the validation holdout make_tuning_split carves from
//    the remaining rows.
//  - Trial i's settings are a pure function of (seed, i, the validation
//    results of trials 0..i-1), so the same seed on the same data gives the
//    same trial sequence, and a resumed search proposes what the
//    uninterrupted one would have. (ALS results are the same on any thread
//    count; the two-tower's only with threads = 1.)
//  - Files, in out_dir (created): trials.jsonl, one JSON object per trial
//    (trial, kind, seed, phase, settings, recall@k, ndcg@k, seconds), and
//    best.toml, every ModelConfig field with the best trial's settings
//    (read_model_config, `invr train --config`, `invr evaluate
//    --als-config`). Both are rewritten atomically after every trial, so a
//    run killed at any point leaves whole files.
//  - Budget: a trial starts only while budget_minutes have not run out since
//    the call began (the first trial of a search always runs, so there is a
//    best config); a started trial runs to its end.
//  - Errors: UsageError for bad options (kind, budget, k, an existing log
//    without resume); DataError naming the file and line for a log that
//    does not parse or was written by another search; IoError for files.
//  - Logs one line per trial through invr::logger(); not thread-safe for
//    the same out_dir.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "invr/atomic_io.h"
#include "invr/data.h"
#include "invr/evaluate.h"
#include "invr/model_config.h"

namespace invr {

// The rows `invr evaluate` tests on, and the validation holdout carved from
// the others: a split file's "valid" rows when it has some (its "train" rows
// train), else the test holdout's own protocol applied again to its train
// rows (temporal: the latest test_fraction of their positives; random: the
// same fraction with seed + 1). validation.train and validation.test
// together are exactly test.train.
struct TuningSplit {
  Holdout test;
  Holdout validation;
};
TuningSplit make_tuning_split(const Dataset& dataset, const HoldoutOptions& test_holdout);

// One searched setting (a model_config_specs() name): a value from
// `choices`, or log-uniform in [min, max] (rounded to 3 significant digits).
struct TuneRange {
  const char* name;
  std::vector<double> choices;
  double min = 0;
  double max = 0;
};
// The searched settings of "als" or "two-tower" (docs/model.md gives the
// ranges and why); UsageError for another kind.
std::span<const TuneRange> tune_ranges(std::string_view kind);

struct TunedSetting {
  std::string name;
  double value = 0;
};

struct TuneTrial {
  std::size_t index = 0;
  // "default" (trial 0: the base config's values), "random" (the whole
  // ranges) or "refine" (near the best trial so far).
  std::string phase;
  std::vector<TunedSetting> settings;  // in tune_ranges order
  double recall = 0;   // validation Recall@k
  double ndcg = 0;     // validation NDCG@k
  double seconds = 0;  // training and scoring
  bool from_log = false;  // read from trials.jsonl by a resumed search
};

struct TuneOptions {
  std::string kind = "als";  // "als" or "two-tower"
  double budget_minutes = 5;  // > 0
  std::uint64_t seed = 1;     // of the search (not of the model)
  std::filesystem::path out_dir = "tune";
  bool resume = false;  // continue out_dir/trials.jsonl instead of refusing it
  std::size_t max_trials = 0;  // trials in all, the log's included; 0 = no limit
  std::size_t k = 20;          // of validation Recall@k and NDCG@k
  HoldoutOptions test_holdout;  // the evaluation holdout (split file, fraction, seed)
  // Settings not searched (threads, seed, tower shapes, ...), as read from
  // defaults, a TOML file and flags; kind comes from `kind`.
  ModelConfig base;
  std::function<void(const TuneTrial&)> on_trial;  // after each trial run here
};

struct TuneResult {
  std::vector<TuneTrial> trials;  // the log's, then this call's
  std::size_t best = 0;           // index into trials: highest recall, then NDCG, then first
  ModelConfig best_config;        // as written to best.toml
  std::size_t trials_run = 0;     // trained by this call
  std::string protocol;           // the test holdout's (Holdout::protocol)
  std::size_t test_rows = 0;
  std::size_t validation_train_rows = 0;
  std::size_t validation_rows = 0;
  std::filesystem::path log_path;     // out_dir/trials.jsonl
  std::filesystem::path config_path;  // out_dir/best.toml
};

TuneResult tune_model(const Dataset& dataset, const TuneOptions& options);

// `invr tune --data data_dir --name name`: loads the dataset and, unless
// options.test_holdout.split_file is set, uses data_dir/NAME.split when it
// exists (as evaluate_methods does).
TuneResult tune_model(const std::filesystem::path& data_dir, const std::string& name,
                      const AtomicLoadOptions& load_options, TuneOptions options);

}  // namespace invr
