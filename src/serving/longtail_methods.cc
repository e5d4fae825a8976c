// The competing long-tail methods' pure steps (docs/methods.md): the user's
// long-tail preference of xQuAD (Abdollahpouri, Burke and Mobasher, FLAIRS
// 2019), its greedy re-ranking, and forward-longtail's candidates. Pure functions, so each is tested by hand.
#include <algorithm>
#include <cmath>

#include "invr/slate.h"

namespace invr {

double long_tail_preference(std::span<const Index> history, std::span<const std::uint8_t> long_tail) {
  if (history.empty()) return 0.5;
  std::size_t tail = 0;
  for (Index item : history) tail += long_tail[static_cast<std::size_t>(item)];
  return static_cast<double>(tail) / static_cast<double>(history.size());
}

std::vector<SlateItem> xquad_rerank(std::span<const SlateItem> ranked,
                                    std::span<const std::uint8_t> long_tail,
                                    double long_tail_preference, double lambda, int n) {
  const std::size_t take = std::min(ranked.size(), static_cast<std::size_t>(std::max(n, 0)));
  // P(v|u): the ranking score min-max normalised over the list, so lambda
  // weighs two terms of the same [0, 1] scale whatever the ranker's scale.
  double low = 0, high = 0;
  if (!ranked.empty()) {
    const auto [min, max] = std::minmax_element(
        ranked.begin(), ranked.end(),
        [](const SlateItem& a, const SlateItem& b) { return a.score < b.score; });
    low = min->score;
    high = max->score;
  }
  auto relevance = [&](const SlateItem& item) {
    return high > low ? (item.score - low) / (high - low) : 1.0;
  };
  auto is_tail = [&](const SlateItem& item) {
    return item.item >= 0 && static_cast<std::size_t>(item.item) < long_tail.size() &&
           long_tail[static_cast<std::size_t>(item.item)] != 0;
  };
  std::vector<std::uint8_t> taken(ranked.size(), 0);
  std::size_t in_tail = 0;  // |S ∩ long tail|
  std::vector<SlateItem> out;
  out.reserve(take);
  for (std::size_t picked = 0; picked < take; ++picked) {
    // Smooth xQuAD: P(i|c,S) = |S ∩ c| / |S| for each i in S, so the
    // product over S is (1 - |S ∩ c| / |S|)^|S|; 1 while S is empty.
    auto uncovered = [&](std::size_t in_category) {
      if (picked == 0) return 1.0;
      const double share = static_cast<double>(in_category) / static_cast<double>(picked);
      return std::pow(1.0 - share, static_cast<double>(picked));
    };
    const double tail_bonus = long_tail_preference * uncovered(in_tail);
    const double head_bonus = (1.0 - long_tail_preference) * uncovered(picked - in_tail);
    std::size_t best = ranked.size();
    double best_score = 0;
    for (std::size_t v = 0; v < ranked.size(); ++v) {
      if (taken[v]) continue;
      const double score = (1.0 - lambda) * relevance(ranked[v]) +
                           lambda * (is_tail(ranked[v]) ? tail_bonus : head_bonus);
      if (best == ranked.size() || score > best_score) {
        best = v;
        best_score = score;
      }
    }
    taken[best] = 1;
    in_tail += is_tail(ranked[best]);
    out.push_back(ranked[best]);
    out.back().position = 0;
  }
  return out;
}

std::vector<SlateItem> forward_candidates(const SlateCatalog& catalog,
                                          std::span<const float> user_embedding,
                                          std::span<const Index> treated_items,
                                          std::span<const Index> seen_items, double now,
                                          std::size_t count) {
  std::vector<SlateItem> pool;
  if (user_embedding.empty()) return pool;
  pool.reserve(treated_items.size());
  for (Index item : treated_items) {
    const auto row = static_cast<std::size_t>(item);
    if (std::binary_search(seen_items.begin(), seen_items.end(), item)) continue;
    const double published = catalog.publish_time[row];
    if (has_time(now) && has_time(published) && published > now) continue;
    // The assembler's fixed summation order, so batch shape never matters.
    const std::span<const float> vector = catalog.embeddings.row(row);
    float dot = 0.0f;
    for (std::size_t d = 0; d < user_embedding.size(); ++d) dot += user_embedding[d] * vector[d];
    pool.push_back({item, catalog.producer[row], dot, SlateSource::longtail, 0});
  }
  const std::size_t keep = std::min(count, pool.size());
  std::partial_sort(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(keep), pool.end(),
                    [](const SlateItem& a, const SlateItem& b) {
                      if (a.score != b.score) return a.score > b.score;
                      return a.item < b.item;
                    });
  pool.resize(keep);
  return pool;
}

}  // namespace invr
