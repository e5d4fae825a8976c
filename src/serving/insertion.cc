// InvR insertion: candidates take the arm's slots after ranking, main items
// shift down. Pure functions, so the rule is unit-tested apart from retrieval.
#include <algorithm>

#include "invr/slate.h"

namespace invr {

std::vector<SlateItem> map_candidates(const SlateCatalog& catalog,
                                      const StoredCandidates& candidates, Ordering ordering,
                                      std::int64_t max_user_rank) {
  std::vector<SlateItem> out;
  const auto& list = candidates.of(ordering);
  out.reserve(list.size());
  for (const StoredCandidate& candidate : list) {
    if (max_user_rank > 0 && candidate.user_rank > max_user_rank) continue;
    const Index item = catalog.item_ids.find(candidate.item);
    // The store may name items this catalog never loaded (newer generation).
    if (item == kNoIndex) continue;
    out.push_back({item, catalog.producer[static_cast<std::size_t>(item)], candidate.score,
                   SlateSource::invr, 0});
  }
  return out;
}

std::vector<SlateItem> insert_candidates(std::span<const SlateItem> main,
                                         std::span<const SlateItem> candidates,
                                         std::span<const int> slots,
                                         std::span<const Index> seen_items, int n) {
  if (n <= 0) return {};
  std::vector<int> open_slots;
  for (int slot : slots) {
    if (slot >= 1 && slot <= n) open_slots.push_back(slot);
  }
  std::sort(open_slots.begin(), open_slots.end());
  open_slots.erase(std::unique(open_slots.begin(), open_slots.end()), open_slots.end());

  // Items a candidate must not repeat: the main slate's first n, and every
  // candidate already taken (slates are short, sorted vectors beat hashing).
  const std::size_t main_shown = std::min(main.size(), static_cast<std::size_t>(n));
  std::vector<Index> taken;
  taken.reserve(main_shown + open_slots.size());
  for (std::size_t i = 0; i < main_shown; ++i) taken.push_back(main[i].item);
  std::sort(taken.begin(), taken.end());

  std::vector<SlateItem> chosen;
  for (const SlateItem& candidate : candidates) {
    if (chosen.size() == open_slots.size()) break;
    if (std::binary_search(seen_items.begin(), seen_items.end(), candidate.item)) continue;
    auto at = std::lower_bound(taken.begin(), taken.end(), candidate.item);
    if (at != taken.end() && *at == candidate.item) continue;
    taken.insert(at, candidate.item);
    chosen.push_back(candidate);
    // forward-longtail's items keep their own source; anything else is InvR's.
    if (candidate.source != SlateSource::longtail) chosen.back().source = SlateSource::invr;
  }

  // Fill positions in order; the slate ends at n, or where main runs out at a
  // position that is not a slot.
  std::vector<SlateItem> out;
  out.reserve(static_cast<std::size_t>(n));
  std::size_t next_main = 0;
  std::size_t next_candidate = 0;
  std::size_t next_slot = 0;
  for (int position = 1; position <= n; ++position) {
    const bool is_slot = next_slot < open_slots.size() && open_slots[next_slot] == position;
    if (is_slot) ++next_slot;
    if (is_slot && next_candidate < chosen.size()) {
      out.push_back(chosen[next_candidate++]);
    } else if (next_main < main.size()) {
      out.push_back(main[next_main++]);
    } else {
      break;
    }
    out.back().position = position;
  }
  return out;
}

}  // namespace invr
