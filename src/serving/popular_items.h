// The popularity fallback: fresh popular items for users without an
// embedding, and a top-up when retrieval cannot fill a slate. Built once per
// assembler; const and thread-safe.
#pragma once

#include <span>
#include <vector>

#include "invr/slate.h"

namespace invr::serving {

class PopularItems {
 public:
  explicit PopularItems(const SlateCatalog& catalog);

  // Appends to `out` (until it holds n items) the most popular items
  // published within [now - window_seconds, now], then, if still short, the
  // most popular items of the whole catalog. Never adds a seen item, an item
  // already in `out`, or an item published after now. Ties: smaller index.
  // now = kNoTime skips the fresh stage and the future filter.
  void fill_fresh_then_popular(double now, double window_seconds,
                               std::span<const Index> seen_items, std::size_t n,
                               std::vector<SlateItem>& out) const;
  // Only the second stage: the most popular eligible items.
  void fill_popular(double now, std::span<const Index> seen_items, std::size_t n,
                    std::vector<SlateItem>& out) const;

 private:
  bool more_popular(Index a, Index b) const;
  SlateItem make_item(Index item) const;

  const SlateCatalog& catalog_;
  std::vector<Index> by_popularity_;  // popularity descending, index ascending
  std::vector<Index> by_time_;        // items with a publish time, oldest first
  std::vector<double> times_;         // publish time of by_time_[i]
};

}  // namespace invr::serving
