#include "popular_items.h"

#include <algorithm>
#include <numeric>

namespace invr::serving {
namespace {
bool contains(std::span<const Index> sorted, Index item) {
  return std::binary_search(sorted.begin(), sorted.end(), item);
}
// Items already in the slate, sorted, so membership stays O(log n) for long slates.
std::vector<Index> sorted_items(const std::vector<SlateItem>& out) {
  std::vector<Index> items;
  items.reserve(out.size());
  for (const SlateItem& s : out) items.push_back(s.item);
  std::sort(items.begin(), items.end());
  return items;
}
}  // namespace

PopularItems::PopularItems(const SlateCatalog& catalog) : catalog_(catalog) {
  by_popularity_.resize(catalog.items());
  std::iota(by_popularity_.begin(), by_popularity_.end(), Index{0});
  std::sort(by_popularity_.begin(), by_popularity_.end(),
            [&](Index a, Index b) { return more_popular(a, b); });
  for (std::size_t i = 0; i < catalog.items(); ++i) {
    if (has_time(catalog.publish_time[i])) by_time_.push_back(static_cast<Index>(i));
  }
  std::stable_sort(by_time_.begin(), by_time_.end(), [&](Index a, Index b) {
    return catalog.publish_time[static_cast<std::size_t>(a)] <
           catalog.publish_time[static_cast<std::size_t>(b)];
  });
  times_.reserve(by_time_.size());
  for (Index item : by_time_) times_.push_back(catalog.publish_time[static_cast<std::size_t>(item)]);
}

bool PopularItems::more_popular(Index a, Index b) const {
  const double pa = catalog_.popularity[static_cast<std::size_t>(a)];
  const double pb = catalog_.popularity[static_cast<std::size_t>(b)];
  if (pa != pb) return pa > pb;
  return a < b;
}

SlateItem PopularItems::make_item(Index item) const {
  const auto i = static_cast<std::size_t>(item);
  return {item, catalog_.producer[i], catalog_.popularity[i], SlateSource::popular, 0};
}

void PopularItems::fill_fresh_then_popular(double now, double window_seconds,
                                           std::span<const Index> seen_items, std::size_t n,
                                           std::vector<SlateItem>& out) const {
  if (has_time(now) && out.size() < n) {
    // Items published in [now - window, now]: a contiguous run of by_time_.
    const auto first = std::lower_bound(times_.begin(), times_.end(), now - window_seconds);
    const auto last = std::upper_bound(times_.begin(), times_.end(), now);
    const std::vector<Index> taken = sorted_items(out);
    std::vector<Index> fresh;
    for (auto it = first; it != last; ++it) {
      const Index item = by_time_[static_cast<std::size_t>(it - times_.begin())];
      if (!contains(seen_items, item) && !contains(taken, item)) fresh.push_back(item);
    }
    const std::size_t take = std::min(fresh.size(), n - out.size());
    std::partial_sort(fresh.begin(), fresh.begin() + static_cast<std::ptrdiff_t>(take), fresh.end(),
                      [&](Index a, Index b) { return more_popular(a, b); });
    for (std::size_t i = 0; i < take; ++i) out.push_back(make_item(fresh[i]));
  }
  fill_popular(now, seen_items, n, out);
}

void PopularItems::fill_popular(double now, std::span<const Index> seen_items, std::size_t n,
                                std::vector<SlateItem>& out) const {
  if (out.size() >= n) return;
  const std::vector<Index> taken = sorted_items(out);
  for (Index item : by_popularity_) {
    if (out.size() >= n) break;
    const double published = catalog_.publish_time[static_cast<std::size_t>(item)];
    if (has_time(now) && has_time(published) && published > now) continue;
    if (contains(seen_items, item) || contains(taken, item)) continue;
    out.push_back(make_item(item));
  }
}

}  // namespace invr::serving
