// Top-up after the auction (assign_problem.h, top_up_short_items): the
// users' choice at the final prices often leaves an item a fraction of an
// impression short where the LP would meet it. A user slot moves whole (so
// each list keeps one fractional slot at most, as the list model needs).
#include <algorithm>
#include <limits>

#include "assign_problem.h"

namespace invr::inverse {
namespace {

// The user's taken pair with the lowest score whose item has no target or
// would stay at or above it without the pair; kNone if there is none.
constexpr std::uint64_t kNone = std::numeric_limits<std::uint64_t>::max();

std::uint64_t releasable(const AssignProblem& problem, std::size_t u, std::span<const float> x,
                         std::span<const double> row_impressions) {
  std::uint64_t best = kNone;
  for (auto k = problem.user_offsets[u]; k < problem.user_offsets[u + 1]; ++k) {
    if (x[k] == 0) continue;
    const UserEdge& e = problem.user_edges[k];
    const auto target = static_cast<double>(problem.item_target[e.row]);
    if (row_impressions[e.row] - x[k] + 0x1p-21 < target) continue;
    if (best == kNone || e.score < problem.user_edges[best].score) best = k;
  }
  return best;
}

}  // namespace

std::int64_t top_up_short_items(const AssignProblem& problem, std::vector<float>& x,
                                std::vector<double>& row_impressions) {
  if (!problem.producer_index.empty()) return 0;  // a swap could take a producer below its target
  const auto n = static_cast<std::size_t>(problem.users_per_item);
  std::int64_t swaps = 0;
  for (std::size_t r = 0; r < row_impressions.size(); ++r) {
    const auto target = static_cast<double>(problem.item_target[r]);
    // Best users first: the item's list is in rank order.
    for (std::size_t j = 0; j < n && row_impressions[r] + 0x1p-21 < target; ++j) {
      const Index u = problem.slot_user[r * n + j];
      if (u == kNoIndex) continue;
      const auto user = static_cast<std::size_t>(u);
      const std::uint64_t from = releasable(problem, user, x, row_impressions);
      if (from == kNone) continue;
      std::uint64_t to = kNone;  // the pair (r, u) on the user's side
      for (auto k = problem.user_offsets[user]; k < problem.user_offsets[user + 1]; ++k)
        if (problem.user_edges[k].row == r) to = k;
      if (to == kNone || x[to] != 0) continue;
      const double amount = x[from];
      const double gain = problem.bonus * std::min(amount, target - row_impressions[r]) +
                          (static_cast<double>(problem.user_edges[to].score) -
                           problem.user_edges[from].score) * amount;
      if (gain <= 0) continue;
      row_impressions[problem.user_edges[from].row] -= amount;
      row_impressions[r] += amount;
      x[to] = x[from];
      x[from] = 0;
      ++swaps;
    }
  }
  return swaps;
}

}  // namespace invr::inverse
