// CSR item lists and the per-user impression lists of an exposure log.
#include <algorithm>

#include "invr/error.h"
#include "invr/metrics.h"

namespace invr {

void ItemLists::push_back(std::span<const Index> list) {
  items.insert(items.end(), list.begin(), list.end());
  offsets.push_back(items.size());
}

ItemLists ItemLists::from(const std::vector<std::vector<Index>>& lists) {
  ItemLists out;
  out.offsets.reserve(lists.size() + 1);
  for (const auto& list : lists) out.push_back(list);
  return out;
}

ItemLists user_impression_lists(const ExposureLog& log) {
  // Counting sort by user keeps each user's rows in log order.
  std::size_t users = log.users.size();
  for (Index u : log.user) {
    if (u < 0) throw UsageError("exposure log row has a negative user index");
    users = std::max(users, static_cast<std::size_t>(u) + 1);
  }
  ItemLists out;
  out.offsets.assign(users + 1, 0);
  for (Index u : log.user) ++out.offsets[static_cast<std::size_t>(u) + 1];
  for (std::size_t u = 0; u < users; ++u) out.offsets[u + 1] += out.offsets[u];
  out.items.resize(log.size());
  std::vector<std::size_t> next(out.offsets.begin(), out.offsets.end() - 1);
  for (std::size_t row = 0; row < log.size(); ++row)
    out.items[next[static_cast<std::size_t>(log.user[row])]++] = log.item[row];
  return out;
}

}  // namespace invr
