// Every check that can fail on the data or the flags runs before any
// training: a bad setting must not cost the minutes of an oracle or an
// initial model (a user once waited 3 minutes of oracle training for "no
// item is live"). Each test asserts the error names the flag and that no
// model directory was written.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

#include "build_features.h"
#include "invr/atomic_io.h"
#include "invr/error.h"
#include "sim_fixture.h"

namespace invr {
namespace {
namespace fs = std::filesystem;
constexpr double kDay = 86400;

// 20 users and 30 items of 3 producers, all published on day 0; each user
// has one event a day on days 0..9 (item (u + day) % 30).
Dataset timed_dataset() {
  Dataset d;
  d.name = "timed";
  for (int p = 0; p < 3; ++p) d.producers.add("p" + std::to_string(p));
  for (int i = 0; i < 30; ++i) {
    d.items.add("i" + std::to_string(i));
    d.item_table.push_back(i % 3, 0.0, {});
  }
  for (int u = 0; u < 20; ++u) {
    d.users.add("u" + std::to_string(u));
    for (int day = 0; day < 10; ++day)
      d.interactions.push_back(u, (u + day) % 30, day * kDay + 3600.0 * (u % 12),
                               EventType::interaction, 1);
  }
  return d;
}

Dataset untimed() { return load_atomic(test::testdata_dir() / "simulation/untimed", "untimed"); }

// A two-tower oracle: it would write work/oracle-holdout and work/oracle.
SimulationConfig config_for_oracle(const std::string& oracle = "two-tower") {
  SimulationConfig config = test::tiny_config();
  config.params.oracle = oracle;
  config.params.days = 2;
  config.params.max_item_age_days = 30;
  test::use_small_model(config.model, 1);
  return config;
}

// `run` throws a UsageError whose message names `flag`, and `work` holds no
// model (nothing was trained).
void expect_refused_before_training(const std::function<void()>& run, const std::string& flag,
                                    const fs::path& work) {
  Progress::set_enabled(false);
  try {
    run();
    ADD_FAILURE() << "expected a UsageError naming " << flag;
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(flag), std::string::npos) << e.what();
  }
  for (const char* dir : {"oracle", "oracle-holdout", "model"})
    EXPECT_FALSE(fs::exists(work / dir)) << dir << " was written";
}

TEST(SimFailFast, UnknownOracle) {
  test::TempDir dir;
  expect_refused_before_training(
      [&] { dataset_world(untimed(), config_for_oracle("dnn"), dir / "work"); }, "--oracle",
      dir / "work");
}

TEST(SimFailFast, EaseOracleOnTooManyItems) {
  // EASE inverts an items × items matrix: refused above EaseParams::max_items.
  Dataset d;
  d.name = "wide";
  d.producers.add("p");
  for (int i = 0; i <= 20000; ++i) {
    d.items.add("i" + std::to_string(i));
    d.item_table.push_back(0, kNoTime, {});
  }
  for (int u = 0; u < 4; ++u) {
    d.users.add("u" + std::to_string(u));
    for (int k = 0; k < 5; ++k)
      d.interactions.push_back(u, u * 5 + k, kNoTime, EventType::interaction, 1);
  }
  test::TempDir dir;
  expect_refused_before_training(
      [&] { dataset_world(std::move(d), config_for_oracle("ease"), dir / "work"); }, "--oracle",
      dir / "work");
}

TEST(SimFailFast, LoggedTimelineOnDataWithoutTimestamps) {
  SimulationConfig config = config_for_oracle();
  config.params.timeline = "logged";
  test::TempDir dir;
  expect_refused_before_training([&] { dataset_world(untimed(), config, dir / "work"); },
                                 "--timeline", dir / "work");
}

TEST(SimFailFast, DaysLeavingNoHistory) {
  SimulationConfig config = config_for_oracle();
  config.params.days = 30;  // the logs span 10 days
  test::TempDir dir;
  expect_refused_before_training([&] { dataset_world(timed_dataset(), config, dir / "work"); },
                                 "--days", dir / "work");
}

TEST(SimFailFast, NoItemLiveAtTheStart) {
  // Items published on day 0, simulation from day 8: a 1-day catalogue is empty.
  SimulationConfig config = config_for_oracle();
  config.params.max_item_age_days = 1;
  test::TempDir dir;
  expect_refused_before_training([&] { dataset_world(timed_dataset(), config, dir / "work"); },
                                 "--max-item-age-days", dir / "work");
}

TEST(SimFailFast, EmptySelectionAtTheStart) {
  INVR_REQUIRE_TORCH();
  SimulationConfig config = config_for_oracle();
  config.job.selection.min_interactions = 1000000;  // no user qualifies
  test::TempDir dir;
  expect_refused_before_training([&] { dataset_world(timed_dataset(), config, dir / "work"); },
                                 "--job-config", dir / "work");
  // Without an InvR arm the selection does not matter.
  config.experiment = experiment_from_arms("control", {});
  test::TempDir other;
  EXPECT_NO_THROW(dataset_world(timed_dataset(), config, other / "work"));
}

TEST(SimFailFast, SimulateChecksBeforeTrainingTheInitialModel) {
  // A synthetic world without --model: simulate() would train one into work/model.
  SimulationConfig config = test::tiny_config();
  config.job.selection.min_interactions = 1000000;
  test::TempDir dir;
  SimulationOptions options;
  options.work_dir = dir / "work";
  options.progress = false;
  expect_refused_before_training([&] { simulate(test::tiny_world().world, config, options); },
                                 "--job-config", dir / "work");
  config = test::tiny_config();
  config.params.days = 400;
  expect_refused_before_training([&] { simulate(test::tiny_world().world, config, options); },
                                 "--days", dir / "work");
}

TEST(SimFailFast, CliRefusesBeforeWritingAnything) {
  test::TempDir dir;
  save_atomic(timed_dataset(), dir / "data", "timed");
  const auto r = test::run_cli("-q simulate --data " + (dir / "data").string() +
                               " --days 2 --max-item-age-days 1 --oracle two-tower --out " +
                               (dir / "out").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--max-item-age-days"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out" / "work" / "oracle"));
  EXPECT_FALSE(fs::exists(dir / "out" / "work" / "model"));
}

// An auto warm-up on the logged clock is one catalogue lifetime capped at half
// the history before the measured days, so short logs keep a history.
TEST(SimWarmup, AutoWarmupIsCappedOnAShortLoggedHistory) {
  Progress::set_enabled(false);
  SimulationConfig config = config_for_oracle("item-knn");
  config.params.warmup_days = -1;  // auto; max_item_age_days is 30 here
  test::TempDir dir;
  const SimulationWorld world = dataset_world(timed_dataset(), config, dir / "work");
  EXPECT_EQ(world.timeline, "logged");
  // Events on days 0..9 (the last at 9 days + 11 h), 2 measured days: the
  // history before them is about 7.5 days, so the warm-up is about 3.7.
  EXPECT_GT(world.auto_warmup_days, 3.0);
  EXPECT_LT(world.auto_warmup_days, 4.5);
  config.params.warmup_days = 9;  // an explicit setting is taken as it is
  test::TempDir other;
  expect_refused_before_training([&] { dataset_world(timed_dataset(), config, other / "work"); },
                                 "--days", other / "work");
}

}  // namespace
}  // namespace invr
