#include "invr/arms.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "invr/error.h"
#include "invr/slate.h"

namespace invr {
namespace {

// Values from an independent Python implementation of the documented hash
// (FNV-1a 64 of salt ":" id, splitmix64 finaliser). A change here moves
// users between arms in running experiments: do not "fix" these numbers.
TEST(BucketHash, MatchesDocumentedValues) {
  EXPECT_EQ(bucket_hash("invr", "u0"), 0xe82c75fd00cfbbd2ull);
  EXPECT_EQ(bucket_hash("invr", "u1"), 0xa6d021fdd66a45fbull);
  EXPECT_EQ(bucket_hash("invr", "alice"), 0xb27470524a15a838ull);
  EXPECT_EQ(bucket_hash("exp2", "u0"), 0x8d1bf16b3f03d5e7ull);
  EXPECT_EQ(bucket_hash("", ""), 0xbac34931a33ad923ull);
  EXPECT_EQ(bucket_hash("invr", ""), 0x2cc4c60a8da2f707ull);
}

TEST(BucketHash, PointIsTop53BitsScaled) {
  EXPECT_DOUBLE_EQ(bucket_point("invr", "u0"), 0.9069284193690795);
  EXPECT_DOUBLE_EQ(bucket_point("invr", "u1"), 0.6516133541794398);
  EXPECT_DOUBLE_EQ(bucket_point("invr", ""), 0.1748775268330396);
}

TEST(Experiment, DefaultArmsAndAssignment) {
  const Experiment experiment = default_experiment();
  ASSERT_EQ(experiment.arms.size(), 4u);
  EXPECT_EQ(experiment.salt, "invr");
  EXPECT_EQ(experiment.arms[0].name, "control");
  EXPECT_FALSE(experiment.arms[0].ordering.has_value());
  EXPECT_TRUE(experiment.arms[0].slots.empty());
  EXPECT_EQ(experiment.arms[1].name, "invr-random");
  EXPECT_EQ(experiment.arms[1].ordering, Ordering::random);
  EXPECT_EQ(experiment.arms[2].name, "invr-score");
  EXPECT_EQ(experiment.arms[2].ordering, Ordering::score);
  EXPECT_EQ(experiment.arms[3].name, "invr-user-rank");
  EXPECT_EQ(experiment.arms[3].ordering, Ordering::user_rank);
  for (const Arm& arm : experiment.arms) EXPECT_DOUBLE_EQ(arm.weight, 1.0);
  EXPECT_EQ(experiment.arms[3].slots, (std::vector<int>{3, 8}));
  EXPECT_NO_THROW(validate(experiment));
  // Equal weights: arm = floor(4u), with u from the pinned values above.
  EXPECT_EQ(experiment.assign("u0"), 3u);      // u = 0.9069
  EXPECT_EQ(experiment.assign("u1"), 2u);      // u = 0.6516
  EXPECT_EQ(experiment.assign("alice"), 2u);   // u = 0.6971
  EXPECT_EQ(experiment.assign(""), 0u);        // u = 0.1749
}

TEST(Experiment, UnequalWeightsUseCumulativeBounds) {
  Experiment experiment;
  experiment.salt = "invr";
  experiment.arms = {Arm{"a", std::nullopt, {}, 1.0}, Arm{"b", Ordering::score, {1}, 1.0},
                     Arm{"c", Ordering::score, {1}, 8.0}};
  // Bounds 0.1, 0.2, 1.0: u = 0.1749 -> b, u = 0.9069 -> c.
  EXPECT_EQ(experiment.assign(""), 1u);
  EXPECT_EQ(experiment.assign("u0"), 2u);
}

TEST(Experiment, SharesFollowWeightsOver100kIds) {
  Experiment experiment = default_experiment();
  experiment.arms[0].weight = 2.0;  // 2:1:1:1 -> 0.4, 0.2, 0.2, 0.2
  std::vector<int> counts(experiment.arms.size(), 0);
  const int users = 100000;
  for (int u = 0; u < users; ++u) ++counts[experiment.assign("u" + std::to_string(u))];
  const std::vector<double> expected = {0.4, 0.2, 0.2, 0.2};
  for (std::size_t a = 0; a < counts.size(); ++a) {
    // Binomial sd at p = 0.4 is about 0.0015; 0.006 is four of them.
    EXPECT_NEAR(counts[a] / double(users), expected[a], 0.006) << experiment.arms[a].name;
  }
}

TEST(Experiment, SaltReshufflesUsers) {
  Experiment a = default_experiment();
  Experiment b = default_experiment();
  b.salt = "other";
  int same = 0;
  for (int u = 0; u < 1000; ++u) {
    const std::string id = "u" + std::to_string(u);
    same += a.assign(id) == b.assign(id);
  }
  // Independent buckets agree about a quarter of the time.
  EXPECT_GT(same, 180);
  EXPECT_LT(same, 320);
}

TEST(Experiment, FindByName) {
  const Experiment experiment = default_experiment();
  ASSERT_NE(experiment.find("invr-score"), nullptr);
  EXPECT_EQ(experiment.find("invr-score")->ordering, Ordering::score);
  EXPECT_EQ(experiment.find("nope"), nullptr);
}

void expect_usage_error(const Experiment& experiment, const std::string& fragment) {
  try {
    validate(experiment);
    FAIL() << "expected UsageError containing " << fragment;
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Experiment, ValidationNamesTheProblem) {
  Experiment none;
  none.arms.clear();
  expect_usage_error(none, "at least one arm");

  Experiment duplicate = default_experiment();
  duplicate.arms[2].name = "control";
  expect_usage_error(duplicate, "duplicate arm name");

  Experiment unknown = default_experiment();
  unknown.arms[1].ordering = static_cast<Ordering>(7);
  expect_usage_error(unknown, "unknown ordering 7");

  Experiment zero_slot = default_experiment();
  zero_slot.arms[1].slots = {0, 3};
  expect_usage_error(zero_slot, "slot 0 must be >= 1");

  Experiment duplicate_slot = default_experiment();
  duplicate_slot.arms[1].slots = {3, 3};
  expect_usage_error(duplicate_slot, "duplicate slot 3");

  Experiment zero_weight = default_experiment();
  zero_weight.arms[3].weight = 0;
  expect_usage_error(zero_weight, "arm 4 (\"invr-user-rank\"): weight");

  Experiment negative_weight = default_experiment();
  negative_weight.arms[0].weight = -1;
  expect_usage_error(negative_weight, "weight must be a finite number > 0");

  Experiment control_slots = default_experiment();
  control_slots.arms[0].slots = {2};
  expect_usage_error(control_slots, "control arm");

  Experiment empty_name = default_experiment();
  empty_name.arms[0].name = "";
  expect_usage_error(empty_name, "name must not be empty");
}

TEST(Experiment, WeightsWhoseSumOverflowsAreRejected) {
  // Each weight is finite, but their sum is inf: assign() would put every
  // user in the last arm (u < 1e308 / inf is never true).
  Experiment huge = default_experiment();
  huge.arms.resize(2);
  huge.arms[0].weight = 1e308;
  huge.arms[1].weight = 1e308;
  expect_usage_error(huge, "weights must sum to a finite number, got inf");
  // Scaled down, the same shares are fine.
  huge.arms[0].weight = huge.arms[1].weight = 1e307;
  EXPECT_NO_THROW(validate(huge));
}

TEST(ArmOrdering, LongUnknownNamesAreCutInTheMessage) {
  try {
    parse_arm_ordering(std::string(100000, 'x'));
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_LT(std::string(e.what()).size(), 300u);
    EXPECT_NE(std::string(e.what()).find("…(100000 bytes)"), std::string::npos) << e.what();
  }
}

TEST(ArmOrdering, ParsesNamesAndRejectsUnknown) {
  EXPECT_EQ(parse_arm_ordering("control"), std::nullopt);
  EXPECT_EQ(parse_arm_ordering("none"), std::nullopt);
  EXPECT_EQ(parse_arm_ordering(""), std::nullopt);
  EXPECT_EQ(parse_arm_ordering("random"), Ordering::random);
  EXPECT_EQ(parse_arm_ordering("score"), Ordering::score);
  EXPECT_EQ(parse_arm_ordering("user-rank"), Ordering::user_rank);
  EXPECT_THROW(parse_arm_ordering("popularity"), UsageError);
}

// A library caller's experiment with no arms: a UsageError, not an abort
// (issue 15, item 2).
TEST(Ranker, ScoreSpansOfDifferentLengthsAreAUsageError) {
  const auto ranker = make_freshness_ranker(SlateParams{});
  const std::vector<Index> items = {0, 1};
  const std::vector<float> two_tower = {0.5f};  // one score for two items
  std::vector<double> scores(2);
  RankInput input;
  input.items = items;
  input.two_tower_scores = two_tower;
  EXPECT_THROW(ranker->score(SlateCatalog{}, input, scores), UsageError);
}

TEST(Experiment, AssignWithNoArmsIsAUsageError) {
  Experiment experiment;
  experiment.arms.clear();
  EXPECT_THROW(experiment.assign("user-1"), UsageError);
}

}  // namespace
}  // namespace invr
