#include "invr/split.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include "invr/error.h"

namespace invr {
namespace {

// Rows marked in `test` go to test, the others to train, both in row order.
Split split_by(const Interactions& interactions, std::vector<bool> test) {
  Split split;
  split.test = interactions.select(test);
  test.flip();
  split.train = interactions.select(test);
  return split;
}

}  // namespace

Split temporal_split(const Interactions& interactions, double cutoff) {
  std::vector<bool> test(interactions.size());
  for (std::size_t r = 0; r < interactions.size(); ++r)
    test[r] = has_time(interactions.timestamp[r]) && interactions.timestamp[r] >= cutoff;
  return split_by(interactions, std::move(test));
}

double temporal_cutoff(const Interactions& interactions, double test_fraction) {
  if (!(test_fraction > 0.0 && test_fraction < 1.0))
    throw UsageError("test fraction must be in (0, 1), got " + std::to_string(test_fraction));
  std::vector<double> times;
  times.reserve(interactions.size());
  for (double t : interactions.timestamp)
    if (has_time(t)) times.push_back(t);
  if (times.empty()) throw UsageError("temporal split needs timestamps; the data has none");
  // The cutoff is the timestamp at the (1 - fraction) quantile: rows at or
  // after it are test, so equal timestamps never straddle the cut.
  auto position = static_cast<std::size_t>(static_cast<double>(times.size()) * (1.0 - test_fraction));
  position = std::min(position, times.size() - 1);
  std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(position), times.end());
  return times[position];
}

double split_draw(std::uint64_t seed, std::uint64_t row) {
  // splitmix64: a uniform draw per (seed, row) that no library version changes.
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (row + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

Split random_split(const Interactions& interactions, double test_fraction, std::uint64_t seed) {
  if (!(test_fraction > 0.0 && test_fraction < 1.0))
    throw UsageError("test fraction must be in (0, 1), got " + std::to_string(test_fraction));
  std::vector<bool> test(interactions.size());
  for (std::size_t r = 0; r < interactions.size(); ++r) test[r] = split_draw(seed, r) < test_fraction;
  return split_by(interactions, std::move(test));
}

Split leave_last_n_out(const Interactions& interactions, int n) {
  if (n < 1) throw UsageError("leave-last-n-out needs n >= 1, got " + std::to_string(n));
  const std::size_t rows = interactions.size();
  // Stable order by (user, timestamp, row); rows without a timestamp sort
  // first so known-recent events are the ones held out.
  std::vector<std::size_t> order(rows);
  std::iota(order.begin(), order.end(), std::size_t{0});
  auto time_key = [&](std::size_t r) {
    double t = interactions.timestamp[r];
    return has_time(t) ? t : -std::numeric_limits<double>::infinity();
  };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (interactions.user[a] != interactions.user[b]) return interactions.user[a] < interactions.user[b];
    return time_key(a) < time_key(b);
  });
  std::vector<bool> test(rows, false);
  const auto held_out = static_cast<std::size_t>(n);
  for (std::size_t begin = 0; begin < rows;) {
    std::size_t end = begin;
    while (end < rows && interactions.user[order[end]] == interactions.user[order[begin]]) ++end;
    if (end - begin > held_out)
      for (std::size_t i = end - held_out; i < end; ++i) test[order[i]] = true;
    begin = end;
  }
  return split_by(interactions, std::move(test));
}

}  // namespace invr
