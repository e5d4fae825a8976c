// Concentration of a count distribution: bottom/top shares, Gini, coverage.
// The exposure metrics (b50ps, t1ps) and the dataset statistics (top-1% and
// bottom-50% shares of interactions) both come from here.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "invr/error.h"
#include "invr/metrics.h"

namespace invr {
namespace {

void check_fraction(double fraction) {
  if (!(fraction >= 0.0 && fraction <= 1.0))
    throw UsageError("share fraction must be in [0, 1], got " + std::to_string(fraction));
}

// fraction * n, snapped to the nearest integer when rounding error alone
// separates them (0.01 * 300 = 3.0000000000000004).
double scaled(std::size_t n, double fraction) {
  const double x = fraction * static_cast<double>(n);
  const double nearest = std::round(x);
  return std::abs(x - nearest) <= 1e-9 * std::max(1.0, x) ? nearest : x;
}

std::vector<std::uint64_t> sorted_ascending(std::span<const std::uint64_t> counts) {
  std::vector<std::uint64_t> sorted(counts.begin(), counts.end());
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

std::uint64_t sum(std::span<const std::uint64_t> counts) {
  return std::accumulate(counts.begin(), counts.end(), std::uint64_t{0});
}

// The kernels below take counts already sorted ascending.
double bottom_share_sorted(std::span<const std::uint64_t> sorted, std::uint64_t total,
                           double fraction) {
  if (total == 0) return 0.0;
  const std::size_t k = bottom_count(sorted.size(), fraction);
  return static_cast<double>(sum(sorted.first(k))) / static_cast<double>(total);
}

double top_share_sorted(std::span<const std::uint64_t> sorted, std::uint64_t total,
                        double fraction) {
  if (total == 0) return 0.0;
  const std::size_t k = top_count(sorted.size(), fraction);
  return static_cast<double>(sum(sorted.last(k))) / static_cast<double>(total);
}

double gini_sorted(std::span<const std::uint64_t> sorted, std::uint64_t total) {
  const std::size_t n = sorted.size();
  if (n < 2 || total == 0) return 0.0;
  // sum_i (2i - n - 1) x_i with 1-based i; long double keeps the large
  // cancelling terms exact enough for counts up to ~1e12.
  long double weighted = 0;
  const long double n_plus_one = static_cast<long double>(n) + 1;
  for (std::size_t i = 0; i < n; ++i)
    weighted +=
        (2.0L * static_cast<long double>(i + 1) - n_plus_one) * static_cast<long double>(sorted[i]);
  const long double g =
      weighted / (static_cast<long double>(n - 1) * static_cast<long double>(total));
  return std::clamp(static_cast<double>(g), 0.0, 1.0);
}

double coverage_sorted(std::span<const std::uint64_t> sorted) {
  if (sorted.empty()) return 0.0;
  // Ascending order puts the zeros first.
  const auto zeros = static_cast<std::size_t>(
      std::upper_bound(sorted.begin(), sorted.end(), std::uint64_t{0}) - sorted.begin());
  return static_cast<double>(sorted.size() - zeros) / static_cast<double>(sorted.size());
}

}  // namespace

std::size_t bottom_count(std::size_t n, double fraction) {
  check_fraction(fraction);
  return static_cast<std::size_t>(std::floor(scaled(n, fraction)));
}

std::size_t top_count(std::size_t n, double fraction) {
  check_fraction(fraction);
  return std::min(n, static_cast<std::size_t>(std::ceil(scaled(n, fraction))));
}

double bottom_share(std::span<const std::uint64_t> counts, double fraction) {
  check_fraction(fraction);
  const auto sorted = sorted_ascending(counts);
  return bottom_share_sorted(sorted, sum(sorted), fraction);
}

double top_share(std::span<const std::uint64_t> counts, double fraction) {
  check_fraction(fraction);
  const auto sorted = sorted_ascending(counts);
  return top_share_sorted(sorted, sum(sorted), fraction);
}

double gini(std::span<const std::uint64_t> counts) {
  const auto sorted = sorted_ascending(counts);
  return gini_sorted(sorted, sum(sorted));
}

double coverage(std::span<const std::uint64_t> counts) {
  if (counts.empty()) return 0.0;
  const auto covered =
      std::count_if(counts.begin(), counts.end(), [](std::uint64_t c) { return c > 0; });
  return static_cast<double>(covered) / static_cast<double>(counts.size());
}

Concentration concentration(std::span<const std::uint64_t> counts) {
  const auto sorted = sorted_ascending(counts);
  Concentration out;
  out.entities = sorted.size();
  out.total = sum(sorted);
  out.bottom50_share = bottom_share_sorted(sorted, out.total, 0.5);
  out.top1_share = top_share_sorted(sorted, out.total, 0.01);
  out.gini = gini_sorted(sorted, out.total);
  out.coverage = coverage_sorted(sorted);
  return out;
}

}  // namespace invr
