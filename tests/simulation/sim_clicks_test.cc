// Clicks follow the ground truth: relevance × examination by position, on a
// hand-made world whose click probabilities are known in closed form.
#include <gtest/gtest.h>

#include <cmath>

#include "sim_test_world.h"

namespace invr {
namespace {
constexpr double kDay = 86400;
constexpr int kItems = 400, kProducers = 4;

// 120 users and 400 items of 4 producers, all published at time 0; every user
// had 10 one-item visits on day 0 (one click each), so each comes back about
// 10 times a day. Relevance is sigmoid(bias) for every pair (no weights).
SimulationWorld hand_world(double bias, double eta) {
  SimulationWorld w;
  w.kind = "synthetic";
  w.name = "hand";
  Dataset& d = w.dataset;
  for (int p = 0; p < kProducers; ++p) d.producers.add("p" + std::to_string(p));
  for (int i = 0; i < kItems; ++i) {
    d.items.add(synth_item_id(i));
    d.item_table.push_back(i % kProducers, 0.0, {});
  }
  for (int u = 0; u < 120; ++u) {
    d.users.add(synth_user_id(u));
    for (int k = 0; k < 10; ++k) {
      const double t = 3600.0 * (k + 1);
      const Index item = (u + k) % kItems;
      d.interactions.push_back(u, item, t, EventType::impression, 1);
      if (k % 2 == 0) d.interactions.push_back(u, item, t + 1, EventType::click, 1);
    }
  }
  WorldTruth& t = w.truth;
  t.dim = 2;
  for (int u = 0; u < 120; ++u) t.user_interest.insert(t.user_interest.end(), {std::cos(u * 0.1f), std::sin(u * 0.1f)});
  for (int i = 0; i < kItems; ++i) t.item_topic.insert(t.item_topic.end(), {std::cos(i * 0.3f), std::sin(i * 0.3f)});
  t.item_quality.assign(kItems, 0.0f);
  for (int i = 0; i < kItems; ++i) t.item_publisher.push_back(i % kProducers);
  t.publisher_quality.assign(kProducers, 0.0f);
  t.relevance_weight = 0;
  t.quality_weight = 0;
  t.relevance_bias = bias;
  t.examination.eta = eta;
  t.start_time = 0;
  t.end_time = 3 * kDay;
  for (int u = 0; u < 120; ++u) w.truth_user.push_back(u);
  for (int i = 0; i < kItems; ++i) w.truth_item.push_back(i);
  return w;
}

SimulationResult simulate_hand(SimulationWorld& world, const std::filesystem::path& dir) {
  Progress::set_enabled(false);
  test::write_truth_model(world.truth, dir / "model");
  SimulationConfig config = test::tiny_config();
  config.params.slate_size = 4;
  config.job.selection.min_quality = 0;  // every producer is eligible
  SimulationOptions options;
  options.work_dir = dir / "work";
  options.model_dir = dir / "model";
  options.progress = false;
  return simulate(world, config, options);
}

TEST(SimClicks, CertainRelevanceAndFullExaminationClickEverything) {
  test::TempDir dir;
  SimulationWorld world = hand_world(/*bias=*/60, /*eta=*/0);  // P(click) = 1·1
  const SimulationResult result = simulate_hand(world, dir.path());
  ASSERT_GT(result.main.log.size(), 1000u);
  for (std::size_t r = 0; r < result.main.log.size(); ++r) ASSERT_EQ(result.main.log.clicked[r], 1);
}

TEST(SimClicks, ZeroRelevanceNeverClicks) {
  test::TempDir dir;
  SimulationWorld world = hand_world(/*bias=*/-60, /*eta=*/0.7);
  const SimulationResult result = simulate_hand(world, dir.path());
  ASSERT_GT(result.main.log.size(), 1000u);
  for (const ArmResult& arm : result.main.arms) EXPECT_EQ(arm.totals.clicks, 0u);
}

TEST(SimClicks, ClickRateByPositionIsHalfTimesOneOverPositionPlusOne) {
  // relevance = sigmoid(0) = 0.5, examination (1/(k+1))^1: P(click at k) = 0.5/(k+1).
  test::TempDir dir;
  SimulationWorld world = hand_world(/*bias=*/0, /*eta=*/1);
  const SimulationResult result = simulate_hand(world, dir.path());
  const ExposureLog& log = result.main.log;
  std::vector<double> shown(4, 0), clicked(4, 0);
  for (std::size_t r = 0; r < log.size(); ++r) {
    shown[static_cast<std::size_t>(log.position[r])] += 1;
    clicked[static_cast<std::size_t>(log.position[r])] += log.clicked[r];
  }
  for (int k = 0; k < 4; ++k) {
    const double expected = 0.5 / (k + 1);
    ASSERT_GT(shown[k], 2000) << "position " << k;
    const double sigma = std::sqrt(expected * (1 - expected) / shown[k]);
    EXPECT_NEAR(clicked[k] / shown[k], expected, 4 * sigma) << "position " << k;
  }
  // Totals count the same clicks as the log.
  std::uint64_t clicks = 0;
  for (const ArmResult& arm : result.main.arms) clicks += arm.totals.clicks;
  std::uint64_t logged = 0;
  for (auto c : log.clicked) logged += c;
  EXPECT_EQ(clicks, logged);
}

}  // namespace
}  // namespace invr
