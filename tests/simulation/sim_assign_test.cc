// Blocked assignment (simulation/sim_assign.h): balanced arms at every
// activity level, still a fair draw per user, and the simulator using it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "sim_fixture.h"
#include "simulation/sim_assign.h"
#include "simulation/sim_rng.h"

namespace invr {
namespace {
using simulation::ArmAssignment;

Experiment three_arms(std::string salt) {
  Experiment e;
  e.salt = std::move(salt);
  e.arms = {Arm{"control", std::nullopt, {}, 1.0}, Arm{"a", Ordering::user_rank, {3}, 1.0},
            Arm{"b", Ordering::target, {3}, 1.0}};
  return e;
}

// Heavy-tailed activity, as in the datasets: lognormal visits per day.
std::vector<double> heavy_tailed(std::size_t users) {
  std::vector<double> activity(users);
  for (std::size_t u = 0; u < users; ++u) {
    simulation::Stream draw(3, simulation::Purpose::bootstrap, {u, 1});
    const double normal = std::sqrt(-2 * std::log(1 - draw.uniform())) *
                          std::cos(2 * 3.141592653589793 * draw.uniform());  // Box-Muller
    activity[u] = std::exp(1.5 * normal);
  }
  return activity;
}

ArmAssignment assign(const Experiment& e, std::span<const double> activity, bool blocked) {
  return simulation::assign_arms(e, activity, blocked,
                                 [](std::size_t u) { return "user" + std::to_string(u); });
}

// max - min over the arms of the arms' summed activity (their traffic).
double traffic_gap(const ArmAssignment& a, std::span<const double> activity, std::size_t arms) {
  std::vector<double> sum(arms, 0.0);
  for (std::size_t u = 0; u < activity.size(); ++u) sum[static_cast<std::size_t>(a.arm[u])] += activity[u];
  return *std::max_element(sum.begin(), sum.end()) - *std::min_element(sum.begin(), sum.end());
}

TEST(SimAssign, BlocksHoldEveryArmOnceAndBalanceTheTraffic) {
  const std::vector<double> activity = heavy_tailed(610);
  const double heaviest = *std::max_element(activity.begin(), activity.end());
  int hash_beyond = 0;
  for (int s = 0; s < 20; ++s) {
    const Experiment e = three_arms("salt" + std::to_string(s));
    const ArmAssignment blocked = assign(e, activity, true);
    ASSERT_EQ(blocked.block.size(), activity.size());
    // Blocks are K consecutive users by activity, one per arm (the last one short).
    std::vector<std::vector<int>> seen(activity.size() / 3 + 1, std::vector<int>(3, 0));
    for (std::size_t u = 0; u < activity.size(); ++u)
      ++seen[blocked.block[u]][static_cast<std::size_t>(blocked.arm[u])];
    for (std::size_t b = 0; b < seen.size(); ++b)
      for (int count : seen[b]) ASSERT_LE(count, 1) << "block " << b;
    for (std::size_t u = 0; u < activity.size(); ++u)
      for (std::size_t v = 0; v < activity.size(); ++v)
        if (blocked.block[u] + 1 < blocked.block[v]) {
          ASSERT_GE(activity[u], activity[v]) << "users " << u << ", " << v;
        }
    // Sorted blocks telescope: the arms' traffic differs by at most the
    // heaviest user's activity (sum over blocks of max - min <= max - min).
    EXPECT_LE(traffic_gap(blocked, activity, 3), heaviest + 1e-9) << e.salt;
    const ArmAssignment hash = assign(e, activity, false);
    EXPECT_TRUE(hash.block.empty());
    hash_beyond += traffic_gap(hash, activity, 3) > heaviest;
  }
  EXPECT_GE(hash_beyond, 10);  // the hash leaves far larger gaps in most salts
}

TEST(SimAssign, EveryUserIsEquallyLikelyInEveryArm) {
  const std::vector<double> activity = heavy_tailed(100);
  // The heaviest and the lightest user over many salts.
  const auto heaviest = static_cast<std::size_t>(
      std::max_element(activity.begin(), activity.end()) - activity.begin());
  const auto lightest = static_cast<std::size_t>(
      std::min_element(activity.begin(), activity.end()) - activity.begin());
  std::vector<int> heavy(3, 0), light(3, 0);
  const int salts = 600;
  for (int s = 0; s < salts; ++s) {
    const ArmAssignment a = assign(three_arms("s" + std::to_string(s)), activity, true);
    ++heavy[static_cast<std::size_t>(a.arm[heaviest])];
    ++light[static_cast<std::size_t>(a.arm[lightest])];
  }
  for (std::size_t k = 0; k < 3; ++k) {
    // 1/3 of 600 = 200, sd 11.5: within 4 sd.
    EXPECT_NEAR(heavy[k], 200, 46) << "arm " << k;
    EXPECT_NEAR(light[k], 200, 46) << "arm " << k;
  }
  // Deterministic for a salt, and another salt moves users.
  const ArmAssignment first = assign(three_arms("x"), activity, true);
  EXPECT_EQ(first.arm, assign(three_arms("x"), activity, true).arm);
  EXPECT_NE(first.arm, assign(three_arms("y"), activity, true).arm);
}

TEST(SimAssign, UnequalWeightsAreAUsageErrorNamingThem) {
  Experiment e = three_arms("x");
  e.arms[2].weight = 2;
  const std::vector<double> activity(10, 1.0);
  try {
    assign(e, activity, true);
    FAIL() << "expected a UsageError";
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what()).find("equal arm weights"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("'b' 2"), std::string::npos) << error.what();
  }
  EXPECT_NO_THROW(assign(e, activity, false));  // the hash takes any weights
}

TEST(SimAssign, TheSimulatorBlocksUsersAndReportsIt) {
  test::TempDir dir;
  SimulationConfig config = test::tiny_config();
  config.params.blocked_assignment = true;
  config.params.aa_salts = 2;
  const SimulationResult result = test::simulate_tiny(config, dir / "work");
  std::size_t lo = SIZE_MAX, hi = 0;
  for (const ArmResult& arm : result.main.arms) {
    lo = std::min(lo, arm.users);
    hi = std::max(hi, arm.users);
  }
  EXPECT_LE(hi - lo, 1u);  // blocks of K: the arms' sizes differ by at most one user
  ASSERT_TRUE(result.aa.has_value());
  EXPECT_EQ(result.aa->out_of_range, 0u);
  for (const auto& salt : result.aa->per_salt) EXPECT_GT(salt.srm_p, 0.9) << salt.salt;
  const std::string text = summary_text(result);
  EXPECT_NE(text.find("users randomised in blocks of similar activity"), std::string::npos) << text;
}

TEST(SimAssign, TheTextNotesArmsWhoseTrafficDiffersUnderTheHash) {
  SimulationResult result;
  result.main.arms.resize(3);
  result.main.arms[0].arm = Arm{"control", std::nullopt, {}, 1.0};
  result.main.arms[1].arm = Arm{"a", Ordering::user_rank, {3}, 1.0};
  result.main.arms[2].arm = Arm{"b", Ordering::target, {3}, 2.0};  // twice the weight
  auto visits = [&](std::uint64_t a, std::uint64_t b, std::uint64_t c) {
    result.main.arms[0].visits = a;
    result.main.arms[1].visits = b;
    result.main.arms[2].visits = c;
    return summary_text(result);
  };
  const std::string note = "note: the arms' visits per unit of weight differ by";
  EXPECT_EQ(visits(1000, 1050, 2000).find(note), std::string::npos);  // 5%, per unit of weight
  const std::string uneven = visits(1000, 1150, 2000);
  EXPECT_NE(uneven.find(note + " 15%"), std::string::npos) << uneven;
  EXPECT_NE(visits(1000, 1000, 1500).find(note + " 33%"), std::string::npos);
  result.config.params.blocked_assignment = true;  // blocked: the note has nothing to add
  EXPECT_EQ(visits(1000, 1150, 2000).find(note), std::string::npos);
}

}  // namespace
}  // namespace invr
