// Most-popular baseline and the pieces every baseline shares: the binary
// training matrix as per-user item sets and the "top k unseen" selection.
#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "invr/baselines.h"
#include "invr/error.h"

namespace invr {

ItemLists training_item_sets(const Interactions& train, std::size_t num_users) {
  std::vector<std::vector<Index>> sets(num_users);
  for (std::size_t r = 0; r < train.size(); ++r) {
    if (!is_positive(train.event[r])) continue;
    const auto u = static_cast<std::size_t>(train.user[r]);
    if (u >= num_users)
      throw UsageError(fmt::format("training user index {} is not below {} users", u, num_users));
    sets[u].push_back(train.item[r]);
  }
  for (auto& s : sets) {
    std::sort(s.begin(), s.end());
    s.erase(std::unique(s.begin(), s.end()), s.end());
  }
  return ItemLists::from(sets);
}

std::vector<Index> popularity_order(const ItemLists& train, std::size_t num_items) {
  std::vector<std::uint64_t> count(num_items, 0);
  for (Index item : train.items) {
    if (item < 0 || static_cast<std::size_t>(item) >= num_items)
      throw UsageError(fmt::format("training item index {} is not below {} items", item, num_items));
    ++count[static_cast<std::size_t>(item)];
  }
  std::vector<Index> order(num_items);
  for (std::size_t i = 0; i < num_items; ++i) order[i] = static_cast<Index>(i);
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) {
    return count[static_cast<std::size_t>(a)] > count[static_cast<std::size_t>(b)];
  });
  return order;
}

ItemLists most_popular_top_k(const ItemLists& train, std::size_t num_items, std::size_t k) {
  if (k < 1) throw UsageError("most_popular: k must be at least 1");
  const std::vector<Index> order = popularity_order(train, num_items);
  ItemLists result;
  std::vector<Index> list;
  for (std::size_t u = 0; u < train.size(); ++u) {
    const auto seen = train.list(u);
    list.clear();
    for (Index item : order) {
      if (list.size() == k) break;
      if (!std::binary_search(seen.begin(), seen.end(), item)) list.push_back(item);
    }
    result.push_back(list);
  }
  return result;
}

std::vector<Index> top_k_unseen(std::span<const double> scores, std::span<const Index> exclude,
                                std::size_t k) {
  struct Scored {
    double score;
    Index item;
  };
  std::vector<Scored> candidates;
  candidates.reserve(scores.size());
  std::size_t next_excluded = 0;  // exclude is sorted: walk it alongside
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const auto item = static_cast<Index>(i);
    while (next_excluded < exclude.size() && exclude[next_excluded] < item) ++next_excluded;
    if (next_excluded < exclude.size() && exclude[next_excluded] == item) continue;
    const double s = std::isnan(scores[i]) ? -std::numeric_limits<double>::infinity() : scores[i];
    candidates.push_back({s, item});
  }
  const auto better = [](const Scored& a, const Scored& b) {
    return a.score != b.score ? a.score > b.score : a.item < b.item;
  };
  const std::size_t n = std::min(k, candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n),
                    candidates.end(), better);
  std::vector<Index> top(n);
  for (std::size_t i = 0; i < n; ++i) top[i] = candidates[i].item;
  return top;
}

}  // namespace invr
