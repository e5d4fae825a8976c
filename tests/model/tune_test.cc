// invr tune as a library call (invr/tune.h): the validation rows never
// include a test row, the trial sequence is a function of the seed, a resumed
// search skips logged trials, and the budget and options are honoured.
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "build_features.h"
#include "invr/atomic_file.h"
#include "invr/convert.h"
#include "invr/error.h"
#include "invr/tune.h"
#include "model/toy_data.h"
#include "test_util.h"

namespace invr {
namespace {
namespace fs = std::filesystem;

// The toy data with each row's value set to its row number, so a row can be
// recognised after any split; `timed` = false drops the timestamps.
Dataset numbered_toy(bool timed) {
  Dataset d = test::make_toy_dataset();
  for (std::size_t r = 0; r < d.interactions.size(); ++r) {
    d.interactions.value[r] = static_cast<float>(r);
    if (!timed) d.interactions.timestamp[r] = kNoTime;
  }
  return d;
}

std::set<float> row_numbers(const Interactions& rows) { return {rows.value.begin(), rows.value.end()}; }

void expect_disjoint_from_test(const TuningSplit& split, std::size_t all_rows) {
  const std::set<float> test = row_numbers(split.test.test);
  const std::set<float> train = row_numbers(split.validation.train);
  const std::set<float> valid = row_numbers(split.validation.test);
  ASSERT_FALSE(test.empty());
  ASSERT_FALSE(valid.empty());
  ASSERT_FALSE(train.empty());
  for (float r : train) EXPECT_EQ(test.count(r), 0u) << "test row " << r << " trains a trial";
  for (float r : valid) EXPECT_EQ(test.count(r), 0u) << "test row " << r << " validates a trial";
  for (float r : valid) EXPECT_EQ(train.count(r), 0u) << "validation row " << r << " also trains";
  EXPECT_EQ(test.size() + train.size() + valid.size(), all_rows);
}

TEST(TuningSplit, TemporalValidationRowsAreNeverTestRows) {
  const Dataset d = numbered_toy(true);
  const TuningSplit split = make_tuning_split(d, {});
  EXPECT_EQ(split.test.protocol, "temporal");
  EXPECT_EQ(split.validation.protocol, "temporal");
  EXPECT_LT(split.validation.cutoff, split.test.cutoff);
  expect_disjoint_from_test(split, d.interactions.size());
  // The test rows are exactly the evaluation holdout's.
  EXPECT_EQ(row_numbers(split.test.test), row_numbers(make_holdout(d, {}).test));
}

TEST(TuningSplit, RandomValidationRowsAreNeverTestRows) {
  const Dataset d = numbered_toy(false);
  const TuningSplit split = make_tuning_split(d, {});
  EXPECT_EQ(split.test.protocol, "random");
  expect_disjoint_from_test(split, d.interactions.size());
  EXPECT_EQ(row_numbers(split.test.test), row_numbers(make_holdout(d, {}).test));
}

TEST(TuningSplit, SplitFileValidRowsValidateAndTestRowsStayOut) {
  test::TempDir dir;
  const Dataset d = numbered_toy(true);
  ConvertedSplit parts;
  for (std::size_t r = 0; r < d.interactions.size(); ++r)
    parts.part.push_back(static_cast<std::uint8_t>(r % 5 == 0 ? ConvertedSplit::kTest
                                                   : r % 5 == 1 ? ConvertedSplit::kValid
                                                                : ConvertedSplit::kTrain));
  save_split(d, parts, dir.path(), "toy");
  HoldoutOptions options;
  options.split_file = dir / "toy.split";
  const TuningSplit split = make_tuning_split(d, options);
  EXPECT_EQ(split.validation.protocol, "dataset_split");
  expect_disjoint_from_test(split, d.interactions.size());
  for (float r : row_numbers(split.validation.test)) EXPECT_EQ(static_cast<int>(r) % 5, 1);

  // Without valid rows, validation is carved from the train rows by time.
  for (auto& p : parts.part)
    if (p == ConvertedSplit::kValid) p = ConvertedSplit::kTrain;
  save_split(d, parts, dir.path(), "toy");
  const TuningSplit carved = make_tuning_split(d, options);
  EXPECT_EQ(carved.validation.protocol, "temporal");
  expect_disjoint_from_test(carved, d.interactions.size());
}

TuneOptions small_search(const fs::path& out, std::size_t trials, std::uint64_t seed = 3) {
  TuneOptions options;
  options.kind = "als";
  options.out_dir = out;
  options.max_trials = trials;
  options.budget_minutes = 30;
  options.seed = seed;
  options.base.threads = 2;
  return options;
}

TEST(Tune, SameSeedGivesTheSameTrialSequence) {
  test::TempDir dir;
  const Dataset d = test::make_toy_dataset();
  const TuneResult a = tune_model(d, small_search(dir / "a", 8));
  const TuneResult b = tune_model(d, small_search(dir / "b", 8));
  const TuneResult other = tune_model(d, small_search(dir / "c", 8, 4));
  ASSERT_EQ(a.trials.size(), 8u);
  ASSERT_EQ(b.trials.size(), 8u);
  std::size_t differ = 0;
  for (std::size_t t = 0; t < 8; ++t) {
    EXPECT_EQ(a.trials[t].phase, b.trials[t].phase);
    ASSERT_EQ(a.trials[t].settings.size(), 4u);
    for (std::size_t s = 0; s < 4; ++s) {
      EXPECT_EQ(a.trials[t].settings[s].value, b.trials[t].settings[s].value) << t;
      differ += a.trials[t].settings[s].value != other.trials[t].settings[s].value;
    }
    EXPECT_EQ(a.trials[t].recall, b.trials[t].recall);  // ALS is deterministic
  }
  EXPECT_EQ(a.trials[0].phase, "default");
  EXPECT_EQ(a.trials[7].phase, "refine");
  EXPECT_GT(differ, 10u) << "another seed should try other settings";
  EXPECT_GT(a.trials[a.best].recall, 0.0);
  // best.toml is a loadable model config holding the best trial's settings.
  ModelConfig best;
  read_model_config(a.config_path, best);
  EXPECT_EQ(best.kind, "als");
  EXPECT_EQ(best.dim, static_cast<std::int64_t>(a.trials[a.best].settings[0].value));
  EXPECT_EQ(best.als_regularization, a.trials[a.best].settings[1].value);
  EXPECT_EQ(best.als_alpha, a.trials[a.best].settings[2].value);
  EXPECT_EQ(test::count(test::read_file(a.log_path), "\n"), 8);
}

TEST(Tune, ResumeSkipsTheLoggedTrials) {
  test::TempDir dir;
  const Dataset d = test::make_toy_dataset();
  const TuneResult whole = tune_model(d, small_search(dir / "whole", 5));
  const TuneResult first = tune_model(d, small_search(dir / "part", 3));
  ASSERT_EQ(first.trials.size(), 3u);
  // Mark trial 1 with a score no trial could reach: if resuming ran it
  // again, the mark would be gone.
  std::string log = test::read_file(first.log_path);
  auto lines = std::vector<std::string>();
  for (std::size_t start = 0; start < log.size();) {
    const std::size_t end = log.find('\n', start);
    lines.push_back(log.substr(start, end - start));
    start = end + 1;
  }
  auto marked = nlohmann::ordered_json::parse(lines[1]);
  marked["recall@20"] = 0.999;
  lines[1] = marked.dump();
  write_text_atomically(first.log_path, lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\n");

  // Without --resume an existing log is refused, not overwritten.
  EXPECT_THROW(tune_model(d, small_search(dir / "part", 5)), UsageError);
  TuneOptions resumed = small_search(dir / "part", 5);
  resumed.resume = true;
  std::vector<std::size_t> run_now;
  resumed.on_trial = [&](const TuneTrial& t) { run_now.push_back(t.index); };
  const TuneResult rest = tune_model(d, resumed);
  EXPECT_EQ(rest.trials_run, 2u);
  EXPECT_EQ(run_now, (std::vector<std::size_t>{3, 4}));
  ASSERT_EQ(rest.trials.size(), 5u);
  EXPECT_TRUE(rest.trials[1].from_log);
  EXPECT_EQ(rest.trials[1].recall, 0.999);
  EXPECT_EQ(rest.best, 1u);
  for (std::size_t t = 0; t < 5; ++t)
    for (std::size_t s = 0; s < 4; ++s)
      EXPECT_EQ(rest.trials[t].settings[s].value, whole.trials[t].settings[s].value) << t;
  EXPECT_EQ(rest.trials[4].recall, whole.trials[4].recall);
  EXPECT_EQ(test::count(test::read_file(rest.log_path), "\n"), 5);

  // A log written by another seed is named, with its line.
  TuneOptions other_seed = small_search(dir / "part", 6, 99);
  other_seed.resume = true;
  try {
    tune_model(d, other_seed);
    FAIL() << "a log of seed 3 was resumed with seed 99";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("trials.jsonl:1:1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("seed"), std::string::npos) << e.what();
  }
}

TEST(Tune, ATinyBudgetRunsOneTrial) {
  test::TempDir dir;
  const Dataset d = test::make_toy_dataset();
  TuneOptions options = small_search(dir / "t", 0);
  options.budget_minutes = 1e-9;
  const TuneResult once = tune_model(d, options);
  EXPECT_EQ(once.trials.size(), 1u);
  EXPECT_EQ(test::count(test::read_file(once.log_path), "\n"), 1);
  // Resumed with no time left, it runs nothing and keeps the log.
  options.resume = true;
  const TuneResult again = tune_model(d, options);
  EXPECT_EQ(again.trials_run, 0u);
  EXPECT_EQ(again.trials.size(), 1u);
}

// The two-tower path: a trial trains towers into OUT/trial_model, scores them
// on the validation rows and leaves no model behind.
TEST(Tune, TwoTowerTrialTrainsAndScoresTheTowers) {
  INVR_REQUIRE_TORCH();
  test::TempDir dir;
  const Dataset d = test::make_toy_dataset();
  TuneOptions options = small_search(dir / "tt", 1);
  options.kind = "two-tower";
  options.base = test::toy_config();
  const TuneResult result = tune_model(d, options);
  ASSERT_EQ(result.trials.size(), 1u);
  EXPECT_EQ(result.trials[0].settings[0].name, "learning_rate");
  EXPECT_EQ(result.trials[0].settings[0].value, options.base.learning_rate);  // trial 0 is the base
  EXPECT_GT(result.trials[0].recall, 0.0);
  EXPECT_FALSE(fs::exists(dir / "tt" / "trial_model"));
  ModelConfig best;
  read_model_config(result.config_path, best);
  EXPECT_EQ(best.kind, "two-tower");
  EXPECT_EQ(best.hidden_dim, options.base.hidden_dim);  // settings not searched are the base's
}

TEST(Tune, BadOptionsAreUsageErrorsNamingTheFlag) {
  test::TempDir dir;
  const Dataset d = test::make_toy_dataset();
  auto message = [&](TuneOptions options) -> std::string {
    try {
      tune_model(d, options);
    } catch (const UsageError& e) {
      return e.what();
    }
    return "no error";
  };
  TuneOptions bad_kind = small_search(dir / "x", 1);
  bad_kind.kind = "svd";
  EXPECT_NE(message(bad_kind).find("--kind must be two-tower or als, got 'svd'"), std::string::npos);
  for (double budget : {0.0, -1.0}) {
    TuneOptions bad_budget = small_search(dir / "x", 1);
    bad_budget.budget_minutes = budget;
    EXPECT_NE(message(bad_budget).find("--budget must be a positive number"), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(dir / "x" / "trials.jsonl"));
}

}  // namespace
}  // namespace invr
