// Statistics helpers for the A/B simulator: the normal distribution, the
// chi-square tail, the sample-ratio-mismatch (SRM) test of arm sizes, and
// percentile intervals of resampled statistics.
//
// Contract:
//  - Pure functions of their arguments: no state, no allocation beyond the
//    returned values and a sorted copy of the resamples; thread-safe.
//  - Quantile levels are fractions in [0, 1] (not NumPy's 0-100 percent).
//  - NaN in, NaN out: a NaN among the values, resamples or q gives NaN
//    (sorting NaN is undefined), and an empty input gives NaN.
//  - Misuse that is a programming error (srm_test with observed and weights
//    of different lengths, a weight that is not finite and > 0) aborts
//    through INVR_CHECK; arm weights from input are checked by
//    validate(Experiment) first.
//  - Accuracy: normal_quantile within 1e-9 absolute over (0, 1) (about 1e-15
//    in practice); chi_square_sf within 1e-10 relative (tests check dof up
//    to 200).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "invr/simulation.h"

namespace invr::simulation {

// P(Z <= z) for Z ~ N(0, 1), via std::erfc so the lower tail keeps its
// relative precision (1 - erf would round to 0 below z = -8).
double normal_cdf(double z);

// The z with normal_cdf(z) = p, for p in (0, 1): Acklam's rational
// approximation refined by one Halley step. -inf at 0, +inf at 1, NaN
// outside [0, 1].
double normal_quantile(double p);

// P(X >= x) for X ~ chi2(dof), dof > 0: the regularized upper incomplete
// gamma Q(dof/2, x/2). 1 for x <= 0, 0 for x = +inf, NaN for dof <= 0 or NaN.
double chi_square_sf(double x, double dof);

// Pearson chi-square test that arm sizes match their traffic weights.
// invr::SampleRatio (include/invr/simulation.h): observed, expected
// (total * weight_i / sum(weights)), chi2, dof (arms - 1) and p_value.
using SrmTest = SampleRatio;

// One arm, no arm or a zero total cannot mismatch: chi2 = 0, p = 1.
// Requires observed.size() == weights.size() and every weight finite > 0.
SrmTest srm_test(std::span<const std::uint64_t> observed, std::span<const double> weights);

// The q-quantile (q in [0, 1], clamped) by linear interpolation between order
// statistics, NumPy's default: at h = q * (n - 1), v[floor h] + frac(h) *
// (v[floor h + 1] - v[floor h]). NaN when empty.
double percentile(std::vector<double> values, double q);

struct Interval {
  double low = 0, high = 0;
};

// [percentile(alpha / 2), percentile(1 - alpha / 2)] of the resamples; NaN,
// NaN when empty. alpha in (0, 1): 0.05 gives the 95% interval.
Interval percentile_interval(std::span<const double> resamples, double alpha);

// [Q(alpha / 2), Q(1 - alpha / 2)] of the mid-distribution of `values`: each
// distinct value v sits at F(v) = (#below + #equal / 2) / n and Q interpolates
// linearly between those points (the first and last value beyond them). For
// a permutation distribution with ties this is the mid-p test (Lancaster
// 1961): a value tied with the quantile counts half, where the plain
// percentile counts it fully and the test runs conservative (MovieLens' A/A:
// PSEI intervals excluded 0 in 0.8% of 120 comparisons). Without ties it is
// the percentile at the Hazen positions (i - 1/2) / n. NaN, NaN when empty.
Interval mid_quantile_interval(std::span<const double> values, double alpha);

// The (1 - alpha) interval of a relative change arm / control - 1 by
// inverting a permutation test: `arm` and `control` are the observed levels
// (control > 0), the spans the two groups' levels under each reshuffle of
// their users (same length). The reference set is the reshuffles where the
// change is defined too (control > 0): the observed change is only reported
// when it is, and conditioning the test on the same event keeps it exact.
// On the log scale when every level in that set and the observed arm's are
// positive: [exp(log(a/c) - q_high) - 1, exp(log(a/c) - q_low) - 1] with q
// the mid-quantiles of the reshuffled log ratios (a constant multiplicative
// effect; never below -1 in log space). Where some arm level is 0 the log is
// undefined (sparse shares such as producer B50PS: a group may give the
// bottom half of the producers no impression at all); there the test is on
// the difference a - c (a constant additive effect), its interval divided by
// c and cut at -1, as no level is below 0. MovieLens by country, A/A, producer
// B50PS intervals excluding 0 among the 117 of 600 comparisons with control
// > 0: 27.4% when the undefined reshuffles were dropped and an observed 0 was
// taken as the interval [-1, -1]; 17.1% on the difference scale over every
// reshuffle (not conditioned on control > 0). NaN, NaN when control <= 0 or
// no reshuffle has control > 0.
Interval permutation_interval(double arm, double control, std::span<const double> arm_reshuffled,
                              std::span<const double> control_reshuffled, double alpha);

}  // namespace invr::simulation
