// SeenItems: each user's positive items before as_of, CSR, sorted, unique.
#include <algorithm>

#include "invr/inverse.h"

namespace invr {
namespace {
bool counts_as_seen(const Interactions& in, std::size_t row, double as_of) {
  if (!is_positive(in.event[row])) return false;
  const double t = in.timestamp[row];
  return !has_time(as_of) || !has_time(t) || t < as_of;
}
}  // namespace

bool SeenItems::contains(Index user, Index item) const {
  if (user < 0 || static_cast<std::size_t>(user) >= users()) return false;
  const auto u = static_cast<std::size_t>(user);
  return std::binary_search(items.begin() + static_cast<std::ptrdiff_t>(offsets[u]),
                            items.begin() + static_cast<std::ptrdiff_t>(offsets[u + 1]), item);
}

SeenItems seen_items(const Dataset& dataset, double as_of) {
  const auto& in = dataset.interactions;
  const std::size_t n = dataset.users.size();
  // Counting sort by user, then sort and deduplicate each user's slice.
  std::vector<std::uint64_t> start(n + 1, 0);
  for (std::size_t row = 0; row < in.size(); ++row)
    if (counts_as_seen(in, row, as_of)) ++start[static_cast<std::size_t>(in.user[row]) + 1];
  for (std::size_t u = 0; u < n; ++u) start[u + 1] += start[u];
  std::vector<Index> raw(start[n]);
  std::vector<std::uint64_t> next(start.begin(), start.end() - 1);
  for (std::size_t row = 0; row < in.size(); ++row)
    if (counts_as_seen(in, row, as_of)) raw[next[static_cast<std::size_t>(in.user[row])]++] = in.item[row];

  SeenItems seen;
  seen.offsets.assign(n + 1, 0);
  seen.items.reserve(raw.size());
  for (std::size_t u = 0; u < n; ++u) {
    auto first = raw.begin() + static_cast<std::ptrdiff_t>(start[u]);
    auto last = raw.begin() + static_cast<std::ptrdiff_t>(start[u + 1]);
    std::sort(first, last);
    seen.items.insert(seen.items.end(), first, std::unique(first, last));
    seen.offsets[u + 1] = seen.items.size();
  }
  return seen;
}

}  // namespace invr
