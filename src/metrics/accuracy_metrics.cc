// Top-k accuracy of ranked lists against held-out items, binary relevance:
// Recall@k, NDCG@k, MRR@k and HitRate@k, averaged over users that have at
// least one held-out item.
#include <algorithm>
#include <cmath>
#include <string>

#include "invr/error.h"
#include "invr/metrics.h"

namespace invr {
namespace {

// 1 / log2(rank + 1) for a 1-based rank.
double discount(std::size_t rank) { return 1.0 / std::log2(static_cast<double>(rank) + 1.0); }

// Adds one user's values into `sum` (whose `users` counts the users added).
void accumulate_user(std::span<const Index> ranked, const std::vector<Index>& relevant_sorted,
                     std::size_t k, AccuracyMetrics& sum) {
  // relevant_sorted is sorted and unique; hit_before keeps an item repeated in
  // the ranked list from scoring twice.
  if (relevant_sorted.empty()) return;
  std::vector<std::uint8_t> hit_before(relevant_sorted.size(), 0);
  const std::size_t depth = std::min(k, ranked.size());
  std::size_t hits = 0;
  double dcg = 0;
  double reciprocal_rank = 0;
  for (std::size_t r = 0; r < depth; ++r) {
    auto it = std::lower_bound(relevant_sorted.begin(), relevant_sorted.end(), ranked[r]);
    if (it == relevant_sorted.end() || *it != ranked[r]) continue;
    auto slot = static_cast<std::size_t>(it - relevant_sorted.begin());
    if (hit_before[slot]) continue;
    hit_before[slot] = 1;
    ++hits;
    dcg += discount(r + 1);
    if (reciprocal_rank == 0) reciprocal_rank = 1.0 / static_cast<double>(r + 1);
  }
  double ideal = 0;
  const std::size_t ideal_depth = std::min(k, relevant_sorted.size());
  for (std::size_t r = 1; r <= ideal_depth; ++r) ideal += discount(r);

  sum.users += 1;
  sum.recall += static_cast<double>(hits) / static_cast<double>(relevant_sorted.size());
  sum.ndcg += dcg / ideal;
  sum.mrr += reciprocal_rank;
  sum.hit_rate += hits > 0 ? 1.0 : 0.0;
}

void sort_unique(std::span<const Index> items, std::vector<Index>& out) {
  out.assign(items.begin(), items.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

AccuracyMetrics mean(AccuracyMetrics sum) {
  if (sum.users == 0) return sum;
  const auto n = static_cast<double>(sum.users);
  sum.recall /= n;
  sum.ndcg /= n;
  sum.mrr /= n;
  sum.hit_rate /= n;
  return sum;
}

void check_k(std::size_t k) {
  if (k < 1) throw UsageError("accuracy cutoff k must be at least 1");
}

}  // namespace

AccuracyMetrics user_accuracy_at_k(std::span<const Index> ranked, std::span<const Index> relevant,
                                   std::size_t k) {
  check_k(k);
  std::vector<Index> relevant_sorted;
  sort_unique(relevant, relevant_sorted);
  AccuracyMetrics sum;
  accumulate_user(ranked, relevant_sorted, k, sum);
  return mean(sum);
}

AccuracyMetrics accuracy_at_k(const ItemLists& ranked, const ItemLists& relevant, std::size_t k) {
  check_k(k);
  if (ranked.size() != relevant.size())
    throw UsageError("accuracy: " + std::to_string(ranked.size()) + " ranked lists but " +
                     std::to_string(relevant.size()) +
                     " relevant sets; they must be per user, aligned");
  AccuracyMetrics sum;
  std::vector<Index> relevant_sorted;  // reused across users
  for (std::size_t u = 0; u < ranked.size(); ++u) {
    sort_unique(relevant.list(u), relevant_sorted);
    accumulate_user(ranked.list(u), relevant_sorted, k, sum);
  }
  return mean(sum);
}

}  // namespace invr
