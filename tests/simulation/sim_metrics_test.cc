// The simulator's numbers are the metrics.h functions applied to the exposure
// log it writes; intervals contain their point estimates; items arrive and
// age out with the clock.
#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "invr/exposure_log.h"
#include "sim_fixture.h"
#include "simulation/sim_estimate.h"

namespace invr {
namespace {
constexpr double kDay = 86400;

ExposureLog rows_of_arm(const ExposureLog& log, const std::string& arm) {
  ExposureLog out;
  out.users = log.users;
  for (std::size_t r = 0; r < log.size(); ++r)
    if (log.arms.id(log.arm[r]) == arm)
      out.push_back(log.user[r], log.item[r], log.position[r], log.clicked[r], log.timestamp[r], kNoIndex);
  return out;
}

TEST(SimMetrics, TotalsEqualMetricsOfTheWrittenExposureLog) {
  test::TempDir dir;
  const SimulationConfig config = test::tiny_config();
  const SimulationResult result = test::simulate_tiny(config, dir / "work");
  const SimulationWorld& world = test::tiny_world().world;
  write_simulation_outputs(result, world, dir / "out");
  const ExposureLog log = read_exposure_log(dir / "out/exposures.tsv", world.dataset.items);
  ASSERT_EQ(log.size(), result.main.log.size());
  // Every item of the tiny world is live during the simulation, so the
  // population is the whole item table, as exposure_metrics() takes it.
  ASSERT_EQ(result.main.population.size(), world.dataset.items.size());

  ExposureMetricsParams params;
  params.sufficient = static_cast<std::uint64_t>(config.params.sufficient_impressions);
  params.treated = result.main.treated;
  for (const ArmResult& arm : result.main.arms) {
    const ExposureMetrics m =
        exposure_metrics(rows_of_arm(log, arm.arm.name), world.dataset.item_table, params);
    const ArmExposure& t = arm.totals;
    EXPECT_EQ(t.impressions, m.impressions) << arm.arm.name;
    EXPECT_EQ(t.clicks, m.clicks);
    EXPECT_DOUBLE_EQ(t.ctr, m.ctr);
    EXPECT_DOUBLE_EQ(t.psei, m.psei);
    EXPECT_DOUBLE_EQ(t.items.bottom50_share, m.items.bottom50_share);
    EXPECT_DOUBLE_EQ(t.items.gini, m.items.gini);
    EXPECT_DOUBLE_EQ(t.producers.bottom50_share, m.producers.bottom50_share);
    EXPECT_DOUBLE_EQ(t.producers.top1_share, m.producers.top1_share);
    EXPECT_DOUBLE_EQ(t.producers.gini, m.producers.gini);
    EXPECT_DOUBLE_EQ(t.producers.coverage, m.producers.coverage);
    std::uint64_t daily = 0;
    for (const ArmExposure& d : arm.daily) daily += d.impressions;
    EXPECT_EQ(daily, t.impressions);
    EXPECT_DOUBLE_EQ(arm.daily.back().psei, t.psei);  // daily PSEI is cumulative
    // The Lorenz curve runs from (0,0) to (1,1) and never falls.
    ASSERT_GE(arm.lorenz_x.size(), 2u);
    EXPECT_EQ(arm.lorenz_x.front(), 0.0);
    EXPECT_EQ(arm.lorenz_y.back(), 1.0);
    for (std::size_t i = 1; i < arm.lorenz_y.size(); ++i) EXPECT_GE(arm.lorenz_y[i], arm.lorenz_y[i - 1]);
    std::uint64_t histogram = 0;
    for (auto c : arm.treated_exposure.counts) histogram += c;
    EXPECT_EQ(histogram, result.main.treated.size());
  }
}

TEST(SimMetrics, BootstrapIntervalsRespectRangesAndContainTheEstimate) {
  test::TempDir dir;
  const SimulationResult result = test::simulate_tiny(test::tiny_config(), dir / "work");
  std::size_t checked = 0;
  for (const ArmResult& arm : result.main.arms) {
    for (const auto& [name, c] : arm.relative) {
      EXPECT_TRUE(simulation::in_range(name, c)) << arm.arm.name << " " << name;
      if (!std::isfinite(c.change)) continue;
      EXPECT_LE(c.ci_low, c.ci_high) << arm.arm.name << " " << name;
      // Percentile and permutation intervals keep the estimate on this world.
      EXPECT_LE(c.ci_low, c.change) << arm.arm.name << " " << name;
      EXPECT_GE(c.ci_high, c.change) << arm.arm.name << " " << name;
      ++checked;
    }
  }
  EXPECT_GE(checked, 3u * 6u);
}

TEST(SimMetrics, ItemsArriveWhenPublishedAndAgeOut) {
  test::TempDir dir;
  SimulationConfig config = test::tiny_config();
  config.params.max_item_age_days = 1.5;
  config.params.job_interval_hours = 12;
  const SimulationResult result = test::simulate_tiny(config, dir / "work");
  const Dataset& dataset = test::tiny_world().world.dataset;
  const double start = result.start_time, interval = 12 * 3600.0;
  const ExposureLog& log = result.main.log;
  bool shown_new_item = false;
  for (std::size_t r = 0; r < log.size(); ++r) {
    const double published = dataset.item_table.publish_time[static_cast<std::size_t>(log.item[r])];
    const double tick_begin = start + std::floor((log.timestamp[r] - start) / interval) * interval;
    ASSERT_LE(published, log.timestamp[r]) << "row " << r << " shows an item before it exists";
    ASSERT_GE(published + 1.5 * kDay, tick_begin) << "row " << r << " shows an aged-out item";
    shown_new_item = shown_new_item || published >= start;
  }
  EXPECT_TRUE(shown_new_item) << "items published during the simulation were never shown";
}

TEST(SimMetrics, ResultsJsonHasTheDocumentedShape) {
  test::TempDir dir;
  SimulationConfig config = test::tiny_config();
  config.experiments = slot_variants("1,2");
  const SimulationResult result = test::simulate_tiny(config, dir / "work");
  const auto j = nlohmann::json::parse(results_json(result));
  EXPECT_EQ(j["format"], "invr-simulation-results");
  EXPECT_EQ(j["version"], 2);
  for (const char* key : {"config", "world", "arms", "totals", "daily", "relative", "effects",
                          "srm", "trend", "lorenz", "treated_exposure_histogram", "users",
                          "experiments"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["world"]["kind"], "synthetic");
  EXPECT_EQ(j["arms"].size(), 4u);
  EXPECT_EQ(j["arms"][3]["name"], "invr-user-rank");
  EXPECT_EQ(j["arms"][3]["slots"], nlohmann::json({3, 8}));
  EXPECT_EQ(j["daily"].size(), 2u * 4u);
  const auto& ctr = j["relative"]["invr-user-rank"]["ctr"];
  for (const char* key : {"change", "ci_low", "ci_high", "control", "arm", "interval", "significant"})
    EXPECT_TRUE(ctr.contains(key)) << key;
  EXPECT_EQ(j["effects"]["invr-user-rank"]["primary"], "paired");
  for (const char* key : {"paired", "cuped", "arm_level"})
    EXPECT_TRUE(j["effects"]["invr-user-rank"]["ctr"][key].is_object()) << key;
  EXPECT_EQ(j["srm"]["users"]["observed"].size(), 4u);
  EXPECT_TRUE(j["daily"][0]["producer_7d"].contains("b50ps"));
  EXPECT_TRUE(j["trend"]["control"]["ctr"].contains("slope_per_day"));
  EXPECT_FALSE(j.contains("aa"));
  EXPECT_FALSE(j["relative"].contains("control"));
  EXPECT_LE(j["lorenz"]["control"]["x"].size(), 101u);
  const auto& h = j["treated_exposure_histogram"]["invr-score"];
  EXPECT_EQ(h["edges"].size(), h["counts"].size() + 1);
  EXPECT_TRUE(j["users"]["invr-random"].contains("share_lost_relevance"));
  ASSERT_EQ(j["experiments"].size(), 1u);
  EXPECT_EQ(j["experiments"][0]["name"], "slots_1_2");
  EXPECT_TRUE(j["experiments"][0]["relative"].contains("invr-user-rank"));
  EXPECT_TRUE(j["experiments"][0]["srm"].contains("flagged"));
  EXPECT_TRUE(j["experiments"][0]["totals"].contains("control"));
}

}  // namespace
}  // namespace invr
