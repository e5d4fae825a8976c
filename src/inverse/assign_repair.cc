// Top-up after the auction (assign_problem.h, top_up_short_items): the
// users' choice at the final prices often leaves an item a fraction of an
// impression short where the LP would meet it. A user slot moves whole (so
// each list keeps one fractional slot at most, as the list model needs).
#include <algorithm>
#include <limits>

#include "assign_problem.h"
#include "common/parallel.h"

namespace invr::inverse {
namespace {

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

// The value a taken position gives up when released: its pair's score, or
// skip for an empty slot (leave).
double released_value(const AssignProblem& problem, std::size_t u, std::span<const UserEdge> edges,
                      std::uint32_t take) {
  return take == UserTakes::kEmpty ? problem.skip_of(u) : static_cast<double>(edges[take].score);
}

// A take's row; an empty slot (kEmpty) after every row.
std::uint64_t take_row(const AssignProblem& problem, std::span<const UserEdge> edges, std::uint32_t take) {
  return take == UserTakes::kEmpty ? std::numeric_limits<std::uint64_t>::max() : problem.row_of(edges[take]);
}

// The position in the user's takes of its pair with the lowest score (then
// the smaller row) whose item has no target or would stay at or
// above it without the pair, or an empty slot (worth skip); kNone if there
// is none.
std::size_t releasable(const AssignProblem& problem, std::size_t u,
                       std::span<const std::uint32_t> takes,
                       std::span<const double> row_impressions) {
  const auto edges = problem.edges_of(u);
  std::size_t best = kNone;
  for (std::size_t pos = 0; pos < takes.size(); ++pos) {
    if (takes[pos] != UserTakes::kEmpty) {
      const std::uint32_t row = problem.row_of(edges[takes[pos]]);
      const auto target = static_cast<double>(problem.item_target[row]);
      if (row_impressions[row] - UserTakes::amount(problem, u, pos) + 0x1p-21 < target) continue;
    }
    if (best == kNone) {
      best = pos;
      continue;
    }
    const double value = released_value(problem, u, edges, takes[pos]);
    const double least = released_value(problem, u, edges, takes[best]);
    if (value < least || (value == least && take_row(problem, edges, takes[pos]) <
                                                 take_row(problem, edges, takes[best])))
      best = pos;
  }
  return best;
}

// The offset of the user's pair with `row` among its dynamic edges (in slot
// order, so in row order: AssignProblem::dynamic_edges; a row with a target
// is dynamic); kNone if it has none.
std::size_t edge_of_row(const AssignProblem& problem, std::span<const UserEdge> edges,
                        std::size_t row) {
  const auto n = static_cast<std::uint64_t>(problem.users_per_item);
  const std::uint64_t end = (row + 1) * n;  // the first slot past the row
  const auto it = std::partition_point(edges.begin(), edges.end(),
                                       [&](const UserEdge& e) { return e.slot < end; });
  if (it == edges.begin() || (it - 1)->slot < row * n) return kNone;
  return static_cast<std::size_t>(it - 1 - edges.begin());
}

}  // namespace

std::int64_t top_up_short_items(const AssignProblem& problem, UserTakes& takes,
                                std::vector<double>& row_impressions) {
  if (!problem.producer_index.empty()) return 0;  // a swap could take a producer below its target
  const auto n = static_cast<std::size_t>(problem.users_per_item);
  std::int64_t swaps = 0;
  // Users holding nothing releasable, found up front in user order (in
  // parallel, reading each user's takes once where the loop below meets
  // users in random order, many times). Only a row's gain can make one of
  // its takes releasable, and a row gains only here: after a row gains, its
  // users are cleared. So the flags skip only what releasable() would refuse.
  // Also per slot whether its user takes it, so a user who already gives
  // the row its impression is skipped without reading its takes.
  std::vector<std::uint8_t> stuck(problem.users, 0), slot_taken(problem.slot_user.size(), 0);
  parallel_ranges(static_cast<std::int64_t>(problem.users), problem.threads, 1 << 16,
                  [&](std::int64_t begin, std::int64_t end) {
    for (auto u = static_cast<std::size_t>(begin); u < static_cast<std::size_t>(end); ++u) {
      const auto taken = takes.of(u);
      stuck[u] = releasable(problem, u, taken, row_impressions) == kNone;
      for (std::uint32_t k : taken)  // a slot is one user's: no race
        if (k != UserTakes::kEmpty) slot_taken[problem.edges_of(u)[k].slot] = 1;
    }
  });
  for (std::size_t r = 0; r < row_impressions.size(); ++r) {
    const auto target = static_cast<double>(problem.item_target[r]);
    bool gained = false;
    // Best users first: the item's list is in rank order.
    for (std::size_t j = 0; j < n && row_impressions[r] + 0x1p-21 < target; ++j) {
      const Index u = problem.slot_user[r * n + j];
      if (u == kNoIndex || slot_taken[r * n + j] || stuck[static_cast<std::size_t>(u)]) continue;
      const auto user = static_cast<std::size_t>(u);
      const auto taken = takes.of(user);
      const std::size_t from = releasable(problem, user, taken, row_impressions);
      if (from == kNone) continue;
      const auto edges = problem.edges_of(user);
      const std::size_t to = edge_of_row(problem, edges.first(problem.dynamic_of(user)), r);
      if (to == kNone || std::find(taken.begin(), taken.end(), to) != taken.end()) continue;
      const double amount = UserTakes::amount(problem, user, from);
      const double gain = problem.bonus * std::min(amount, target - row_impressions[r]) +
                          (static_cast<double>(edges[to].score) -
                           released_value(problem, user, edges, taken[from])) * amount;
      if (gain <= 0) continue;
      if (taken[from] != UserTakes::kEmpty) {
        row_impressions[problem.row_of(edges[taken[from]])] -= amount;
        slot_taken[edges[taken[from]].slot] = 0;
      }
      slot_taken[r * n + j] = 1;
      row_impressions[r] += amount;
      taken[from] = static_cast<std::uint32_t>(to);
      ++swaps;
      gained = true;
    }
    if (gained)  // its takers may now release it
      for (std::size_t j = 0; j < n; ++j)
        if (const Index u = problem.slot_user[r * n + j]; u != kNoIndex) stuck[static_cast<std::size_t>(u)] = 0;
  }
  return swaps;
}

}  // namespace invr::inverse
