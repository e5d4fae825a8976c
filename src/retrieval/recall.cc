// topk_recall (invr/retrieval.h): the one recall of approximate search that
// the server's start-up check, bench_topk and the tests report.
#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/retrieval.h"

namespace invr {

double topk_recall(std::span<const RowId> found, std::span<const RowId> truth, int k) {
  if (k <= 0 || found.size() != truth.size() || truth.size() % static_cast<std::size_t>(k) != 0)
    throw UsageError(fmt::format("topk_recall: {} found and {} true ids are not whole lists of k = {}",
                                 found.size(), truth.size(), k));
  const std::size_t queries = truth.size() / static_cast<std::size_t>(k);
  if (queries == 0) return 1.0;
  std::vector<RowId> sorted;
  double sum = 0;
  for (std::size_t q = 0; q < queries; ++q) {
    const auto begin = static_cast<std::ptrdiff_t>(q * static_cast<std::size_t>(k));
    sorted.assign(truth.begin() + begin, truth.begin() + begin + k);
    std::sort(sorted.begin(), sorted.end());
    std::size_t hits = 0;
    for (auto it = found.begin() + begin; it != found.begin() + begin + k; ++it)
      hits += *it != kNoRow && std::binary_search(sorted.begin(), sorted.end(), *it);
    sum += static_cast<double>(hits) / k;
  }
  return sum / static_cast<double>(queries);
}

}  // namespace invr
