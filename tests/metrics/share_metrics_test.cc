#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "invr/error.h"
#include "invr/metrics.h"

namespace invr {
namespace {

using Counts = std::vector<std::uint64_t>;

TEST(ShareCounts, FloorForBottomCeilForTop) {
  EXPECT_EQ(bottom_count(7, 0.5), 3u);  // floor(3.5)
  EXPECT_EQ(bottom_count(1, 0.5), 0u);  // floor(0.5)
  EXPECT_EQ(top_count(1, 0.01), 1u);    // ceil(0.01)
  EXPECT_EQ(top_count(100, 0.01), 1u);
  EXPECT_EQ(top_count(101, 0.01), 2u);  // ceil(1.01)
  EXPECT_EQ(top_count(0, 0.01), 0u);
}

TEST(ShareCounts, RoundingErrorDoesNotAddAnEntity) {
  // 0.01 * 300 is 3.0000000000000004 in doubles; a plain ceil would give 4.
  EXPECT_EQ(top_count(300, 0.01), 3u);
  EXPECT_EQ(top_count(700, 0.01), 7u);
  EXPECT_EQ(top_count(301, 0.01), 4u);  // 3.01 really is above 3
}

TEST(ShareCounts, FractionOutsideUnitIntervalIsUsageError) {
  EXPECT_THROW(bottom_count(10, -0.1), UsageError);
  EXPECT_THROW(top_count(10, 1.5), UsageError);
  EXPECT_THROW(top_share(Counts{1, 2}, std::nan("")), UsageError);
}

TEST(Concentration, HandComputedSkewedDistribution) {
  // Sorted: 0 1 2 3 4 10, n = 6, total = 20.
  // bottom floor(6/2)=3: (0+1+2)/20 = 0.15; top ceil(0.06)=1: 10/20 = 0.5.
  // Gini: sum (2i-7) x_i = -5*0 -3*1 -1*2 +1*3 +3*4 +5*10 = 60; 60 / (5*20) = 0.6.
  // Coverage: 5 of 6 have an impression.
  const Counts counts{4, 0, 10, 1, 3, 2};  // deliberately unsorted
  const auto c = concentration(counts);
  EXPECT_EQ(c.entities, 6u);
  EXPECT_EQ(c.total, 20u);
  EXPECT_DOUBLE_EQ(c.bottom50_share, 0.15);
  EXPECT_DOUBLE_EQ(c.top1_share, 0.5);
  EXPECT_DOUBLE_EQ(c.gini, 0.6);
  EXPECT_DOUBLE_EQ(c.coverage, 5.0 / 6.0);
  EXPECT_DOUBLE_EQ(bottom_share(counts), 0.15);
  EXPECT_DOUBLE_EQ(top_share(counts), 0.5);
  EXPECT_DOUBLE_EQ(gini(counts), 0.6);
  EXPECT_DOUBLE_EQ(coverage(counts), 5.0 / 6.0);
}

TEST(Concentration, OtherFractions) {
  // Sorted 0 1 2 3 4 10: bottom floor(0.2*6)=1 -> 0/20; top ceil(0.5*6)=3 -> (3+4+10)/20.
  const Counts counts{4, 0, 10, 1, 3, 2};
  EXPECT_DOUBLE_EQ(bottom_share(counts, 0.2), 0.0);
  EXPECT_DOUBLE_EQ(top_share(counts, 0.5), 17.0 / 20.0);
  EXPECT_DOUBLE_EQ(top_share(counts, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(bottom_share(counts, 1.0), 1.0);
}

TEST(Concentration, AllTiesAreEqual) {
  // 4 x 5: bottom 2 -> 10/20; top ceil(0.04)=1 -> 5/20; Gini 0.
  const auto c = concentration(Counts{5, 5, 5, 5});
  EXPECT_DOUBLE_EQ(c.bottom50_share, 0.5);
  EXPECT_DOUBLE_EQ(c.top1_share, 0.25);
  EXPECT_DOUBLE_EQ(c.gini, 0.0);
  EXPECT_DOUBLE_EQ(c.coverage, 1.0);
}

TEST(Concentration, EverythingOnOneEntityIsGiniOne) {
  // Sorted 0 0 0 8: sum (2i-5) x_i = 3*8 = 24; 24 / (3*8) = 1.
  const auto c = concentration(Counts{0, 8, 0, 0});
  EXPECT_DOUBLE_EQ(c.gini, 1.0);
  EXPECT_DOUBLE_EQ(c.bottom50_share, 0.0);
  EXPECT_DOUBLE_EQ(c.top1_share, 1.0);
  EXPECT_DOUBLE_EQ(c.coverage, 0.25);
}

TEST(Concentration, SingleEntity) {
  // n = 1: bottom floor(0.5) = 0 entities -> 0; top ceil(0.01) = 1 -> all; Gini 0 by definition.
  const auto c = concentration(Counts{7});
  EXPECT_DOUBLE_EQ(c.bottom50_share, 0.0);
  EXPECT_DOUBLE_EQ(c.top1_share, 1.0);
  EXPECT_DOUBLE_EQ(c.gini, 0.0);
  EXPECT_DOUBLE_EQ(c.coverage, 1.0);
}

TEST(Concentration, NoImpressionsIsAllZero) {
  const auto c = concentration(Counts{0, 0, 0});
  EXPECT_EQ(c.entities, 3u);
  EXPECT_EQ(c.total, 0u);
  EXPECT_EQ(c.bottom50_share, 0.0);
  EXPECT_EQ(c.top1_share, 0.0);
  EXPECT_EQ(c.gini, 0.0);
  EXPECT_EQ(c.coverage, 0.0);
}

TEST(Concentration, EmptyPopulationIsAllZero) {
  const auto c = concentration(Counts{});
  EXPECT_EQ(c.entities, 0u);
  EXPECT_EQ(c.top1_share, 0.0);
  EXPECT_EQ(c.coverage, 0.0);
  EXPECT_EQ(coverage(Counts{}), 0.0);
}

TEST(Concentration, TiesAcrossTheCutDoNotMatter) {
  // Sorted 1 2 2 2 3 4: the bottom 3 are 1 2 2 whichever of the three 2s is
  // cut, so the share is 5/14 for every order of the input.
  Counts counts{2, 4, 2, 1, 3, 2};
  std::sort(counts.begin(), counts.end());
  do {
    ASSERT_DOUBLE_EQ(bottom_share(counts), 5.0 / 14.0);
  } while (std::next_permutation(counts.begin(), counts.end()));
}

// Gini through the mean absolute difference, an independent O(n^2) formula:
// G = sum_i sum_j |x_i - x_j| / (2 (n-1) sum x).
double gini_by_pairs(const Counts& counts) {
  const std::size_t n = counts.size();
  double total = 0;
  for (auto c : counts) total += static_cast<double>(c);
  if (n < 2 || total == 0) return 0.0;
  double pairs = 0;
  for (auto a : counts)
    for (auto b : counts) pairs += std::abs(static_cast<double>(a) - static_cast<double>(b));
  return pairs / (2.0 * static_cast<double>(n - 1) * total);
}

Counts random_counts(std::mt19937_64& rng) {
  std::uniform_int_distribution<std::size_t> size(1, 400);
  std::uniform_int_distribution<int> shape(0, 3);
  const std::size_t n = size(rng);
  Counts counts(n);
  const int kind = shape(rng);
  for (auto& c : counts) {
    switch (kind) {
      case 0:
        c = std::uniform_int_distribution<std::uint64_t>(0, 50)(rng);
        break;
      case 1:
        c = static_cast<std::uint64_t>(
            1000.0 / std::pow(1.0 + std::uniform_real_distribution<>(0, 200)(rng), 1.2));
        break;
      case 2:
        c = std::bernoulli_distribution(0.1)(rng)
                ? std::uniform_int_distribution<std::uint64_t>(1, 1000)(rng)
                : 0;
        break;
      default:
        c = 3;
        break;  // all ties
    }
  }
  return counts;
}

TEST(ConcentrationInvariants, HoldOverRandomDistributions) {
  std::mt19937_64 rng(20241002);
  for (int trial = 0; trial < 1000; ++trial) {
    const Counts counts = random_counts(rng);
    const auto c = concentration(counts);
    const double n = static_cast<double>(counts.size());
    SCOPED_TRACE("trial " + std::to_string(trial) + ", n = " + std::to_string(counts.size()));
    ASSERT_EQ(c.entities, counts.size());
    for (double v : {c.bottom50_share, c.top1_share, c.gini, c.coverage}) {
      ASSERT_GE(v, 0.0);
      ASSERT_LE(v, 1.0);
    }
    if (c.total == 0) continue;
    // The bottom floor(n/2) hold at most their head-count share; the top
    // ceil(n/100) at least theirs.
    ASSERT_LE(c.bottom50_share, static_cast<double>(bottom_count(counts.size(), 0.5)) / n + 1e-12);
    ASSERT_LE(c.bottom50_share, 0.5);
    ASSERT_GE(c.top1_share, 0.01 - 1e-12);
    ASSERT_GE(c.top1_share, static_cast<double>(top_count(counts.size(), 0.01)) / n - 1e-12);
    // Disjoint groups (floor(n/2) + ceil(n/100) <= n) cannot hold more than everything.
    ASSERT_LE(c.bottom50_share + c.top1_share, 1.0 + 1e-12);
    ASSERT_NEAR(c.gini, gini_by_pairs(counts), 1e-9);
    // Order does not matter.
    Counts shuffled = counts;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    const auto s = concentration(shuffled);
    ASSERT_EQ(s.bottom50_share, c.bottom50_share);
    ASSERT_EQ(s.top1_share, c.top1_share);
    ASSERT_EQ(s.gini, c.gini);
    ASSERT_EQ(s.coverage, c.coverage);
    // Scaling every count leaves the shares and Gini unchanged.
    Counts doubled = counts;
    for (auto& x : doubled) x *= 2;
    const auto d = concentration(doubled);
    ASSERT_DOUBLE_EQ(d.bottom50_share, c.bottom50_share);
    ASSERT_DOUBLE_EQ(d.top1_share, c.top1_share);
    ASSERT_NEAR(d.gini, c.gini, 1e-12);
  }
}

}  // namespace
}  // namespace invr
