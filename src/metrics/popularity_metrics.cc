// Popularity bias as Elliot defines it: item popularity = distinct training
// users per item; the short head holds the most popular items up to 80% of
// all popularity; APLT and ARP average per-user list values over users.
// Source: elliot/evaluation/popularity_utils/popularity.py and
// elliot/evaluation/metrics/bias/{aplt,arp} (Anelli et al., SIGIR 2021).
#include <algorithm>
#include <numeric>
#include <string>

#include "invr/error.h"
#include "invr/metrics.h"

namespace invr {
namespace {

// Distinct (item, user) pairs counted per item. Pairs are packed into one
// 64-bit key so a single sort removes repeated interactions.
std::vector<std::uint64_t> distinct_users_per_item(std::vector<std::uint64_t>& keys,
                                                   std::size_t num_items) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::vector<std::uint64_t> counts(num_items, 0);
  for (auto key : keys) ++counts[static_cast<std::size_t>(key >> 32)];
  return counts;
}

std::uint64_t pair_key(Index item, Index user) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(item)) << 32) |
         static_cast<std::uint32_t>(user);
}

void check_item(Index item, std::size_t num_items) {
  if (item < 0 || static_cast<std::size_t>(item) >= num_items)
    throw UsageError("item index " + std::to_string(item) + " is outside [0, " +
                     std::to_string(num_items) + ")");
}

}  // namespace

std::vector<std::uint64_t> item_popularity(const Interactions& train, std::size_t num_items) {
  std::vector<std::uint64_t> keys;
  keys.reserve(train.size());
  for (std::size_t r = 0; r < train.size(); ++r) {
    if (!is_positive(train.event[r])) continue;
    check_item(train.item[r], num_items);
    keys.push_back(pair_key(train.item[r], train.user[r]));
  }
  return distinct_users_per_item(keys, num_items);
}

std::vector<std::uint64_t> item_popularity(const Dataset& train, const IdMap& items,
                                           std::size_t* skipped_rows) {
  std::vector<Index> to_items(train.items.size());
  for (std::size_t j = 0; j < to_items.size(); ++j)
    to_items[j] = items.find(train.items.id(static_cast<Index>(j)));
  std::vector<std::uint64_t> keys;
  keys.reserve(train.interactions.size());
  std::size_t skipped = 0;
  const auto& rows = train.interactions;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (!is_positive(rows.event[r])) continue;
    const Index item = to_items[static_cast<std::size_t>(rows.item[r])];
    if (item == kNoIndex) {
      ++skipped;
      continue;
    }
    keys.push_back(pair_key(item, rows.user[r]));
  }
  if (skipped_rows) *skipped_rows = skipped;
  return distinct_users_per_item(keys, items.size());
}

std::vector<std::uint64_t> click_popularity(const ExposureLog& log, std::size_t num_items) {
  std::vector<std::uint64_t> keys;
  for (std::size_t r = 0; r < log.size(); ++r) {
    if (!log.clicked[r]) continue;
    check_item(log.item[r], num_items);
    keys.push_back(pair_key(log.item[r], log.user[r]));
  }
  return distinct_users_per_item(keys, num_items);
}

std::vector<std::uint8_t> long_tail_items(std::span<const std::uint64_t> popularity,
                                          double short_head_share) {
  if (!(short_head_share >= 0.0 && short_head_share <= 1.0))
    throw UsageError("short-head share must be in [0, 1], got " + std::to_string(short_head_share));
  std::vector<std::uint8_t> long_tail(popularity.size(), 1);
  const std::uint64_t total =
      std::accumulate(popularity.begin(), popularity.end(), std::uint64_t{0});
  if (total == 0)
    return long_tail;  // Elliot would make the first item "short head"; nothing is popular here.
  std::vector<std::size_t> order(popularity.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  // Stable: equal popularity keeps index order, as Python's sorted() does in Elliot.
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return popularity[a] > popularity[b]; });
  const double limit = short_head_share * static_cast<double>(total);
  std::uint64_t cumulative = 0;
  for (std::size_t i : order) {
    long_tail[i] = 0;
    cumulative += popularity[i];
    if (static_cast<double>(cumulative) >= limit) break;
  }
  return long_tail;
}

double aplt(const ItemLists& lists, std::span<const std::uint8_t> long_tail) {
  double sum = 0;
  std::size_t users = 0;
  for (std::size_t u = 0; u < lists.size(); ++u) {
    const auto list = lists.list(u);
    if (list.empty()) continue;
    std::size_t in_tail = 0;
    for (Index item : list) {
      check_item(item, long_tail.size());
      in_tail += long_tail[static_cast<std::size_t>(item)] ? 1 : 0;
    }
    sum += static_cast<double>(in_tail) / static_cast<double>(list.size());
    ++users;
  }
  return users == 0 ? 0.0 : sum / static_cast<double>(users);
}

double arp(const ItemLists& lists, std::span<const std::uint64_t> popularity) {
  double sum = 0;
  std::size_t users = 0;
  for (std::size_t u = 0; u < lists.size(); ++u) {
    const auto list = lists.list(u);
    if (list.empty()) continue;
    double list_popularity = 0;
    for (Index item : list) {
      check_item(item, popularity.size());
      list_popularity += static_cast<double>(popularity[static_cast<std::size_t>(item)]);
    }
    sum += list_popularity / static_cast<double>(list.size());
    ++users;
  }
  return users == 0 ? 0.0 : sum / static_cast<double>(users);
}

}  // namespace invr
