#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "invr/error.h"
#include "invr/metrics.h"

namespace invr {
namespace {

using Items = std::vector<Index>;

// 1/log2(2) = 1, 1/log2(3) = 0.6309297535714575, 1/log2(4) = 0.5, 1/log2(5) = 0.43067655807339306.
const double kD1 = 1.0;
const double kD2 = 1.0 / std::log2(3.0);
const double kD3 = 0.5;
const double kD4 = 1.0 / std::log2(5.0);

TEST(UserAccuracy, OneHitInsideCutoff) {
  // Ranked 5 1 7 | 2 9, relevant {1,2,3}, k = 3: hit "1" at rank 2 only.
  //   Recall 1/3; DCG = 1/log2(3); IDCG over min(3,3) = 1 + 1/log2(3) + 1/2; MRR 1/2; hit 1.
  const auto m = user_accuracy_at_k(Items{5, 1, 7, 2, 9}, Items{3, 1, 2}, 3);
  EXPECT_EQ(m.users, 1u);
  EXPECT_DOUBLE_EQ(m.recall, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.ndcg, kD2 / (kD1 + kD2 + kD3));  // 0.2960819...
  EXPECT_NEAR(m.ndcg, 0.29608, 1e-5);
  EXPECT_DOUBLE_EQ(m.mrr, 0.5);
  EXPECT_DOUBLE_EQ(m.hit_rate, 1.0);
}

TEST(UserAccuracy, TwoHitsAtDeeperCutoff) {
  // k = 5: hits at ranks 2 and 4. Recall 2/3; DCG = 1/log2(3) + 1/log2(5); IDCG as above.
  const auto m = user_accuracy_at_k(Items{5, 1, 7, 2, 9}, Items{1, 2, 3}, 5);
  EXPECT_DOUBLE_EQ(m.recall, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.ndcg, (kD2 + kD4) / (kD1 + kD2 + kD3));  // 0.4981...
  EXPECT_DOUBLE_EQ(m.mrr, 0.5);
}

TEST(UserAccuracy, NoHitIsZero) {
  const auto m = user_accuracy_at_k(Items{5, 1, 7}, Items{1, 2, 3}, 1);
  EXPECT_EQ(m.users, 1u);
  EXPECT_EQ(m.recall, 0.0);
  EXPECT_EQ(m.ndcg, 0.0);
  EXPECT_EQ(m.mrr, 0.0);
  EXPECT_EQ(m.hit_rate, 0.0);
}

TEST(UserAccuracy, IdealDcgStopsAtCutoff) {
  // Six relevant, k = 2, both top slots hit: NDCG = (1 + 1/log2 3) / (1 + 1/log2 3) = 1;
  // recall divides by all six relevant items: 2/6.
  const auto m = user_accuracy_at_k(Items{5, 1, 8}, Items{5, 1, 7, 2, 9, 11}, 2);
  EXPECT_DOUBLE_EQ(m.ndcg, 1.0);
  EXPECT_DOUBLE_EQ(m.recall, 2.0 / 6.0);
  EXPECT_DOUBLE_EQ(m.mrr, 1.0);
}

TEST(UserAccuracy, RepeatedRankedItemScoresOnce) {
  // Ranked 1 1 2, relevant {1,2}: hits at ranks 1 and 3 (the second "1" is ignored).
  //   DCG = 1 + 1/2; IDCG = 1 + 1/log2(3); recall 2/2.
  const auto m = user_accuracy_at_k(Items{1, 1, 2}, Items{2, 1, 1}, 3);
  EXPECT_DOUBLE_EQ(m.recall, 1.0);
  EXPECT_DOUBLE_EQ(m.ndcg, (kD1 + kD3) / (kD1 + kD2));  // 0.9197...
  EXPECT_LE(m.ndcg, 1.0);
}

TEST(UserAccuracy, NoRelevantItemsMeansUserNotCounted) {
  const auto m = user_accuracy_at_k(Items{1, 2}, Items{}, 2);
  EXPECT_EQ(m.users, 0u);
  EXPECT_EQ(m.ndcg, 0.0);
}

TEST(Accuracy, MeanOverUsersWithHeldOutItems) {
  // u0: as OneHitInsideCutoff (k=3): recall 1/3, ndcg kD2/(kD1+kD2+kD3), mrr 1/2, hit 1.
  // u1: nothing held out -> not averaged.
  // u2: ranked 8 4, relevant {4}: hit at rank 2: recall 1, ndcg kD2/kD1, mrr 1/2, hit 1.
  // u3: ranked nothing, relevant {6}: all 0, but averaged.
  const auto ranked = ItemLists::from({{5, 1, 7, 2, 9}, {4}, {8, 4}, {}});
  const auto relevant = ItemLists::from({{1, 2, 3}, {}, {4}, {6}});
  const auto m = accuracy_at_k(ranked, relevant, 3);
  EXPECT_EQ(m.users, 3u);
  EXPECT_DOUBLE_EQ(m.recall, (1.0 / 3.0 + 1.0 + 0.0) / 3.0);
  EXPECT_DOUBLE_EQ(m.ndcg, (kD2 / (kD1 + kD2 + kD3) + kD2 + 0.0) / 3.0);
  EXPECT_DOUBLE_EQ(m.mrr, (0.5 + 0.5 + 0.0) / 3.0);
  EXPECT_DOUBLE_EQ(m.hit_rate, 2.0 / 3.0);
}

TEST(Accuracy, BadArgumentsAreUsageErrors) {
  const auto two = ItemLists::from({{1}, {2}});
  const auto one = ItemLists::from({{1}});
  EXPECT_THROW(accuracy_at_k(two, one, 1), UsageError);
  EXPECT_THROW(accuracy_at_k(two, two, 0), UsageError);
  EXPECT_THROW(user_accuracy_at_k(Items{1}, Items{1}, 0), UsageError);
}

TEST(Accuracy, PerfectRankingScoresOne) {
  const auto lists = ItemLists::from({{3, 1}, {2}});
  const auto m = accuracy_at_k(lists, lists, 10);
  EXPECT_DOUBLE_EQ(m.recall, 1.0);
  EXPECT_DOUBLE_EQ(m.ndcg, 1.0);
  EXPECT_DOUBLE_EQ(m.mrr, 1.0);
  EXPECT_DOUBLE_EQ(m.hit_rate, 1.0);
}

}  // namespace
}  // namespace invr
