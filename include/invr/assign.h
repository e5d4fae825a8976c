// Exposure-guaranteed inverse retrieval (issue 19): after retrieval, choose
// which (item, user) pairs to show so that every treated item reaches its
// exposure target where the users' capacity allows, at the least relevance
// cost. docs/assignment.md has the formulation, the solvers and measurements.
//
// Data contract:
//  - Input is what invert() takes (invr/inverse.h): ItemTopUsers rows are the
//    treated items (item_index_of_row), user rows map to dataset users
//    (user_index_of_row), pairs the user has seen are dropped. A pair's
//    relevance is its retrieval score as given; its user rank is its 1-based
//    slot in the item's list.
//  - user_capacity[u], per dataset user index (size total_users), is the
//    number of InvR impressions user u is expected to absorb in the job's
//    interval (visit rate × InvR slots × interval): a real number >= 0, so a
//    rare visitor with 0.3 expected impressions still counts for 0.3. A
//    user's list shows in order: its k-th item (1-based) is expected to get
//    clamp(capacity - (k - 1), 0, 1) impressions, and a pair gives at most one
//    (times pair_impressions[u] when given: repeat visits).
//  - Targets are whole impressions: item_target per query row, and optionally
//    producer_target per producer (the items' producers in producer_of_row).
//    scaled_target() turns PSEI's threshold into an interval's target.
//  - Objective (maximised): sum of score × expected impressions, plus
//    B = target_weight × (score range) for every expected impression that
//    counts toward an item's target (impressions beyond it: 0) and the same
//    for a producer's target. So any exchange of up to target_weight swaps
//    that adds one target impression beats every relevance gain: targets
//    first, then relevance. Completion passes then drop the targets of the
//    items furthest below them and solve again (AssignmentParams).
//  - Output: one list per dataset user in the "target" ordering, in the
//    shape of CandidateLists' other orderings (CSR by user index, capped at
//    max_candidates_per_user), plus a report per item and per producer and
//    the solver's certified gap (dual bound - objective).
//  - Pure and deterministic: no random draws; ties go to the higher score,
//    then the smaller item index; results do not depend on the thread count.
//    Bad arguments (sizes, negative capacities or targets, a row out of
//    range, repeated items, bad params) throw UsageError naming them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "invr/candidates.h"
#include "invr/data.h"
#include "invr/inverse.h"
#include "invr/settings.h"

namespace invr {

struct AssignmentParams {
  // "auction": prices on users and items (Lagrangian dual, block coordinate
  // descent with ε-bids), for any size; reports its gap. "exact": min-cost
  // flow (Boost.Graph), the reference for small instances (O(flow × E log V)).
  std::string solver = "auction";
  // B in units of the score range: how much relevance one target impression
  // is worth (see the contract above). Below 1 relevance may outbid a target:
  // the job's deficit targets measured better at 0.3 (docs/assignment.md,
  // "One configuration for every world").
  double target_weight = 10;
  // Auction rounds in all, shared by the passes (each gets its share of what
  // is left); a pass ends early when gap <= tolerance × |dual bound|.
  std::int64_t max_iterations = 40;
  double tolerance = 1e-3;
  // Completion passes: after solving, the short items furthest below their
  // targets (the larger half by deficit) lose their targets and the problem
  // is solved again, so the capacity they held completes others (PSEI counts
  // items that reach the target, not impressions toward it). The pass that
  // leaves the fewest items short is returned. 0 = one LP.
  std::int64_t completion_passes = 4;
  // The auction with completion passes: targets that ask more impressions than the
  // users can give (the sum of every user's capacity over its pairs on
  // items with a target) are first fitted to it: one probe round ranks the
  // items by deficit and those furthest below lose their targets until the
  // rest fit, and a pass that meets every kept target gives half the last
  // drop back. The search then bids only for items that can be completed.
  // Off by default: with deficit targets (what an item still lacks over
  // the horizon, met over many intervals) cutting them to one interval's
  // capacity measured worse in the simulator; it is meant for targets an
  // interval must meet (the job's targets = "interval"). docs/assignment.md.
  bool fit_to_capacity = false;
  // What a user's capacity beyond the targets shows. "fill": every slot of
  // capacity gets a candidate (the most relevant pairs once the targets are
  // met), and each list goes on with the user's other candidates. "leave":
  // a slot shows a candidate only when it serves a target, and the list
  // holds only those; the other slots keep the platform's own items (the
  // control slate). Leave is fill with one more choice per slot, "show
  // nothing", worth the graph's top score: a pair beyond the targets never
  // beats it, one toward a target does (B > score range). "displace": the
  // empty slot is worth AssignmentTargets::user_displaced[u], the score of
  // what an inserted candidate displaces in u's slate, so target pairs go to
  // the users they cost least, and a pair beyond the targets is listed when
  // it beats what it displaces.
  std::string spare_capacity = "fill";
  // Each user's target list is capped here, like the other orderings (no
  // settings row: the job sets it from InversionParams', the one cap).
  std::int64_t max_candidates_per_user = 50;
  // Worker threads ("assignment_threads"); 0 = hardware concurrency. Results
  // do not depend on it.
  std::int64_t threads = 0;
};
using AssignmentParamSpec = Setting<AssignmentParams>;
std::span<const AssignmentParamSpec> assignment_param_specs();
void validate(const AssignmentParams& params);

// Targets in whole impressions; empty producer fields = no producer targets.
struct AssignmentTargets {
  std::vector<std::int64_t> item_target;      // per query row of top_users
  std::vector<Index> producer_of_row;         // per query row, or empty
  std::vector<std::int64_t> producer_target;  // per producer index, or empty
  // spare_capacity = "displace" only: per dataset user (size total_users),
  // the score of the slate item an inserted candidate displaces. They count
  // in the score range that B is measured in, so targets still come first.
  std::vector<double> user_displaced;
  // Optional, per dataset user (size total_users; empty = 1 each): the
  // expected impressions one listed pair of u gets in the interval, in
  // (0, 1e6]. A visit shows a list's first slots together, and a user who
  // visits again in the interval sees them again (PSEI counts each), so
  // with λ expected visits per interval the capacity is `slots` pairs, each
  // giving λ impressions: λ > 1 for a frequent visitor, λ < 1 when the
  // interval is shorter than the user's visit gap (the job's count_repeats).
  std::vector<double> pair_impressions;
};

// PSEI's `sufficient` impressions counted over `horizon` seconds, as a
// target for an interval of `interval` seconds: ceil(sufficient × interval /
// horizon). UsageError unless both are > 0.
std::int64_t scaled_target(std::uint64_t sufficient, double interval, double horizon);

// Why an item ends below its target.
enum class ShortReason : std::uint8_t {
  none = 0,             // reached
  too_few_users,        // fewer unseen top-N users than the target
  too_little_capacity,  // its users' capacities (at most 1 each) sum below it
  outbid,               // reachable alone, but its users' capacity went to other targets
};
// "none", "too few users in its top-N", ...
const char* short_reason_text(ShortReason reason);

struct ItemTargetReport {
  Index item = kNoIndex;
  std::int64_t target = 0;
  double assigned = 0;            // expected impressions from the lists
  std::int64_t candidate_users = 0;  // unseen users in its top-N
  double reachable = 0;           // sum of min(1, capacity) over them
  ShortReason reason = ShortReason::none;
};

struct ProducerTargetReport {
  Index producer = kNoIndex;
  std::int64_t target = 0;
  double assigned = 0;
};

struct AssignmentSummary {
  std::string solver;
  // relevance + B × target impressions; with spare_capacity = "leave",
  // minus the top score × assigned impressions (each pair's relevance
  // counts against the top score, the value of a slot left to the platform)
  double objective = 0;
  double relevance = 0;           // sum of score × expected impressions
  double target_impressions = 0;  // credited toward item and producer targets
  double target_bonus = 0;        // B
  double dual_bound = 0;          // no assignment scores above it
  double gap = 0;                 // dual_bound - objective (0 for exact)
  std::int64_t iterations = 0;     // auction rounds, all passes
  std::int64_t passes = 0;         // LPs solved
  std::int64_t targets_dropped = 0;  // items whose target a completion pass dropped
  std::int64_t top_ups = 0;        // auction: user slots moved to short items at the end
  std::int64_t items_short = 0;
  double seconds = 0;
};

struct TargetAssignment {
  std::size_t users = 0;
  std::vector<std::uint64_t> offsets;  // users + 1
  std::vector<Candidate> lists;
  std::vector<ItemTargetReport> items;          // per query row
  std::vector<ProducerTargetReport> producers;  // per producer with a target
  AssignmentSummary summary;

  std::span<const Candidate> of(Index user) const {
    const auto u = static_cast<std::size_t>(user);
    return {lists.data() + offsets[u], lists.data() + offsets[u + 1]};
  }
};

// The assignment. Each user's list holds its unseen candidates, assigned
// ones first (those the solver gives its capacity), capped at
// max_candidates_per_user; with spare_capacity = "leave", only the assigned
// ones. Shows no progress; logs nothing.
TargetAssignment assign_targets(const ItemTopUsers& top_users,
                                std::span<const Index> item_index_of_row,
                                std::span<const Index> user_index_of_row, std::size_t total_users,
                                const SeenItems& seen, std::span<const double> user_capacity,
                                const AssignmentTargets& targets, const AssignmentParams& params);

}  // namespace invr
