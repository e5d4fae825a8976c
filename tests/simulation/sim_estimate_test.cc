// The estimators on hand-built panels with known effects, and the A/A
// calibration on the tiny world.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "build_features.h"
#include "sim_fixture.h"
#include "simulation/sim_assign.h"
#include "simulation/sim_estimate.h"
#include "simulation/sim_rng.h"

namespace invr {
namespace {
using simulation::ExposureScope;
using simulation::UserPanel;

// Users alternate between arm 0 (control) and arm 1; every user sees item
// u % items once per impression. clicks = pre_clicks * slope + noise when
// `correlated`, so the pre-period predicts the run.
struct PanelWorld {
  Dataset dataset;
  UserPanel panel;
  ExposureScope scope;
  std::vector<Index> assignment;
};

PanelWorld make_panel(std::size_t users, double arm_lift, bool correlated, std::size_t days = 1,
                      double daily_growth = 0) {
  PanelWorld w;
  const std::size_t items = 50;
  for (std::size_t i = 0; i < items; ++i) w.dataset.items.add("i" + std::to_string(i));
  w.dataset.producers.add("p0");
  w.dataset.producers.add("p1");
  w.dataset.item_table.producer.resize(items);
  for (std::size_t i = 0; i < items; ++i) w.dataset.item_table.producer[i] = static_cast<Index>(i % 2);
  UserPanel& p = w.panel;
  p.users = users;
  p.days = days;
  p.offsets.assign(1, 0);
  for (std::size_t u = 0; u < users; ++u) {
    simulation::Stream draw(7, simulation::Purpose::bootstrap, {u, 99});
    const Index arm = static_cast<Index>(u % 2);
    w.assignment.push_back(arm);
    const double activity = 1 + 9 * draw.uniform();  // heavy and light users
    const double impressions = std::round(10 * activity);
    double clicks = 0;
    for (std::size_t d = 0; d < days; ++d) {
      const double rate = 0.05 * (1 + daily_growth * static_cast<double>(d)) *
                          (arm == 1 ? 1 + arm_lift : 1.0) * (correlated ? activity / 5 : 1.0);
      double day_clicks = 0;
      for (int k = 0; k < static_cast<int>(impressions); ++k) day_clicks += draw.uniform() < rate;
      p.day_impressions.push_back(impressions);
      p.day_clicks.push_back(day_clicks);
      clicks += day_clicks;
    }
    p.impressions.push_back(impressions * static_cast<double>(days));
    p.clicks.push_back(clicks);
    p.visits.push_back(1);
    p.item.push_back(static_cast<Index>(u % items));
    p.count.push_back(static_cast<std::uint32_t>(impressions * static_cast<double>(days)));
    p.offsets.push_back(p.item.size());
    // Paired: the served slates have exactly (1 + arm_lift) x the control slates' expected clicks.
    const double control = 0.05 * impressions * static_cast<double>(days);
    p.expected_control.push_back(control);
    p.expected_served.push_back(arm == 1 ? control * (1 + arm_lift) : control);
    p.control_impressions.push_back(impressions * static_cast<double>(days));
    p.pre_impressions.push_back(impressions);
    p.pre_clicks.push_back(correlated ? 0.05 * impressions * activity / 5 + draw.uniform() : draw.uniform());
  }
  for (std::size_t i = 0; i < items; ++i) w.scope.population.push_back(static_cast<Index>(i));
  w.scope.population_producers = w.dataset.item_table.producer;
  w.scope.treated = {0, 1, 2, 3, 4};
  w.scope.sufficient = 20;
  w.scope.dataset = &w.dataset;
  return w;
}

SimulationParams params(std::int64_t samples = 200) {
  SimulationParams p;
  p.bootstrap_samples = samples;
  p.threads = 1;
  return p;
}

const RelativeChange& metric(const simulation::Comparison& c, const std::string& name) {
  for (const auto& [key, change] : c.relative)
    if (key == name) return change;
  throw std::runtime_error("no metric " + name);
}

TEST(SimEstimate, PairedEffectRecoversAKnownLiftExactly) {
  const PanelWorld w = make_panel(2000, -0.10, false);
  const auto c = simulation::compare_arms(w.panel, w.assignment, 1, 0, w.scope, params());
  ASSERT_TRUE(c.effects.ctr.paired);
  EXPECT_STREQ(c.effects.primary, "paired");
  EXPECT_NEAR(c.effects.clicks_per_user.paired->change, -0.10, 1e-12);
  EXPECT_NEAR(c.effects.ctr.paired->change, -0.10, 1e-12);
  EXPECT_TRUE(c.effects.ctr.paired->significant);
  EXPECT_FALSE(c.effects.ctr.cuped.significant);  // only the primary estimator is marked
  EXPECT_NEAR(c.effects.ctr.paired->control, 0.05, 1e-12);  // level of the control slates
}

TEST(SimEstimate, CupedNarrowsTheIntervalWhenThePrePeriodPredicts) {
  const PanelWorld w = make_panel(4000, 0.0, true);
  const auto c = simulation::compare_arms(w.panel, w.assignment, 1, 0, w.scope, params());
  const RelativeChange& plain = c.effects.clicks_per_user.arm_level;
  const RelativeChange& cuped = c.effects.clicks_per_user.cuped;
  EXPECT_LT(cuped.ci_high - cuped.ci_low, 0.8 * (plain.ci_high - plain.ci_low));
  EXPECT_LT(std::abs(cuped.change), 0.05);  // no effect: CUPED stays near 0
  EXPECT_LE(c.effects.ctr.cuped.ci_high - c.effects.ctr.cuped.ci_low,
            c.effects.ctr.arm_level.ci_high - c.effects.ctr.arm_level.ci_low + 1e-9);
}

TEST(SimEstimate, IntervalsNeverLeaveTheMetricsRange) {
  // A large drop: a change below -100% would be impossible.
  const PanelWorld w = make_panel(300, -0.9, false);
  const auto c = simulation::compare_arms(w.panel, w.assignment, 1, 0, w.scope, params());
  for (const auto& [name, change] : c.relative) {
    EXPECT_TRUE(simulation::in_range(name, change)) << name;
    if (std::isfinite(change.ci_low)) {
      EXPECT_GE(change.ci_low, -1.0) << name;
    }
  }
  EXPECT_TRUE(simulation::in_range("ctr_cuped", c.effects.ctr.cuped));
  RelativeChange impossible;
  impossible.change = -0.5;
  impossible.ci_low = -5.73;
  impossible.ci_high = 0.1;
  EXPECT_FALSE(simulation::in_range("item_b50ps", impossible));
  EXPECT_EQ(std::string(metric(c, "psei").interval), "permutation");
  EXPECT_EQ(std::string(metric(c, "producer_t1ps").interval), "permutation");
  // Arm against control is randomization inference for every metric; the
  // paired effect compares users with themselves and keeps the bootstrap.
  EXPECT_EQ(std::string(metric(c, "ctr").interval), "permutation");
  EXPECT_EQ(std::string(c.effects.ctr.cuped.interval), "permutation");
  ASSERT_TRUE(c.effects.ctr.paired.has_value());
  EXPECT_EQ(std::string(c.effects.ctr.paired->interval), "percentile");
}

TEST(SimEstimate, TrendSeesADriftAndNotAStationaryRun) {
  const PanelWorld level = make_panel(3000, 0, false, 7, 0.0);
  const Trend flat = simulation::ctr_trend(level.panel, level.assignment, 0, params());
  EXPECT_LE(flat.ci_low, 0.0);
  EXPECT_GE(flat.ci_high, 0.0);
  const PanelWorld rising = make_panel(3000, 0, false, 7, 0.2);
  const Trend up = simulation::ctr_trend(rising.panel, rising.assignment, 0, params());
  EXPECT_GT(up.ci_low, 0.0);
  EXPECT_GT(up.change, 0.5);  // 1.2^6 over the week, first vs last three days
}

TEST(SimEstimate, SampleRatioMismatchIsFlaggedAndBalanceIsNot) {
  PanelWorld w = make_panel(10000, 0, false);
  std::vector<Arm> arms(2);
  arms[0].name = "control";
  arms[1].name = "b";
  // Users bucketed with weights 2:1 but analysed as 1:1.
  Experiment skewed;
  skewed.arms = arms;
  skewed.arms[0].weight = 2;
  std::vector<Index> assignment(w.panel.users);
  for (std::size_t u = 0; u < assignment.size(); ++u)
    assignment[u] = static_cast<Index>(skewed.assign("u" + std::to_string(u)));
  EXPECT_TRUE(simulation::srm_check(w.panel, assignment, arms).flagged);
  // Balanced assignments: flagged at about the nominal rate (0.1%).
  std::size_t flagged = 0, below_5 = 0;
  const std::size_t salts = 400;
  for (std::size_t s = 0; s < salts; ++s) {
    Experiment balanced;
    balanced.arms = arms;
    balanced.salt = "salt" + std::to_string(s);
    for (std::size_t u = 0; u < assignment.size(); ++u)
      assignment[u] = static_cast<Index>(balanced.assign("u" + std::to_string(u)));
    const SrmCheck check = simulation::srm_check(w.panel, assignment, arms);
    flagged += check.flagged;
    below_5 += check.users.p_value < 0.05;
  }
  EXPECT_LE(flagged, 3u);
  EXPECT_GE(below_5, 6u);  // 5% of 400 = 20; a hash that balanced too well would fail this
  EXPECT_LE(below_5, 36u);
}

TEST(SimEstimate, BlockedUsersAreReshuffledOnlyWithinTheirBlocks) {
  // Pairs of users of similar activity, one of each pair per arm (a blocked
  // assignment of two arms), no effect; clicks grow with activity.
  PanelWorld w = make_panel(2000, 0.0, true);
  std::vector<std::size_t> order(w.panel.users);
  for (std::size_t u = 0; u < order.size(); ++u) order[u] = u;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return w.panel.impressions[a] != w.panel.impressions[b] ? w.panel.impressions[a] > w.panel.impressions[b] : a < b;
  });
  std::vector<std::uint32_t> blocks(w.panel.users);
  for (std::size_t r = 0; r < order.size(); ++r) {
    blocks[order[r]] = static_cast<std::uint32_t>(r / 2);
    simulation::Stream coin(5, simulation::Purpose::bootstrap, {r / 2, 7});
    const bool flip = coin.uniform() < 0.5;
    w.assignment[order[r]] = static_cast<Index>((r % 2 == 0) != flip ? 1 : 0);
  }
  const auto plain = simulation::compare_arms(w.panel, w.assignment, 1, 0, w.scope, params());
  const auto blocked = simulation::compare_arms(w.panel, w.assignment, 1, 0, w.scope, params(), blocks);
  // Impressions per user are what the blocks balance: reshuffling within them
  // keeps each group's traffic nearly fixed, so clicks per user's null
  // distribution (arm-level, a permutation interval) is far narrower.
  const RelativeChange& p = plain.effects.clicks_per_user.arm_level;
  const RelativeChange& b = blocked.effects.clicks_per_user.arm_level;
  EXPECT_EQ(p.change, b.change);  // the same observed split
  EXPECT_LT(b.ci_high - b.ci_low, 0.75 * (p.ci_high - p.ci_low));
  EXPECT_LE(b.ci_low, 0.0);  // no effect: 0 stays inside
  EXPECT_GE(b.ci_high, 0.0);
  // One block holding everyone is the plain test.
  const std::vector<std::uint32_t> one(w.panel.users, 0);
  const auto single = simulation::compare_arms(w.panel, w.assignment, 1, 0, w.scope, params(), one);
  EXPECT_EQ(single.effects.clicks_per_user.arm_level.ci_low, p.ci_low);
  EXPECT_EQ(single.effects.clicks_per_user.arm_level.ci_high, p.ci_high);
}

TEST(SimEstimate, BlockedPermutationTestsAreCalibrated) {
  // 400 A/A splits of one panel (no effect; clicks grow with activity):
  // blocked by the simulator's own assign_arms (one salt per split, the
  // activity the impressions) and, for comparison, by a coin per user.
  const PanelWorld w = make_panel(600, 0.0, true);
  // The coin of user order[r] is drawn from (split, r), users ordered by activity.
  std::vector<std::size_t> order(w.panel.users);
  for (std::size_t u = 0; u < order.size(); ++u) order[u] = u;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return w.panel.impressions[a] != w.panel.impressions[b] ? w.panel.impressions[a] > w.panel.impressions[b] : a < b;
  });
  const int splits = 400;
  int blocked_cuped = 0, blocked_plain = 0, coin_cuped = 0, coin_plain = 0;
  for (int k = 0; k < splits; ++k) {
    Experiment e;
    e.salt = "aa " + std::to_string(k);
    e.arms = {Arm{.name = "control"}, Arm{.name = "treatment"}};
    const simulation::ArmAssignment blocked = simulation::assign_arms(
        e, w.panel.impressions, true, [](std::size_t u) { return "u" + std::to_string(u); });
    std::vector<Index> coin(w.panel.users);
    for (std::size_t r = 0; r < order.size(); ++r)
      coin[order[r]] = static_cast<Index>(
          simulation::Stream(100 + k, simulation::Purpose::bootstrap, {r, 9}).uniform() < 0.5 ? 1 : 0);
    SimulationParams p = params();
    p.seed = 1000 + static_cast<std::uint64_t>(k);
    const auto b = simulation::compare_arms(w.panel, blocked.arm, 1, 0, w.scope, p, blocked.block);
    const auto c = simulation::compare_arms(w.panel, coin, 1, 0, w.scope, p);
    blocked_cuped += simulation::excludes_zero(b.effects.ctr.cuped);
    blocked_plain += simulation::excludes_zero(b.effects.ctr.arm_level);
    coin_cuped += simulation::excludes_zero(c.effects.ctr.cuped);
    coin_plain += simulation::excludes_zero(c.effects.ctr.arm_level);
  }
  // About 5% each (20 of 400; 2-9% is 8 to 36). Reshuffling blocked users
  // across blocks would make the blocked tests conservative (near 0%).
  for (int excluded : {blocked_cuped, blocked_plain, coin_cuped, coin_plain}) {
    EXPECT_GE(excluded, 8);
    EXPECT_LE(excluded, 36);
  }
}

TEST(SimEstimate, AaCalibrationOnTheTinyWorld) {
  test::TempDir dir;
  SimulationConfig config = test::tiny_config();
  config.params.aa_salts = 6;
  const SimulationResult result = test::simulate_tiny(config, dir / "work");
  ASSERT_TRUE(result.aa.has_value());
  const AaResult& aa = *result.aa;
  EXPECT_EQ(aa.salts, 6);
  EXPECT_EQ(aa.comparisons, 6u * 3u);
  EXPECT_EQ(aa.per_salt.size(), 6u);
  EXPECT_EQ(aa.out_of_range, 0u);
  bool has_ctr = false, has_cuped = false;
  ASSERT_EQ(aa.defined.size(), aa.false_positive_rate.size());
  for (std::size_t i = 0; i < aa.false_positive_rate.size(); ++i) {
    const auto& [name, rate] = aa.false_positive_rate[i];
    EXPECT_EQ(aa.defined[i].first, name);
    EXPECT_LE(aa.defined[i].second, aa.comparisons) << name;
    // A rate is a share of the defined comparisons, NaN when none is.
    if (aa.defined[i].second == 0) {
      EXPECT_TRUE(std::isnan(rate)) << name;
      continue;
    }
    EXPECT_GE(rate, 0.0) << name;
    EXPECT_LE(rate, 1.0) << name;
    const double excluded = rate * static_cast<double>(aa.defined[i].second);
    EXPECT_NEAR(excluded, std::round(excluded), 1e-9) << name;
    has_ctr = has_ctr || name == "ctr";
    has_cuped = has_cuped || name == "ctr_cuped";
  }
  EXPECT_TRUE(has_ctr && has_cuped);
  // CTR is defined in every comparison of the tiny world (control has clicks).
  EXPECT_EQ(aa.defined[0].first, "ctr");
  EXPECT_EQ(aa.defined[0].second, aa.comparisons);
  EXPECT_NE(aa.per_salt[0].salt, aa.per_salt[1].salt);
  // The A/A run leaves the main run untouched.
  EXPECT_EQ(result.main.arms.size(), 4u);
  EXPECT_FALSE(result.main.arms[3].relative.empty());
}

}  // namespace
}  // namespace invr

namespace invr {
namespace {

TEST(SimRetrain, RetrainingWarmStartsFromThePreviousModel) {
  INVR_REQUIRE_TORCH();
  test::TempDir dir;
  SimulationConfig config = test::tiny_config();
  config.params.retrain_interval_days = 1;
  test::use_small_model(config.model, 2);
  SimulationOptions options;
  options.work_dir = dir / "work";
  options.progress = false;  // no --model: the initial model is trained on the history
  const SimulationResult result = simulate(test::tiny_world().world, config, options);
  EXPECT_EQ(result.main.retrains, 1u);
  const auto retrained = dir / "work" / "runs" / "main" / "models" / "t00001";
  ASSERT_TRUE(std::filesystem::exists(retrained / "weights.pt"));
  ModelConfig written;
  read_model_config(retrained / "config.toml", written);
  EXPECT_EQ(written.epochs, 1);  // --retrain-epochs, from the initial model's weights
  EXPECT_EQ(written.validation_fraction, 0.0);
}

// Each retraining replaces the served model; the one before it is deleted
// (daily retraining kept every model, about 100 MB each on Last.fm, and
// filled the disk), while the initial model stays.
TEST(SimRetrain, OnlyTheServedRetrainedModelStaysOnDisk) {
  INVR_REQUIRE_TORCH();
  test::TempDir dir;
  SimulationConfig config = test::tiny_config();
  config.params.days = 3;
  config.params.retrain_interval_days = 1;
  test::use_small_model(config.model, 2);
  SimulationOptions options;
  options.work_dir = dir / "work";
  options.progress = false;
  const SimulationResult result = simulate(test::tiny_world().world, config, options);
  EXPECT_EQ(result.main.retrains, 2u);
  const auto models = dir / "work" / "runs" / "main" / "models";
  EXPECT_FALSE(std::filesystem::exists(models / "t00001"));
  EXPECT_TRUE(std::filesystem::exists(models / "t00002" / "weights.pt"));
  EXPECT_TRUE(std::filesystem::exists(dir / "work" / "model" / "weights.pt"));
}

}  // namespace
}  // namespace invr
