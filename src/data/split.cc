#include "invr/split.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include "common/random.h"
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

void check_fraction(double test_fraction) {
  if (!(test_fraction > 0.0 && test_fraction < 1.0))
    throw UsageError("test fraction must be in (0, 1), got " + std::to_string(test_fraction));
}

// Marks, per user, the `held_out(rows of the user)` latest rows by (timestamp,
// row); rows without a timestamp sort first so known-recent events are the
// ones held out.
template <typename HeldOut>
std::vector<bool> latest_rows_per_user(const Interactions& interactions, HeldOut held_out) {
  const std::size_t rows = interactions.size();
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
  for (std::size_t begin = 0; begin < rows;) {
    std::size_t end = begin;
    while (end < rows && interactions.user[order[end]] == interactions.user[order[begin]]) ++end;
    const std::size_t n = std::min<std::size_t>(held_out(end - begin), end - begin);
    for (std::size_t i = end - n; i < end; ++i) test[order[i]] = true;
    begin = end;
  }
  return test;
}

}  // namespace

std::vector<bool> temporal_test_rows(const Interactions& interactions, double cutoff) {
  std::vector<bool> test(interactions.size());
  for (std::size_t r = 0; r < interactions.size(); ++r)
    test[r] = has_time(interactions.timestamp[r]) && interactions.timestamp[r] >= cutoff;
  return test;
}

Split temporal_split(const Interactions& interactions, double cutoff) {
  return split_by(interactions, temporal_test_rows(interactions, cutoff));
}

double temporal_cutoff(const Interactions& interactions, double test_fraction) {
  check_fraction(test_fraction);
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
  // Value row + 1 of SplitMix64(seed) (common/random.h), read directly: a
  // uniform draw per (seed, row) that no library version changes.
  return unit_interval(splitmix64_finalise(seed + kSplitMix64Increment * (row + 1)));
}

std::vector<bool> random_test_rows(const Interactions& interactions, double test_fraction,
                                   std::uint64_t seed) {
  check_fraction(test_fraction);
  std::vector<bool> test(interactions.size());
  for (std::size_t r = 0; r < interactions.size(); ++r) test[r] = split_draw(seed, r) < test_fraction;
  return test;
}

Split random_split(const Interactions& interactions, double test_fraction, std::uint64_t seed) {
  return split_by(interactions, random_test_rows(interactions, test_fraction, seed));
}

std::vector<bool> leave_last_n_test_rows(const Interactions& interactions, int n) {
  if (n < 1) throw UsageError("leave-last-n-out needs n >= 1, got " + std::to_string(n));
  const auto held_out = static_cast<std::size_t>(n);
  return latest_rows_per_user(interactions, [&](std::size_t rows) {
    return rows > held_out ? held_out : std::size_t{0};
  });
}

Split leave_last_n_out(const Interactions& interactions, int n) {
  return split_by(interactions, leave_last_n_test_rows(interactions, n));
}

std::vector<bool> user_temporal_test_rows(const Interactions& interactions, double test_fraction) {
  check_fraction(test_fraction);
  return latest_rows_per_user(interactions, [&](std::size_t rows) {
    const auto held_out = static_cast<std::size_t>(std::llround(test_fraction * static_cast<double>(rows)));
    return std::min(held_out, rows - 1);
  });
}

Split user_temporal_split(const Interactions& interactions, double test_fraction) {
  return split_by(interactions, user_temporal_test_rows(interactions, test_fraction));
}

Dataset with_interactions(const Dataset& dataset, Interactions interactions) {
  Dataset out;
  out.name = dataset.name;
  out.users = dataset.users;
  out.items = dataset.items;
  out.producers = dataset.producers;
  out.tokens = dataset.tokens;
  out.item_table = dataset.item_table;
  out.interactions = std::move(interactions);
  return out;
}

}  // namespace invr
