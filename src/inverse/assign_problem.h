// The assignment instance both solvers work on (assign_problem.cc builds and
// checks it), and the one piece of code that turns a solution into lists,
// reports and the objective (finish_assignment), so the solvers differ only
// in how they choose each user's expected impressions.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "invr/assign.h"

namespace invr::inverse {

// One candidate pair as its user sees it: 8 bytes, the solver's largest
// per-pair state (row and rank follow from the slot: AssignProblem::row_of).
struct UserEdge {
  std::uint32_t slot = 0;  // in top_users: row × N + rank - 1 (rows × N < 2^32)
  float score = 0.0f;
};

struct AssignProblem {
  std::int64_t rows = 0;            // treated items
  std::int64_t users_per_item = 0;  // N
  std::size_t users = 0;            // total_users
  std::vector<Index> slot_user;     // rows × N; kNoIndex = empty or seen
  std::span<const float> slot_score;  // top_users.scores
  std::span<const Index> item_of_row;
  std::vector<std::int64_t> asked_target;  // per row, the caller's
  std::vector<std::int64_t> item_target;   // per row, the LP's (completion passes drop some)
  // Producers with a target, compacted: rows of each (CSR), and per row its
  // compact producer or -1.
  std::vector<std::int32_t> producer_of_row;
  std::vector<Index> producer_index;
  std::vector<std::int64_t> producer_target;
  std::vector<std::uint64_t> producer_row_offsets{0};
  std::vector<std::uint32_t> producer_rows;
  // min(capacity, candidates), rounded to a multiple of 2^-20 so that sums of
  // expected impressions are exact in double and independent of order.
  std::vector<double> capacity;
  std::vector<std::uint64_t> user_offsets;  // users + 1
  std::vector<UserEdge> user_edges;
  double score_range = 1;  // largest - smallest score (1 if all equal)
  double bonus = 0;        // B = target_weight × score_range
  // spare_capacity = "leave": a slot may stay empty, worth `skip` (the top
  // score), so a pair is taken only when its score plus its target premium
  // beats it. Objectives count each impression's score minus `skip`.
  bool leave = false;  // leave or displace
  double skip = 0;  // 0 with fill: no shift
  std::vector<double> user_skip;  // displace: per user, at most the top score
  double skip_of(std::size_t user) const { return user_skip.empty() ? skip : user_skip[user]; }
  // Impressions per listed pair (AssignmentTargets::pair_impressions), on
  // the 2^-20 grid; empty = 1.
  std::vector<double> repeat;
  double repeat_of(std::size_t user) const { return repeat.empty() ? 1.0 : repeat[user]; }
  std::int64_t threads = 0;

  // slot / N without a division instruction per pair: the quotient of a
  // double reciprocal, corrected (exact for slots below 2^32).
  double inverse_n = 1;
  std::uint32_t row_of(const UserEdge& e) const {
    const auto n = static_cast<std::uint64_t>(users_per_item);
    auto q = static_cast<std::uint64_t>(static_cast<double>(e.slot) * inverse_n);
    if (q * n > e.slot) --q;
    else if ((q + 1) * n <= e.slot) ++q;
    return static_cast<std::uint32_t>(q);
  }
  std::int32_t rank_of(const UserEdge& e) const {  // 1-based
    return static_cast<std::int32_t>(e.slot - static_cast<std::uint64_t>(row_of(e)) *
                                                  static_cast<std::uint64_t>(users_per_item)) + 1;
  }

  std::span<const UserEdge> edges_of(std::size_t user) const {
    return {user_edges.data() + user_offsets[user], user_edges.data() + user_offsets[user + 1]};
  }
  // After order_static_edges (the auction's): per user, how many of its
  // edges lead its list as dynamic ones (in slot order); the rest are static
  // (their rows have no target and no producer: their bid stays 0), ordered
  // best first. Empty: every edge dynamic, in slot order (build_problem's).
  std::vector<std::uint32_t> dynamic_edges;
  std::size_t dynamic_of(std::size_t user) const {
    return dynamic_edges.empty() ? user_offsets[user + 1] - user_offsets[user] : dynamic_edges[user];
  }
  // A row whose pairs can ever carry a premium: a target, or a producer's.
  bool dynamic_row(std::size_t row) const { return item_target[row] > 0 || producer_of_row[row] >= 0; }
  std::size_t edges() const { return user_edges.size(); }
};

// Checks every argument (UsageError naming it) and builds the instance.
AssignProblem build_problem(const ItemTopUsers& top_users, std::span<const Index> item_index_of_row,
                            std::span<const Index> user_index_of_row, std::size_t total_users,
                            const SeenItems& seen, std::span<const double> user_capacity,
                            const AssignmentTargets& targets, const AssignmentParams& params);

// A user's candidate with the solver's verdict: expected impressions and the
// key that orders the user's list after them (higher first).
struct ScoredEdge {
  double impressions = 0;
  double key = 0;
  float score = 0.0f;
  Index item = kNoIndex;
  std::uint32_t edge = 0;  // offset in the user's edges
};
// Order of a user's list: impressions, key, score descending, item ascending.
bool list_before(const ScoredEdge& a, const ScoredEdge& b);

// Relevance, credited target impressions and objective of expected
// impressions per row (row_impressions) and their relevance; `skipped` is
// the sum of skip_of(user) × impressions the objective subtracts (0 with fill).
struct PrimalValue {
  double relevance = 0;
  double target_impressions = 0;
  double objective = 0;
};
PrimalValue primal_value(const AssignProblem& problem, std::span<const double> row_impressions,
                         double relevance, double skipped);

// Fills `out` with user u's edges scored by the solver.
using UserVerdict = std::function<void(std::size_t user, std::vector<ScoredEdge>& out)>;

// Lists (capped at max_candidates_per_user), per-item and per-producer
// reports and the summary's primal figures; the caller sets the dual bound,
// gap, iterations and solver.
TargetAssignment finish_assignment(const AssignProblem& problem, const UserVerdict& verdict,
                                   std::int64_t max_candidates_per_user);

// Completion pass: drops the LP targets of the short items furthest below
// them (the larger half by deficit, ties to the smaller row, at least one);
// returns how many it dropped (0 when no kept target is short). The solvers
// keep the pass that leaves the fewest items short.
std::int64_t count_short(const AssignProblem& problem, std::span<const double> row_impressions);
// Whether a pass leaving `short_now` items short, with `credited_now`
// impressions toward the caller's targets, replaces the kept one: fewer
// short, or as many and (fill) later or (leave) no fewer credited. Leave
// needs the credit: a pass whose dropped targets all end short anyway shows
// nothing for them, where fill still spends the capacity on them.
double credited_impressions(const AssignProblem& problem, std::span<const double> row_impressions);
bool keep_pass(const AssignProblem& problem, std::int64_t short_now, double credited_now,
               std::int64_t short_kept, double credited_kept);
std::int64_t drop_short_targets(AssignProblem& problem, std::span<const double> row_impressions);
// After a pass that met every kept target: gives back the targets of up to
// `count` items whose targets were dropped and which that pass left short,
// the smallest deficit first (ties to the smaller row), so the capacity the
// pass left can complete them; returns how many. With drop_short_targets
// this bisects toward the largest set of items the users can complete.
std::int64_t restore_targets(AssignProblem& problem, std::span<const double> row_impressions,
                             std::int64_t count);
// The most impressions the users can give rows with a target:
// Σ_u min(c_u, its pairs on such rows) × m_u.
double target_capacity(const AssignProblem& problem);
// When the kept item targets ask more impressions than `capacity`
// (target_capacity, computed by the caller before any drop),
// drops them, the largest deficit under row_impressions first (ties to the
// smaller row), until the rest fit or one is left; returns how many it
// dropped. So an instance no assignment can complete (an hourly target of 1
// for 20,000 items against 8,000 impressions of capacity) is solved for the
// items it can complete, not bid over by all of them.
std::int64_t fit_targets_to_capacity(AssignProblem& problem, std::span<const double> row_impressions,
                                     double capacity);

// The pairs each user takes, as offsets into its edges: ceil(capacity) of
// them (capacity <= edges), all but a fractional last one at one impression
// (amount()); with leave, trailing positions may be kEmpty (the slot shows
// no candidate). O(users + capacity) memory where a value per pair held O(pairs).
struct UserTakes {
  static constexpr std::uint32_t kEmpty = 0xffffffffu;
  std::vector<std::uint64_t> offsets;  // users + 1
  std::vector<std::uint32_t> edge;

  explicit UserTakes(const AssignProblem& problem);
  std::span<std::uint32_t> of(std::size_t user) {
    return {edge.data() + offsets[user], edge.data() + offsets[user + 1]};
  }
  std::span<const std::uint32_t> of(std::size_t user) const {
    return {edge.data() + offsets[user], edge.data() + offsets[user + 1]};
  }
  // Expected impressions of the user's take at `position`: the pair's
  // share of a slot times its repeats, on the 2^-20 grid (exact sums).
  static double amount(const AssignProblem& problem, std::size_t user, std::size_t position) {
    const double capacity = problem.capacity[user];
    const double whole = std::floor(capacity);
    const double share = static_cast<double>(position) < whole ? 1.0 : capacity - whole;
    if (problem.repeat.empty()) return share;
    return std::ldexp(std::round(std::ldexp(share * problem.repeat[user], 20)), -20);
  }
};

// Puts each user's dynamic edges first (slot order kept) and its static
// ones after them, best first by score then item (the auction's order for
// a pair without premium), so the auction's users read their dynamic edges
// and only as many static ones as they keep. Targets only ever drop, so an
// edge static now stays static. Sets dynamic_edges.
void order_static_edges(AssignProblem& problem);

// Moves whole user slots from items at or above their LP target, or without
// one, to short items whose users hold them, where the objective gains;
// returns the moves. Skipped when producers have targets.
std::int64_t top_up_short_items(const AssignProblem& problem, UserTakes& takes,
                                std::vector<double>& row_impressions);

// An item's (or producer's) bid in the auction: clamp(eps - v, 0, bonus),
// v the value of the k-th impression when values (value, weight) are taken
// largest first and each counts `weight` impressions (its user's per pair;
// all 1 without repeats: the k-th largest value); bonus when the weights
// sum below k; 0 when k <= 0. Reorders `values`.
double weighted_bid(std::vector<std::pair<double, double>>& values, std::int64_t k, double eps,
                    double bonus);

// The solvers; each runs the completion passes.
TargetAssignment solve_auction(AssignProblem& problem, const AssignmentParams& params);
TargetAssignment solve_exact(AssignProblem& problem, const AssignmentParams& params);

}  // namespace invr::inverse
