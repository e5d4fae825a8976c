// Statistics helpers (sim_stats.h). Written here by hand because none of the
// chosen dependencies (OpenBLAS, FAISS, LibTorch, fmt, spdlog, nlohmann_json)
// offers a normal quantile, a chi-square tail or bootstrap intervals, and a
// numerics library (Boost.Math, GSL) for four small functions is not worth a
// new dependency. Reference values in tests/simulation/sim_stats_test.cc come
// from independent Python (math, statistics.NormalDist).
#include "simulation/sim_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "invr/error.h"

namespace invr::simulation {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Acklam's approximation for p in (0, 0.5], relative error < 1.15e-9, then one
// Halley step on normal_cdf(x) - p, which roughly cubes the error. Callers map
// p > 0.5 here by symmetry: 1 - p is exact for p >= 0.5, while
// normal_cdf(x) - p for p near 1 would cancel away the refinement.
double lower_normal_quantile(double p) {
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double kLowRegion = 0.02425;  // below it the tail formula is used
  double x;
  if (p < kLowRegion) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  const double error = normal_cdf(x) - p;
  // error / density(x); exp(x^2/2) overflows only for subnormal p, where the
  // unrefined value is the best there is.
  const double u = error * std::sqrt(2 * std::numbers::pi) * std::exp(0.5 * x * x);
  if (std::isfinite(u)) x -= u / (1 + 0.5 * x * u);
  return x;
}

// log Gamma(a) for a > 0 without std::lgamma, which writes the global signgam
// in glibc (a data race when the simulator's threads call it).
double log_gamma(double a) {
  if (a < 100) return std::log(std::tgamma(a));  // tgamma(100) ~ 9e155, no overflow
  // Stirling's series; the next term, 1/(1680 a^7), is below 1e-17 here.
  const double inverse = 1 / a;
  const double inverse2 = inverse * inverse;
  return (a - 0.5) * std::log(a) - a + 0.5 * std::log(2 * std::numbers::pi) +
         inverse * (1.0 / 12 - inverse2 * (1.0 / 360 - inverse2 / 1260));
}

// Regularized upper incomplete gamma Q(a, x) for a > 0, x > 0 (Numerical
// Recipes' gser / gcf): the series for P converges fast for x < a + 1, the
// continued fraction for Q elsewhere; each is used where it does not cancel.
double upper_regularized_gamma(double a, double x) {
  constexpr double kEpsilon = 1e-16;
  constexpr int kMaxTerms = 100000;  // both converge in O(sqrt(a)) terms
  const double log_prefactor = -x + a * std::log(x) - log_gamma(a);
  if (x < a + 1) {
    double term = 1 / a, sum = term, denominator = a;
    for (int n = 0; n < kMaxTerms; ++n) {
      denominator += 1;
      term *= x / denominator;
      sum += term;
      if (std::abs(term) < std::abs(sum) * kEpsilon) break;
    }
    return std::max(0.0, 1 - sum * std::exp(log_prefactor));
  }
  // Modified Lentz; kTiny stands in for a zero denominator.
  constexpr double kTiny = 1e-300;
  double b = x + 1 - a, c = 1 / kTiny, d = 1 / b, fraction = d;
  for (int i = 1; i <= kMaxTerms; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::abs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::abs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double delta = d * c;
    fraction *= delta;
    if (std::abs(delta - 1) < kEpsilon) break;
  }
  return std::min(1.0, std::exp(log_prefactor) * fraction);
}

// Linear interpolation between a <= b that stays inside [a, b] (NumPy's
// _lerp: from the nearer end, so t = 1 gives b exactly).
double interpolate(double a, double b, double t) {
  if (t == 0 || a == b) return a;  // a == b also covers equal infinities
  const double difference = b - a;
  const double value = t < 0.5 ? a + difference * t : b - difference * (1 - t);
  return std::clamp(value, a, b);
}

double sorted_percentile(std::span<const double> sorted, double q) {
  if (sorted.empty() || std::isnan(q)) return kNaN;
  const double at = std::clamp(q, 0.0, 1.0) * static_cast<double>(sorted.size() - 1);
  const auto low = std::min(static_cast<std::size_t>(at), sorted.size() - 1);
  const std::size_t high = std::min(low + 1, sorted.size() - 1);
  return interpolate(sorted[low], sorted[high], at - static_cast<double>(low));
}

bool has_nan(std::span<const double> values) {
  return std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); });
}

// Sorted copy, or empty when a NaN makes every order statistic meaningless.
std::vector<double> sorted_copy(std::span<const double> values) {
  if (has_nan(values)) return {};
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

Interval sorted_interval(std::span<const double> sorted, double low_level, double high_level) {
  return {sorted_percentile(sorted, low_level), sorted_percentile(sorted, high_level)};
}

}  // namespace

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

double normal_quantile(double p) {
  if (!(p >= 0 && p <= 1)) return kNaN;
  if (p == 0) return -kInfinity;
  if (p == 1) return kInfinity;
  if (p == 0.5) return 0;
  return p < 0.5 ? lower_normal_quantile(p) : -lower_normal_quantile(1 - p);
}

double chi_square_sf(double x, double dof) {
  if (!(dof > 0) || std::isinf(dof) || std::isnan(x)) return kNaN;
  if (x <= 0) return 1;
  if (std::isinf(x)) return 0;
  return upper_regularized_gamma(dof / 2, x / 2);
}

SrmTest srm_test(std::span<const std::uint64_t> observed, std::span<const double> weights) {
  INVR_CHECK(observed.size() == weights.size());
  SrmTest test;
  test.observed.assign(observed.begin(), observed.end());
  double total_weight = 0, total = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    INVR_CHECK(std::isfinite(weights[i]) && weights[i] > 0);
    total_weight += weights[i];
    total += static_cast<double>(observed[i]);
  }
  test.expected.resize(weights.size());
  for (std::size_t i = 0; i < weights.size(); ++i)
    test.expected[i] = total * weights[i] / total_weight;
  test.dof = weights.empty() ? 0 : weights.size() - 1;
  if (weights.size() < 2 || total == 0) return test;  // nothing can mismatch
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const double difference = static_cast<double>(observed[i]) - test.expected[i];
    test.chi2 += difference * difference / test.expected[i];
  }
  test.p_value = chi_square_sf(test.chi2, static_cast<double>(test.dof));
  return test;
}

double percentile(std::vector<double> values, double q) {
  if (values.empty() || std::isnan(q) || has_nan(values)) return kNaN;
  // Two order statistics are enough: partial selection instead of a sort.
  const double at = std::clamp(q, 0.0, 1.0) * static_cast<double>(values.size() - 1);
  const auto low = std::min(static_cast<std::size_t>(at), values.size() - 1);
  const auto low_it = values.begin() + static_cast<std::ptrdiff_t>(low);
  std::nth_element(values.begin(), low_it, values.end());
  const double low_value = *low_it;
  if (low_it + 1 == values.end()) return low_value;
  const double high_value = *std::min_element(low_it + 1, values.end());
  return interpolate(low_value, high_value, at - static_cast<double>(low));
}

Interval percentile_interval(std::span<const double> resamples, double alpha) {
  const std::vector<double> sorted = sorted_copy(resamples);
  return sorted_interval(sorted, alpha / 2, 1 - alpha / 2);
}

Interval mid_quantile_interval(std::span<const double> values, double alpha) {
  const std::vector<double> sorted = sorted_copy(values);
  if (sorted.empty() || has_nan(sorted)) return {kNaN, kNaN};
  // The distinct values and their mid-distribution positions F(v).
  std::vector<std::pair<double, double>> points;
  const auto n = static_cast<double>(sorted.size());
  for (std::size_t i = 0; i < sorted.size();) {
    std::size_t j = i;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    points.emplace_back(sorted[i], (static_cast<double>(i) + static_cast<double>(j - i) / 2) / n);
    i = j;
  }
  auto quantile = [&](double q) {
    if (q <= points.front().second) return points.front().first;
    if (q >= points.back().second) return points.back().first;
    std::size_t k = 1;
    while (points[k].second < q) ++k;
    const auto& [v0, f0] = points[k - 1];
    const auto& [v1, f1] = points[k];
    return interpolate(v0, v1, (q - f0) / (f1 - f0));
  };
  return {quantile(alpha / 2), quantile(1 - alpha / 2)};
}

Interval permutation_interval(double arm, double control, std::span<const double> arm_reshuffled,
                              std::span<const double> control_reshuffled, double alpha) {
  INVR_CHECK(arm_reshuffled.size() == control_reshuffled.size());
  if (!(control > 0) || !(arm >= 0)) return {kNaN, kNaN};
  // The reference set: reshuffles where the change is defined, as it is for
  // the observed assignment (conditioning on control > 0 keeps the test exact).
  std::vector<std::pair<double, double>> defined;
  for (std::size_t k = 0; k < arm_reshuffled.size(); ++k)
    if (control_reshuffled[k] > 0 && arm_reshuffled[k] >= 0)
      defined.emplace_back(arm_reshuffled[k], control_reshuffled[k]);
  if (defined.empty()) return {kNaN, kNaN};
  bool positive = arm > 0;
  for (const auto& [a, c] : defined) positive = positive && a > 0;
  std::vector<double> null;
  null.reserve(defined.size());
  if (positive) {
    for (const auto& [a, c] : defined) null.push_back(std::log(a / c));
    const Interval q = mid_quantile_interval(null, alpha);
    const double at = std::log(arm / control);
    return {std::expm1(at - q.high), std::expm1(at - q.low)};
  }
  for (const auto& [a, c] : defined) null.push_back(a - c);
  const Interval q = mid_quantile_interval(null, alpha);
  const double d = arm - control;
  return {std::max(-1.0, (d - q.high) / control), std::max(-1.0, (d - q.low) / control)};
}

}  // namespace invr::simulation
