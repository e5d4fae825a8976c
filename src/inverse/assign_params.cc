// AssignmentParams' settings table and checks (invr/assign.h), apart from the
// solvers so config readers (and the fuzz build, fuzz/CMakeLists.txt) link
// them without the solvers.
#include <array>

#include <fmt/format.h>

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
                        "score range: 10 puts targets first; 0.3 lets relevance outbid a "
                        "deficit target that later runs can meet (docs/assignment.md)",
                        1e-6, 1e9, nullptr, &A::target_weight},
    AssignmentParamSpec{"max_iterations", "Auction rounds in all, shared by the completion passes", 1, 1e6, nullptr,
                        &A::max_iterations},
    AssignmentParamSpec{"completion_passes",
                        "Passes that drop the targets of the short items furthest below them "
                        "and solve again, so their capacity completes other items; 0 = one LP",
                        0, 64, nullptr, &A::completion_passes},
    AssignmentParamSpec{"fit_to_capacity",
                        "Auction with completion passes: targets asking more than the users' "
                        "capacity are first cut to it (those a probe round leaves furthest below "
                        "lose theirs), and a pass that meets every kept target gives half the "
                        "last cut back",
                        0, 1, nullptr, &A::fit_to_capacity},
    AssignmentParamSpec{"spare_capacity",
                        "Capacity beyond the targets: fill (every slot shows a candidate, the "
                        "most relevant once targets are met) or leave (lists hold only pairs "
                        "toward a target; other slots keep the platform's items) or displace "
                        "(as leave, but a slot is worth the score of the slate item it would "
                        "displace: targets go where they cost least, and candidates beating "
                        "it are listed too)",
                        0, 0, "fill|leave|displace", &A::spare_capacity},
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
  if (params.fit_to_capacity && params.solver == "exact")
    throw UsageError("--fit-to-capacity (fit_to_capacity) is an auction setting (its probe is a "
                     "round of bids); with --solver exact leave it false");
  if (params.max_candidates_per_user < 1 || params.max_candidates_per_user > 1000000000)
    throw UsageError(fmt::format("--max-candidates-per-user must be in [1, 1e9], got {}",
                                 params.max_candidates_per_user));
}

}  // namespace invr
