// The simulator's statistics helpers against values computed independently
// in Python (math, statistics.NormalDist; NumPy's percentile rule by hand),
// closed forms, and A/A self-checks.
#include "simulation/sim_stats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "simulation/sim_rng.h"

namespace invr::simulation {
namespace {

// Counts of `draws` users spread over arms with the given weights by uniform
// draws of stream `key` (what a fair hash would do).
std::vector<std::uint64_t> draw_counts(std::uint64_t key, std::size_t draws,
                                       const std::vector<double>& weights) {
  double total = 0;
  for (double w : weights) total += w;
  std::vector<std::uint64_t> counts(weights.size(), 0);
  Stream stream(2024, Purpose::bootstrap, {key});
  for (std::size_t d = 0; d < draws; ++d) {
    const double u = stream.uniform() * total;
    double cumulative = 0;
    std::size_t arm = weights.size() - 1;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      cumulative += weights[i];
      if (u < cumulative) {
        arm = i;
        break;
      }
    }
    ++counts[arm];
  }
  return counts;
}

TEST(SimStats, NormalCdfMatchesErfcReference) {
  EXPECT_NEAR(normal_cdf(1.96), 0.9750021048517795, 1e-15);
  EXPECT_NEAR(normal_cdf(-1.96), 0.024997895148220435, 1e-16);
  EXPECT_EQ(normal_cdf(0), 0.5);
  EXPECT_NEAR(normal_cdf(1.0), 0.8413447460685429, 1e-15);
  // The lower tail keeps relative precision (1 - erf would give 0 here).
  EXPECT_NEAR(normal_cdf(-8) / 6.220960574271819e-16, 1, 1e-12);
  EXPECT_EQ(normal_cdf(-INFINITY), 0);
  EXPECT_EQ(normal_cdf(INFINITY), 1);
}

// statistics.NormalDist().inv_cdf (Wichura's AS241, ~1e-16). Acklam's
// approximation alone is off by up to ~1e-8 in the tails, so the 1e-12
// tolerance fails without the Halley step.
TEST(SimStats, NormalQuantileMatchesReferenceAfterRefinement) {
  struct Case {
    double p, z;
  };
  const Case cases[] = {{1e-300, -37.0470962993612},    {1e-12, -7.034483825301132},
                        {1e-6, -4.753424308822899},     {0.001, -3.090232306167813},
                        {0.02425, -1.9729610513118845}, {0.025, -1.9599639845400538},
                        {0.1, -1.2815515655446008},     {0.3, -0.5244005127080407},
                        {0.5, 0.0},                     {0.7, 0.5244005127080407},
                        {0.975, 1.959963984540054},     {0.999, 3.090232306167813},
                        {1 - 1e-9, 5.997807019601638}};
  for (const Case& c : cases) {
    EXPECT_NEAR(normal_quantile(c.p), c.z, 1e-12 * std::max(1.0, std::abs(c.z))) << "p=" << c.p;
  }
  EXPECT_EQ(normal_quantile(0.5), 0.0);
  EXPECT_EQ(normal_quantile(0.0), -INFINITY);
  EXPECT_EQ(normal_quantile(1.0), INFINITY);
  EXPECT_TRUE(std::isnan(normal_quantile(-0.1)));
  EXPECT_TRUE(std::isnan(normal_quantile(1.5)));
  EXPECT_TRUE(std::isnan(normal_quantile(NAN)));
}

TEST(SimStats, NormalQuantileInvertsCdfAcrossTheRange) {
  for (double p = 1e-15; p < 0.5; p *= 1.7) {
    const double z = normal_quantile(p);
    EXPECT_NEAR(normal_cdf(z) / p, 1, 1e-12) << "p=" << p;
    // Upper tail: 1 - upper is exact, and 1 - Phi(z) = Phi(-z) keeps precision.
    const double upper = 1 - p;
    EXPECT_NEAR(normal_cdf(-normal_quantile(upper)) / (1 - upper), 1, 1e-12) << "1-p=" << p;
  }
  for (double p = 0.01; p < 1; p += 0.01) {
    EXPECT_NEAR(normal_cdf(normal_quantile(p)), p, 1e-14) << "p=" << p;
  }
}

TEST(SimStats, ChiSquareSfMatchesReferenceValues) {
  // dof 1: erfc(sqrt(x/2)); dof 3: erfc(sqrt(x/2)) + sqrt(2x/pi) exp(-x/2).
  EXPECT_NEAR(chi_square_sf(3.841458820694124, 1), 0.05, 1e-14);
  EXPECT_NEAR(chi_square_sf(0.5, 1), 0.4795001221869535, 1e-14);
  EXPECT_NEAR(chi_square_sf(30, 1) / 4.320463057827492e-08, 1, 1e-11);
  EXPECT_NEAR(chi_square_sf(14.3, 3) / 0.002523978493196882, 1, 1e-11);
  EXPECT_NEAR(chi_square_sf(0.2, 3), 0.9775892977616494, 1e-14);
  EXPECT_NEAR(chi_square_sf(2.0, 3), 0.5724067044708798, 1e-14);
  // Even dof: exp(-x/2) sum_{j < dof/2} (x/2)^j / j!, in Python with fsum.
  EXPECT_NEAR(chi_square_sf(9, 10), 0.5321035763747155, 1e-13);
  EXPECT_NEAR(chi_square_sf(30, 10) / 0.0008566412107753004, 1, 1e-11);
  EXPECT_NEAR(chi_square_sf(150, 200), 0.996647558501813, 1e-12);
  EXPECT_NEAR(chi_square_sf(180, 200), 0.8417790108135698, 1e-12);
  EXPECT_NEAR(chi_square_sf(250, 200) / 0.009379131668826096, 1, 1e-10);
}

TEST(SimStats, ChiSquareSfMatchesEvenDofClosedFormOnBothBranches) {
  for (int dof = 2; dof <= 60; dof += 2) {
    for (double x : {0.01, 0.5, 1.0, 3.0, 7.5, 20.0, 45.0, 90.0}) {
      // Series for x < dof/2 + 1, continued fraction above: both are hit.
      double term = 1, sum = 1;
      for (int j = 1; j < dof / 2; ++j) {
        term *= (x / 2) / j;
        sum += term;
      }
      const double expected = std::exp(-x / 2) * sum;
      EXPECT_NEAR(chi_square_sf(x, dof) / expected, 1, 1e-11) << "x=" << x << " dof=" << dof;
    }
  }
}

TEST(SimStats, ChiSquareSfEdges) {
  EXPECT_EQ(chi_square_sf(0, 3), 1);
  EXPECT_EQ(chi_square_sf(-2, 3), 1);
  EXPECT_EQ(chi_square_sf(INFINITY, 3), 0);
  EXPECT_TRUE(std::isnan(chi_square_sf(1, 0)));
  EXPECT_TRUE(std::isnan(chi_square_sf(1, -1)));
  EXPECT_TRUE(std::isnan(chi_square_sf(NAN, 2)));
  // Decreasing in x, between 0 and 1, for a non-integer dof too.
  double previous = 1;
  for (double x = 0.1; x < 40; x += 0.1) {
    const double sf = chi_square_sf(x, 2.5);
    EXPECT_LE(sf, previous);
    EXPECT_GE(sf, 0);
    previous = sf;
  }
}

// The split users reported (6,170 users, 4 equal arms).
TEST(SimStats, SrmFlagsTheReportedSplit) {
  const std::vector<std::uint64_t> observed = {1669, 1479, 1512, 1510};
  const std::vector<double> weights = {1, 1, 1, 1};
  const SrmTest test = srm_test(observed, weights);
  EXPECT_EQ(test.observed, observed);
  ASSERT_EQ(test.expected.size(), 4u);
  for (double e : test.expected) EXPECT_DOUBLE_EQ(e, 1542.5);
  EXPECT_EQ(test.dof, 3u);
  EXPECT_NEAR(test.chi2, 14.27617504051864, 1e-10);  // Python: sum((o-e)^2/e)
  EXPECT_NEAR(test.p_value, 0.002552345446894553, 1e-13);
}

TEST(SimStats, SrmPassesBalancedCounts) {
  const std::vector<std::uint64_t> observed = {1543, 1542, 1543, 1542};
  const std::vector<double> weights = {1, 1, 1, 1};
  const SrmTest test = srm_test(observed, weights);
  EXPECT_NEAR(test.chi2, 4 * 0.25 / 1542.5, 1e-12);
  EXPECT_GT(test.p_value, 0.999);
}

TEST(SimStats, SrmUsesTheWeights) {
  const std::vector<std::uint64_t> exact = {2000, 1000, 1000};
  const std::vector<double> weights = {2, 1, 1};
  const SrmTest test = srm_test(exact, weights);
  EXPECT_EQ(test.expected, (std::vector<double>{2000, 1000, 1000}));
  EXPECT_EQ(test.chi2, 0);
  EXPECT_EQ(test.p_value, 1);

  // Fair draws are not flagged against the weights they were drawn with, and
  // are flagged against weights they were not drawn with.
  const std::vector<std::uint64_t> drawn = draw_counts(1, 10000, {1, 1, 1, 1});
  const std::vector<double> equal = {1, 1, 1, 1};
  const std::vector<double> wrong = {2, 1, 1, 1};
  EXPECT_GT(srm_test(drawn, equal).p_value, 0.01);
  EXPECT_LT(srm_test(drawn, wrong).p_value, 1e-6);
  const std::vector<std::uint64_t> drawn_2_1_1 = draw_counts(2, 10000, {2, 1, 1});
  EXPECT_GT(srm_test(drawn_2_1_1, weights).p_value, 0.01);
  EXPECT_LT(srm_test(drawn_2_1_1, std::vector<double>{1, 1, 1}).p_value, 1e-6);
}

TEST(SimStats, SrmDegenerateInputsCannotMismatch) {
  const std::vector<std::uint64_t> one = {17};
  const std::vector<double> one_weight = {3};
  const SrmTest single = srm_test(one, one_weight);
  EXPECT_EQ(single.dof, 0u);
  EXPECT_EQ(single.chi2, 0);
  EXPECT_EQ(single.p_value, 1);
  EXPECT_EQ(single.expected, std::vector<double>{17});

  const std::vector<std::uint64_t> none = {0, 0, 0};
  const std::vector<double> weights = {1, 2, 3};
  const SrmTest empty = srm_test(none, weights);
  EXPECT_EQ(empty.dof, 2u);
  EXPECT_EQ(empty.chi2, 0);
  EXPECT_EQ(empty.p_value, 1);
  EXPECT_EQ(empty.expected, (std::vector<double>{0, 0, 0}));

  EXPECT_EQ(srm_test({}, {}).p_value, 1);
}

// A/A self-check (CONTRIBUTING.md, convention 11): under fair assignment the
// test flags about its nominal share.
TEST(SimStats, SrmFalsePositiveRateIsNominalUnderAA) {
  constexpr int kRuns = 2000;
  const std::vector<double> weights = {1, 1, 1, 1};
  int below_5 = 0, below_1 = 0;
  for (int run = 0; run < kRuns; ++run) {
    const double p = srm_test(draw_counts(100 + run, 1000, weights), weights).p_value;
    below_5 += p < 0.05;
    below_1 += p < 0.01;
  }
  // Binomial standard errors are 0.0049 and 0.0022: about 3 either side.
  EXPECT_NEAR(below_5 / double{kRuns}, 0.05, 0.015);
  EXPECT_NEAR(below_1 / double{kRuns}, 0.01, 0.007);
}

TEST(SimStats, PercentileInterpolatesLikeNumPy) {
  EXPECT_EQ(percentile({1, 2, 3, 4}, 0.5), 2.5);
  EXPECT_EQ(percentile({10, 20, 30, 40, 50}, 0.1), 14.0);
  EXPECT_EQ(percentile({3, 1, 2}, 0.75), 2.5);
  EXPECT_NEAR(percentile({5, 1, 4, 2, 3, 10}, 0.33), 2.65, 1e-12);
  EXPECT_EQ(percentile({5, 1, 4}, 0), 1);
  EXPECT_EQ(percentile({5, 1, 4}, 1), 5);
  EXPECT_EQ(percentile({7}, 0.3), 7);
  EXPECT_EQ(percentile({5, 1, 4}, -1), 1);  // q is clamped
  EXPECT_EQ(percentile({5, 1, 4}, 2), 5);
  EXPECT_EQ(percentile({-INFINITY, 0}, 0.5), -INFINITY);
  EXPECT_EQ(percentile({INFINITY, INFINITY}, 0.5), INFINITY);
  EXPECT_TRUE(std::isnan(percentile({}, 0.5)));
  EXPECT_TRUE(std::isnan(percentile({1, NAN, 3}, 0.5)));
  EXPECT_TRUE(std::isnan(percentile({1, 2}, NAN)));
}

TEST(SimStats, PercentileIntervalIsTheTwoTails) {
  std::vector<double> values;
  for (int i = 100; i >= 0; --i) values.push_back(i);  // 0..100, unsorted
  const Interval interval = percentile_interval(values, 0.05);
  EXPECT_DOUBLE_EQ(interval.low, 2.5);
  EXPECT_DOUBLE_EQ(interval.high, 97.5);
  const Interval empty = percentile_interval({}, 0.05);
  EXPECT_TRUE(std::isnan(empty.low));
  EXPECT_TRUE(std::isnan(empty.high));
}

// Without ties: the percentile at the Hazen positions (i - 1/2) / n.
TEST(SimStats, MidQuantileIntervalWithoutTiesIsHazen) {
  std::vector<double> values;
  for (int i = 99; i >= 0; --i) values.push_back(i);  // 0..99, unsorted
  const Interval interval = mid_quantile_interval(values, 0.05);
  EXPECT_DOUBLE_EQ(interval.low, 2.0);    // F(2) = 2.5 / 100
  EXPECT_DOUBLE_EQ(interval.high, 97.0);  // F(97) = 97.5 / 100
  const Interval empty = mid_quantile_interval({}, 0.05);
  EXPECT_TRUE(std::isnan(empty.low) && std::isnan(empty.high));
  const Interval nan = mid_quantile_interval(std::vector<double>{1, NAN}, 0.05);
  EXPECT_TRUE(std::isnan(nan.low) && std::isnan(nan.high));
}

// Every level positive: the log scale. Reshuffled log ratios -0.495..0.495
// put the mid-quantiles at -0.475 and 0.475 (Hazen positions 2 and 97).
TEST(SimStats, PermutationIntervalIsOnTheLogScaleWhenEveryLevelIsPositive) {
  std::vector<double> arms, controls;
  for (int k = 0; k < 100; ++k) {
    arms.push_back(std::exp((k - 49.5) / 100));
    controls.push_back(1.0);
  }
  const Interval i = permutation_interval(2.0, 1.0, arms, controls, 0.05);
  EXPECT_NEAR(i.low, std::exp(std::log(2.0) - 0.475) - 1, 1e-12);
  EXPECT_NEAR(i.high, std::exp(std::log(2.0) + 0.475) - 1, 1e-12);
}

// A sparse share: the arm gave the bottom half nothing (level 0) and control
// a little, so the log is undefined and the test is on the difference, over
// the reshuffles where control > 0 too (the change is only reported then).
// Of 100 reshuffles: 40 with control 0 (left out), 20 at -0.01 (arm 0,
// control 0.01), 30 at 0 (both 0.01) and 10 at +0.01 (arm 0.02, control
// 0.01): the mid-quantiles of the 60 are -0.01 and +0.01, so the observed
// -0.01 is not rejected and the interval, over control's 0.01, is [-100%
// (cut), 0%]. (Taking the observed 0 as the interval [-100%, -100%] had it
// "significant" every time.)
TEST(SimStats, PermutationIntervalFallsBackToTheDifferenceWhereALevelIsZero) {
  std::vector<double> arms, controls;
  for (int k = 0; k < 100; ++k) {
    if (k < 40) {
      arms.push_back(k % 2 ? 0.02 : 0.0);  // whatever the arm: control is 0
      controls.push_back(0.0);
    } else {
      const double d = k < 60 ? -0.01 : k < 90 ? 0.0 : 0.01;
      arms.push_back(0.01 + d);
      controls.push_back(0.01);
    }
  }
  const Interval i = permutation_interval(0.0, 0.01, arms, controls, 0.05);
  EXPECT_DOUBLE_EQ(i.low, -1.0);
  EXPECT_NEAR(i.high, 0.0, 1e-12);
  // The same null with an observed arm far above it: excludes 0, and the
  // interval is the difference's, over control's level.
  const Interval up = permutation_interval(0.05, 0.01, arms, controls, 0.05);
  EXPECT_NEAR(up.low, (0.04 - 0.01) / 0.01, 1e-12);
  EXPECT_NEAR(up.high, (0.04 + 0.01) / 0.01, 1e-12);
  // No control level, no relative change; no reshuffle with one, no interval.
  EXPECT_TRUE(std::isnan(permutation_interval(0.01, 0.0, arms, controls, 0.05).low));
  const std::vector<double> zeros(10, 0.0), some(10, 0.01);
  EXPECT_TRUE(std::isnan(permutation_interval(0.01, 0.01, some, zeros, 0.05).high));
  EXPECT_TRUE(std::isnan(permutation_interval(0.01, 0.01, {}, {}, 0.05).high));
}

// Ties count half: 4 of 100 at +1 put F(1) at 0.98, so the 97.5% point lies
// below 1 and a statistic of 1 (mid-p 0.02) is outside; the plain percentile
// puts the point at 1 itself (p 0.04), which made the test conservative.
TEST(SimStats, MidQuantileIntervalCountsTiesHalf) {
  std::vector<double> values(92, 0.0);
  for (int i = 0; i < 4; ++i) {
    values.push_back(1);
    values.push_back(-1);
  }
  const Interval plain = percentile_interval(values, 0.05);
  EXPECT_DOUBLE_EQ(plain.high, 1.0);
  EXPECT_DOUBLE_EQ(plain.low, -1.0);
  const Interval mid = mid_quantile_interval(values, 0.05);
  EXPECT_NEAR(mid.high, 0.475 / 0.48, 1e-12);  // between F(0) = 0.5 and F(1) = 0.98
  EXPECT_NEAR(mid.low, -0.475 / 0.48, 1e-12);
  EXPECT_LT(mid.high, 1.0);
  // One value everywhere: nothing lies outside it.
  const Interval flat = mid_quantile_interval(std::vector<double>(50, 3.0), 0.05);
  EXPECT_EQ(flat.low, 3.0);
  EXPECT_EQ(flat.high, 3.0);
}

}  // namespace
}  // namespace invr::simulation
