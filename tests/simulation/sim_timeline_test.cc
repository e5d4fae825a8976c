// The synthetic timeline: seeded, items arriving through the whole span,
// events while their item is live, visits proportional to activity, and a
// dataset without timestamps simulated end to end.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include <nlohmann/json.hpp>

#include "build_features.h"
#include "invr/atomic_io.h"
#include "invr/error.h"
#include "sim_test_world.h"
#include "simulation/sim_internal.h"

namespace invr {
namespace {
constexpr double kDay = 86400;

// tests/testdata/simulation/untimed: 48 users, 36 items of 6 producers, no
// timestamps; users have 3, 6 or 12 events (u % 3), see its README.
Dataset untimed() { return load_atomic(test::testdata_dir() / "simulation/untimed", "untimed"); }

// The timeline these tests share: 6 days of history, 2 simulated, 4 visits a day.
void set_timeline(SimulationParams& p) {
  p.history_days = 6;
  p.days = 2;
  p.visits_per_day = 4;
  p.max_item_age_days = 3;
  p.warmup_days = 0;
}

SimulationParams timeline_params() {
  SimulationParams p;
  set_timeline(p);
  return p;
}

TEST(SimTimeline, SameSeedSameTimelineOtherSeedDiffers) {
  Dataset a = untimed(), b = untimed(), c = untimed();
  ASSERT_FALSE(a.has_timestamps());
  SimulationParams p = timeline_params();
  const SyntheticTimeline ta = apply_synthetic_timeline(a, p);
  const SyntheticTimeline tb = apply_synthetic_timeline(b, p);
  p.seed = 43;
  apply_synthetic_timeline(c, p);
  EXPECT_TRUE(a.has_timestamps());
  EXPECT_EQ(a.interactions.timestamp, b.interactions.timestamp);
  EXPECT_EQ(a.item_table.publish_time, b.item_table.publish_time);
  EXPECT_EQ(ta.visits_per_day, tb.visits_per_day);
  EXPECT_NE(a.interactions.timestamp, c.interactions.timestamp);
  EXPECT_NE(a.item_table.publish_time, c.item_table.publish_time);
}

TEST(SimTimeline, ItemsArriveOverTheWholeSpanAndEventsFollowThem) {
  Dataset d = untimed();
  const SimulationParams p = timeline_params();
  const SyntheticTimeline t = apply_synthetic_timeline(d, p);
  EXPECT_EQ(t.origin, SyntheticTimeline::kOrigin);
  EXPECT_EQ(t.start, t.origin + 6 * kDay);
  EXPECT_EQ(t.end, t.origin + 8 * kDay);
  // 36 items in 36 equal slots of 8 days: the last 2 days hold exactly 9.
  const auto& publish = d.item_table.publish_time;
  const auto in_simulation =
      std::count_if(publish.begin(), publish.end(), [&](double x) { return x >= t.start; });
  EXPECT_EQ(in_simulation, 9);
  std::vector<double> sorted = publish;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t k = 0; k < sorted.size(); ++k) {  // one item per slot
    EXPECT_GE(sorted[k], std::floor(t.origin + k * 8 * kDay / 36)) << k;
    EXPECT_LT(sorted[k], t.origin + (k + 1) * 8 * kDay / 36) << k;
  }
  std::size_t history = 0, future = 0;
  const Interactions& in = d.interactions;
  for (std::size_t r = 0; r < in.size(); ++r) {
    const double p_item = publish[static_cast<std::size_t>(in.item[r])];
    EXPECT_GE(in.timestamp[r], p_item) << r;
    EXPECT_LT(in.timestamp[r], p_item + 3 * kDay) << r;  // max_item_age_days
    EXPECT_EQ(in.timestamp[r], std::floor(in.timestamp[r])) << r;
    history += in.timestamp[r] < t.start;
    // Items live at the end keep their whole lifetime: events after the end
    // (never revealed) rather than squeezed into the last days.
    if (p_item + 3 * kDay <= t.end) {
      EXPECT_LT(in.timestamp[r], t.end) << r;
    }
    future += in.timestamp[r] >= t.end;
  }
  // Items published during the simulation have no history: the cold start.
  EXPECT_GT(history, in.size() / 2);
  EXPECT_LT(history, in.size());
  EXPECT_GT(future, 0u);
}

// The event rate is level once the first items have aged: squeezing the
// events of the last items into the days before the end made those days'
// background traffic denser than the first's (docs/simulation.md,
// "Stationarity").
TEST(SimTimeline, EventsPerDayAreLevelUpToTheEnd) {
  Dataset d;
  constexpr int items = 2000, per_item = 20;
  for (int i = 0; i < items; ++i) d.items.add("i" + std::to_string(i));
  d.producers.add("p");
  for (int i = 0; i < items; ++i) d.item_table.push_back(0, kNoTime, {});
  d.users.add("u");
  for (int i = 0; i < items; ++i)
    for (int k = 0; k < per_item; ++k) d.interactions.push_back(0, i, kNoTime, EventType::click, 1.0f);
  SimulationParams p;
  p.history_days = 28;
  p.warmup_days = 0;
  p.days = 14;
  p.max_item_age_days = 14;
  const SyntheticTimeline t = apply_synthetic_timeline(d, p);
  auto events_in = [&](double from, double to) {
    return std::count_if(d.interactions.timestamp.begin(), d.interactions.timestamp.end(),
                         [&](double x) { return x >= from && x < to; });
  };
  // 40,000 events over 42 days, about 952 a day once items have aged (day 14).
  const auto middle = events_in(t.origin + 20 * kDay, t.origin + 27 * kDay);
  const auto last_week = events_in(t.end - 7 * kDay, t.end);
  EXPECT_NEAR(static_cast<double>(last_week) / static_cast<double>(middle), 1.0, 0.1)
      << middle << " events in days 20-26, " << last_week << " in the last 7";
}

// Arrival order is a seeded permutation, blind to the data's own publish
// times: each day's arrivals are a sample of the same catalogue (dating by
// release year made MovieLens' truth drift; docs/simulation.md).
TEST(SimTimeline, ItemsArriveInASeededOrderBlindToPublishTimes) {
  constexpr int n = 400;
  Dataset d;
  for (int i = 0; i < n; ++i) d.items.add("i" + std::to_string(i));
  d.producers.add("p");
  for (int i = 0; i < n; ++i) d.item_table.push_back(0, 1000.0 * i, {});
  d.users.add("u");
  for (Index i = 0; i < n; ++i) d.interactions.push_back(0, i, kNoTime, EventType::interaction, 1);
  Dataset again = d;
  apply_synthetic_timeline(d, timeline_params());
  apply_synthetic_timeline(again, timeline_params());
  EXPECT_EQ(d.item_table.publish_time, again.item_table.publish_time);  // seeded

  // Rank correlation of the old publish order (the index) with the new time.
  const auto& p = d.item_table.publish_time;
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return p[a] < p[b]; });
  double sum = 0;
  for (int rank = 0; rank < n; ++rank) {
    const double diff = rank - order[rank];
    sum += diff * diff;
  }
  const double spearman = 1 - 6 * sum / (double(n) * (double(n) * n - 1));
  EXPECT_LT(std::abs(spearman), 0.15);  // about N(0, 0.05) for a random order
}

TEST(SimTimeline, VisitsAreProportionalToActivity) {
  Dataset d = untimed();
  std::vector<double> events(d.users.size(), 0.0);
  for (Index u : d.interactions.user) events[static_cast<std::size_t>(u)] += 1;
  double mean = 0;
  for (double e : events) mean += e / static_cast<double>(events.size());
  const SyntheticTimeline t = apply_synthetic_timeline(d, timeline_params());
  ASSERT_EQ(t.visits_per_day.size(), d.users.size());
  double mean_rate = 0;
  for (std::size_t u = 0; u < events.size(); ++u) {
    EXPECT_DOUBLE_EQ(t.visits_per_day[u], 4 * events[u] / mean) << u;
    mean_rate += t.visits_per_day[u] / static_cast<double>(events.size());
  }
  EXPECT_NEAR(mean_rate, 4.0, 1e-9);
}

TEST(SimTimeline, ResolvesAutoAndRejectsLoggedWithoutTimestamps) {
  const Dataset d = untimed();
  EXPECT_EQ(resolve_timeline("auto", d), "synthetic");
  EXPECT_EQ(resolve_timeline("synthetic", d), "synthetic");
  EXPECT_THROW(resolve_timeline("logged", d), UsageError);
  EXPECT_THROW(resolve_timeline("wallclock", d), UsageError);
  Dataset timed = d;
  timed.interactions.timestamp[0] = 1e9;
  EXPECT_EQ(resolve_timeline("auto", timed), "logged");
  SimulationConfig config;
  config.params.timeline = "wallclock";
  EXPECT_THROW(validate(config), UsageError);
}

// The whole path on data with no timestamps: oracle, synthetic clock,
// calibration, traffic. Small models keep it to a few seconds.
// The untimed dataset's run: 6 days of history, 2 simulated, small models.
SimulationConfig untimed_run_config() {
  SimulationConfig config = test::tiny_config();
  config.params.timeline = "auto";
  set_timeline(config.params);
  config.params.sufficient_impressions = 3;
  config.job.retrieval.top_users_per_item = 10;
  config.job.selection.window_days = 3;
  config.job.selection.max_item_age_days = 3;
  test::use_small_model(config.model, 3);
  return config;
}

TEST(SimTimeline, DatasetWithoutTimestampsSimulatesEndToEnd) {
  INVR_REQUIRE_TORCH();
  Progress::set_enabled(false);
  test::TempDir dir;
  const SimulationConfig config = untimed_run_config();
  SimulationWorld world = dataset_world(untimed(), config, dir / "work");
  EXPECT_EQ(world.timeline, "synthetic");
  SimulationOptions options;
  options.work_dir = dir / "work";
  options.progress = false;
  const SimulationResult result = simulate(world, config, options);
  EXPECT_EQ(result.world_timeline, "synthetic");
  EXPECT_EQ(result.start_time, SyntheticTimeline::kOrigin + 6 * kDay);
  EXPECT_EQ(result.main.job_runs + result.main.job_failures, 2u);
  EXPECT_EQ(result.main.retrains, 1u);  // auto: daily on a dataset

  // Background traffic: the logged events of day 1 joined the logs before
  // the day-2 tick, and nobody was shown an item they consumed there.
  const double day2 = result.start_time + kDay;
  std::set<std::pair<std::string, std::string>> consumed;
  std::size_t day1_events = 0;
  const Interactions& logged = world.dataset.interactions;
  for (std::size_t r = 0; r < logged.size(); ++r) {
    if (!(logged.timestamp[r] >= result.start_time && logged.timestamp[r] < day2)) continue;
    ++day1_events;
    if (is_positive(logged.event[r]))
      consumed.emplace(world.dataset.users.id(logged.user[r]), world.dataset.items.id(logged.item[r]));
  }
  ASSERT_GT(day1_events, 0u);
  EXPECT_EQ(result.main.background_events, day1_events);

  // Every impression lies in the simulated days; every arm got traffic.
  const ExposureLog& log = result.main.log;
  ASSERT_GT(log.size(), 0u);
  for (double time : log.timestamp) {
    EXPECT_GE(time, result.start_time);
    EXPECT_LT(time, result.start_time + 2 * kDay);
  }
  for (const ArmResult& arm : result.main.arms) EXPECT_GT(arm.totals.impressions, 0u) << arm.arm.name;
  std::size_t day2_impressions = 0;
  for (std::size_t r = 0; r < log.size(); ++r) {
    if (log.timestamp[r] < day2) continue;
    ++day2_impressions;
    EXPECT_FALSE(consumed.count({log.users.id(log.user[r]), world.dataset.items.id(log.item[r])}))
        << "row " << r;
  }
  EXPECT_GT(day2_impressions, 0u);

  // Visits follow activity: users with 12 events (u % 3 == 2) make about 4x
  // the visits of users with 3 (u % 3 == 0). A visit is one (user, time) slate.
  std::set<std::pair<Index, double>> visits;
  for (std::size_t r = 0; r < log.size(); ++r) visits.emplace(log.user[r], log.timestamp[r]);
  std::map<int, double> by_activity;
  for (const auto& [user, time] : visits) {
    const std::string& id = log.users.id(user);
    by_activity[std::stoi(id.substr(1)) % 3] += 1;
  }
  ASSERT_GT(by_activity[0], 0);
  const double ratio = by_activity[2] / by_activity[0];
  EXPECT_GT(ratio, 2.5);
  EXPECT_LT(ratio, 6.0);

  const auto json = nlohmann::json::parse(results_json(result));
  EXPECT_EQ(json["world"]["timeline"], "synthetic");
  EXPECT_EQ(json["config"]["simulation"]["timeline"], "auto");
  EXPECT_EQ(json["config"]["simulation"]["history_days"], 6.0);
  EXPECT_EQ(json["run"]["background_events"], day1_events);
}

// The warm-up: days served as control to everyone before the measured days,
// on the synthetic clock after the history; nothing of it is measured, the
// job idles, and the model keeps retraining on its traffic.
TEST(SimWarmup, WarmupDaysRunBeforeTheMeasuredDaysAndAreNotMeasured) {
  INVR_REQUIRE_TORCH();
  Progress::set_enabled(false);
  test::TempDir dir;
  SimulationConfig config = untimed_run_config();
  config.params.warmup_days = 2;
  SimulationWorld world = dataset_world(untimed(), config, dir / "work");
  SimulationOptions options;
  options.work_dir = dir / "work";
  options.progress = false;
  const SimulationResult result = simulate(world, config, options);
  // history 6 days, warm-up 2, measured 2: S after 8 days.
  EXPECT_EQ(result.start_time, SyntheticTimeline::kOrigin + 8 * kDay);
  EXPECT_EQ(world.truth.end_time, SyntheticTimeline::kOrigin + 10 * kDay);
  EXPECT_EQ(result.main.job_runs + result.main.job_failures, 2u);  // measured ticks only
  // Daily retraining (auto on a dataset) from the warm-up's second day on.
  EXPECT_EQ(result.main.retrains, 3u);
  // w00001 was retrained in the warm-up and superseded; the served one stays.
  const auto models = dir / "work" / "runs" / "main" / "models";
  EXPECT_FALSE(std::filesystem::exists(models / "w00001"));
  EXPECT_TRUE(std::filesystem::exists(models / "t00001" / "weights.pt"));
  const ExposureLog& log = result.main.log;
  ASSERT_GT(log.size(), 0u);
  for (double time : log.timestamp) EXPECT_GE(time, result.start_time);
  const auto json = nlohmann::json::parse(results_json(result));
  EXPECT_EQ(json["config"]["simulation"]["warmup_days"], 2.0);
  EXPECT_EQ(json["config"]["simulation"]["retrain_interval_days"], 1.0);
}

TEST(SimWarmup, AutoIsOneCatalogueLifetimeOnADatasetAndNoneOnAGeneratedWorld) {
  SimulationParams p;
  EXPECT_EQ(p.warmup_days, -1);
  EXPECT_EQ(resolve_auto(p, true).warmup_days, p.max_item_age_days);
  EXPECT_EQ(resolve_auto(p, false).warmup_days, 0);
  EXPECT_EQ(resolve_auto(p, true).retrain_interval_days, 1);
  EXPECT_EQ(resolve_auto(p, false).retrain_interval_days, 0);
  p.warmup_days = 3;
  EXPECT_EQ(resolve_auto(p, false).warmup_days, 3);  // an explicit value stays
  SimulationConfig config;
  config.params.warmup_days = -2;
  EXPECT_THROW(validate(config), UsageError);
}

TEST(SimTimeline, CliRejectsLoggedTimelineOnUntimedData) {
  test::TempDir dir;
  const auto r = test::run_cli("simulate --data " + (test::testdata_dir() / "simulation/untimed").string() +
                               " --timeline logged --out " + (dir / "out").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--timeline"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace invr
