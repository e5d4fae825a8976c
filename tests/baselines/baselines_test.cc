// Baselines on matrices small enough to compute by hand.
#include "invr/baselines.h"

#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "invr/error.h"

namespace invr {
namespace {

std::vector<Index> as_vector(std::span<const Index> s) { return {s.begin(), s.end()}; }

// u0 {0,1}, u1 {1,2}, u2 {1}; item 3 has no users.
ItemLists small_train() { return ItemLists::from({{0, 1}, {1, 2}, {1}}); }

TEST(TrainingItemSets, DistinctSortedPositivesOnly) {
  Interactions rows;
  rows.push_back(0, 2, 1, EventType::click, 1);
  rows.push_back(0, 1, 2, EventType::click, 1);
  rows.push_back(0, 2, 3, EventType::click, 1);
  rows.push_back(1, 0, 4, EventType::impression, 1);  // not a positive
  const ItemLists sets = training_item_sets(rows, 3);
  ASSERT_EQ(sets.size(), 3u);
  EXPECT_EQ(as_vector(sets.list(0)), (std::vector<Index>{1, 2}));
  EXPECT_TRUE(sets.list(1).empty());
  EXPECT_TRUE(sets.list(2).empty());
}

TEST(MostPopular, OrderByCountThenIndex) {
  // Counts: item0 1, item1 3, item2 1, item3 0.
  EXPECT_EQ(popularity_order(small_train(), 4), (std::vector<Index>{1, 0, 2, 3}));
}

TEST(MostPopular, SkipsEachUsersTrainingItems) {
  const ItemLists lists = most_popular_top_k(small_train(), 4, 2);
  ASSERT_EQ(lists.size(), 3u);
  EXPECT_EQ(as_vector(lists.list(0)), (std::vector<Index>{2, 3}));
  EXPECT_EQ(as_vector(lists.list(1)), (std::vector<Index>{0, 3}));
  EXPECT_EQ(as_vector(lists.list(2)), (std::vector<Index>{0, 2}));
}

TEST(MostPopular, ShortListWhenFewUnseenItems) {
  const ItemLists lists = most_popular_top_k(small_train(), 4, 10);
  EXPECT_EQ(as_vector(lists.list(2)), (std::vector<Index>{0, 2, 3}));
  EXPECT_THROW(most_popular_top_k(small_train(), 4, 0), UsageError);
}

TEST(TopKUnseen, TiesToSmallerIndexAndNanLast) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> scores = {1.0, nan, 2.0, 1.0, 5.0};
  const std::vector<Index> exclude = {4};
  EXPECT_EQ(top_k_unseen(scores, exclude, 3), (std::vector<Index>{2, 0, 3}));
  EXPECT_EQ(top_k_unseen(scores, exclude, 9), (std::vector<Index>{2, 0, 3, 1}));
}

// The 3-user × 3-item matrix u0 {0,1}, u1 {0,1,2}, u2 {1,2} (plus an item 3
// nobody has). Column sizes 2, 3, 2; co-occurrences (0,1) = 2, (0,2) = 1,
// (1,2) = 2; so sim(0,1) = sim(1,2) = 2/sqrt(6) and sim(0,2) = 1/2.
ItemLists knn_train() { return ItemLists::from({{0, 1}, {0, 1, 2}, {1, 2}}); }

TEST(ItemKnn, CosineSimilarityByHand) {
  const float s01 = static_cast<float>(2 / std::sqrt(6.0));
  const auto neighbours = item_knn_neighbours(knn_train(), 4, {});
  ASSERT_EQ(neighbours.size(), 4u);
  ASSERT_EQ(neighbours[0].size(), 2u);
  EXPECT_EQ(neighbours[0][0].item, 1);
  EXPECT_FLOAT_EQ(neighbours[0][0].similarity, s01);
  EXPECT_EQ(neighbours[0][1].item, 2);
  EXPECT_FLOAT_EQ(neighbours[0][1].similarity, 0.5f);
  // Item 1 is equally close to 0 and 2: the smaller index comes first.
  ASSERT_EQ(neighbours[1].size(), 2u);
  EXPECT_EQ(neighbours[1][0].item, 0);
  EXPECT_EQ(neighbours[1][1].item, 2);
  EXPECT_FLOAT_EQ(neighbours[1][1].similarity, s01);
  EXPECT_TRUE(neighbours[3].empty());
}

TEST(ItemKnn, KeepsOnlyTopNeighbours) {
  const auto neighbours = item_knn_neighbours(knn_train(), 4, {1});
  ASSERT_EQ(neighbours[2].size(), 1u);
  EXPECT_EQ(neighbours[2][0].item, 1);
  EXPECT_THROW(item_knn_neighbours(knn_train(), 4, {0}), UsageError);
}

TEST(ItemKnn, ScoresSumSimilaritiesOfUsersItems) {
  // u0 {0,1}: item 2 scores sim(0,2) + sim(1,2) = 0.5 + 0.816; item 3 scores 0.
  // u2 {1,2}: item 0 scores 0.816 + 0.5. u1 has seen 0-2, only item 3 remains.
  const ItemLists lists = item_knn_top_k(knn_train(), 4, 2, {});
  EXPECT_EQ(as_vector(lists.list(0)), (std::vector<Index>{2, 3}));
  EXPECT_EQ(as_vector(lists.list(1)), (std::vector<Index>{3}));
  EXPECT_EQ(as_vector(lists.list(2)), (std::vector<Index>{0, 3}));
}

TEST(ItemKnn, PruningChangesScores) {
  // u0 {0,1}, u1 {1,4}, u2 {2}: sim(1,0) = sim(1,4) = 1/sqrt(2). Keeping one
  // neighbour, item 1 keeps item 0 (tie: smaller index) and loses item 4.
  const ItemLists train = ItemLists::from({{0, 1}, {1, 4}, {2}});
  const auto pruned = item_knn_neighbours(train, 5, {1});
  ASSERT_EQ(pruned[1].size(), 1u);
  EXPECT_EQ(pruned[1][0].item, 0);
  // With all neighbours u0 gets item 4 (through item 1) first ...
  EXPECT_EQ(as_vector(item_knn_top_k(train, 5, 3, {}).list(0)), (std::vector<Index>{4, 2, 3}));
  // ... pruned, u0 has no unseen neighbour left: zero scores, index order.
  const ItemLists lists = item_knn_top_k(train, 5, 3, {1});
  EXPECT_EQ(as_vector(lists.list(0)), (std::vector<Index>{2, 3, 4}));
  EXPECT_EQ(as_vector(lists.list(1)), (std::vector<Index>{0, 2, 3}));
  EXPECT_EQ(as_vector(lists.list(2)), (std::vector<Index>{0, 1, 3}));
}

TEST(InvertSpd, TwoByTwoByHand) {
  // [[4,2],[2,3]]⁻¹ = [[3,-2],[-2,4]] / 8.
  std::vector<double> m = {4, 2, 2, 3};
  invert_spd(m, 2);
  EXPECT_NEAR(m[0], 3.0 / 8, 1e-12);
  EXPECT_NEAR(m[1], -2.0 / 8, 1e-12);
  EXPECT_NEAR(m[2], -2.0 / 8, 1e-12);
  EXPECT_NEAR(m[3], 4.0 / 8, 1e-12);
  std::vector<double> not_pd = {1, 2, 2, 1};
  EXPECT_THROW(invert_spd(not_pd, 2), Error);
}

// Naive Gauss-Jordan with partial pivoting, to check the Cholesky inverse.
std::vector<double> naive_inverse(std::vector<double> a, std::size_t n) {
  std::vector<double> inv(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) inv[i * n + i] = 1;
  for (std::size_t c = 0; c < n; ++c) {
    std::size_t pivot = c;
    for (std::size_t r = c + 1; r < n; ++r)
      if (std::abs(a[r * n + c]) > std::abs(a[pivot * n + c])) pivot = r;
    for (std::size_t j = 0; j < n; ++j) {
      std::swap(a[c * n + j], a[pivot * n + j]);
      std::swap(inv[c * n + j], inv[pivot * n + j]);
    }
    const double d = a[c * n + c];
    for (std::size_t j = 0; j < n; ++j) a[c * n + j] /= d, inv[c * n + j] /= d;
    for (std::size_t r = 0; r < n; ++r) {
      if (r == c) continue;
      const double f = a[r * n + c];
      for (std::size_t j = 0; j < n; ++j) a[r * n + j] -= f * a[c * n + j], inv[r * n + j] -= f * inv[c * n + j];
    }
  }
  return inv;
}

TEST(Ease, TwoItemsByHand) {
  // X: u0 {0,1}, u1 {0}; λ = 1: G = [[3,1],[1,2]], P = [[2,-1],[-1,3]] / 5,
  // B01 = -P01/P11 = 1/3, B10 = -P10/P00 = 1/2, zero diagonal.
  const ItemLists train = ItemLists::from({{0, 1}, {0}});
  const auto b = ease_weights(train, 2, {1.0, 100});
  ASSERT_EQ(b.size(), 4u);
  EXPECT_DOUBLE_EQ(b[0], 0.0);
  EXPECT_NEAR(b[1], 1.0 / 3, 1e-12);
  EXPECT_NEAR(b[2], 1.0 / 2, 1e-12);
  EXPECT_DOUBLE_EQ(b[3], 0.0);
  const ItemLists lists = ease_top_k(train, 2, 5, {1.0, 100});
  EXPECT_TRUE(lists.list(0).empty());
  EXPECT_EQ(as_vector(lists.list(1)), (std::vector<Index>{1}));
}

TEST(Ease, MatchesNaiveDenseInverse) {
  const std::size_t n = 6;
  const ItemLists train = ItemLists::from({{0, 1, 2}, {1, 3}, {2, 3, 4, 5}, {0, 5}, {1, 2, 4}});
  const double lambda = 2.5;
  std::vector<double> gram(n * n, 0.0);
  for (std::size_t u = 0; u < train.size(); ++u)
    for (Index a : train.list(u))
      for (Index b : train.list(u)) gram[static_cast<std::size_t>(a) * n + static_cast<std::size_t>(b)] += 1;
  for (std::size_t i = 0; i < n; ++i) gram[i * n + i] += lambda;
  const auto p = naive_inverse(gram, n);
  const auto b = ease_weights(train, n, {lambda, 100});
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      const double expected = i == j ? 0.0 : -p[i * n + j] / p[j * n + j];
      EXPECT_NEAR(b[i * n + j], expected, 1e-12) << i << "," << j;
    }
  // u1 {1,3}: scores = B row 1 + B row 3; the best unseen item must be the argmax.
  const ItemLists lists = ease_top_k(train, n, 1, {lambda, 100});
  Index best = kNoIndex;
  double best_score = -1e300;
  for (std::size_t j = 0; j < n; ++j) {
    if (j == 1 || j == 3) continue;
    const double s = b[1 * n + j] + b[3 * n + j];
    if (s > best_score) best_score = s, best = static_cast<Index>(j);
  }
  EXPECT_EQ(as_vector(lists.list(1)), (std::vector<Index>{best}));
}

TEST(Ease, RefusesAboveItemLimit) {
  const ItemLists train = ItemLists::from({{0, 1}});
  EXPECT_TRUE(ease_refusal(3, {500, 3}).empty());
  EXPECT_NE(ease_refusal(4, {500, 3}).find("limit of 3 items"), std::string::npos);
  EXPECT_THROW(ease_weights(train, 4, {500, 3}), UsageError);
  EXPECT_THROW(ease_weights(train, 2, {0, 3}), UsageError);
}

}  // namespace
}  // namespace invr
