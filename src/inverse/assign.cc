// assign_targets (invr/assign.h): targets, reasons and dispatch to the two
// solvers (assign_auction.cc, assign_exact.cc); settings in assign_params.cc.
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "assign_problem.h"
#include "invr/assign.h"
#include "invr/error.h"

namespace invr {

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
