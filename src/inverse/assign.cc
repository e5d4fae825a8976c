// assign_targets (invr/assign.h): its settings table, checks and dispatch to
// the two solvers (assign_auction.cc, assign_exact.cc).
#include <array>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "assign_problem.h"
#include "invr/assign.h"
#include "invr/error.h"

namespace invr {
namespace {
using A = AssignmentParams;
const std::array kAssignmentSpecs = {
    AssignmentParamSpec{"solver",
                        "Assignment solver: auction (prices, any size, reports its gap) or exact "
                        "(min-cost flow, small instances)",
                        0, 0, "auction|exact", &A::solver},
    AssignmentParamSpec{"target_weight",
                        "Relevance one impression toward a target is worth, in units of the "
                        "score range",
                        1e-6, 1e9, nullptr, &A::target_weight},
    AssignmentParamSpec{"max_iterations", "Auction rounds in all, shared by the completion passes", 1, 1e6, nullptr,
                        &A::max_iterations},
    AssignmentParamSpec{"completion_passes",
                        "Passes that drop the targets of the short items furthest below them "
                        "and solve again, so their capacity completes other items; 0 = one LP",
                        0, 64, nullptr, &A::completion_passes},
    AssignmentParamSpec{"tolerance",
                        "Auction stops once its gap is at most this share of the dual bound", 0,
                        1, nullptr, &A::tolerance},
    // max_candidates_per_user has no row: the job caps every ordering with
    // [inversion]'s, so one setting is not declared twice (validate checks it).
    AssignmentParamSpec{"assignment_threads", "Assignment worker threads; 0 = hardware concurrency",
                        0, 4096, nullptr, &A::threads},
};
}  // namespace

std::span<const AssignmentParamSpec> assignment_param_specs() { return kAssignmentSpecs; }

void validate(const AssignmentParams& params) {
  validate_settings(assignment_param_specs(), params);
  if (params.max_candidates_per_user < 1 || params.max_candidates_per_user > 1000000000)
    throw UsageError(fmt::format("--max-candidates-per-user must be in [1, 1e9], got {}",
                                 params.max_candidates_per_user));
}

std::int64_t scaled_target(std::uint64_t sufficient, double interval, double horizon) {
  if (!(interval > 0) || !(horizon > 0) || !std::isfinite(interval) || !std::isfinite(horizon))
    throw UsageError(fmt::format("scaled_target: interval ({}) and horizon ({}) must be finite "
                                 "and > 0",
                                 interval, horizon));
  return static_cast<std::int64_t>(std::ceil(static_cast<double>(sufficient) * interval / horizon));
}

const char* short_reason_text(ShortReason reason) {
  switch (reason) {
    case ShortReason::none: return "none";
    case ShortReason::too_few_users: return "too few unseen users in its top-N";
    case ShortReason::too_little_capacity:
      return "its top-N users' capacity (at most 1 each) is below the target";
    case ShortReason::outbid: return "its users' capacity went to other items' targets";
  }
  return "unknown";
}

TargetAssignment assign_targets(const ItemTopUsers& top_users,
                                std::span<const Index> item_index_of_row,
                                std::span<const Index> user_index_of_row, std::size_t total_users,
                                const SeenItems& seen, std::span<const double> user_capacity,
                                const AssignmentTargets& targets, const AssignmentParams& params) {
  const auto start = std::chrono::steady_clock::now();
  inverse::AssignProblem problem =
      inverse::build_problem(top_users, item_index_of_row, user_index_of_row, total_users, seen,
                             user_capacity, targets, params);
  TargetAssignment out = params.solver == "exact" ? inverse::solve_exact(problem, params)
                                                  : inverse::solve_auction(problem, params);
  out.summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace invr
