// The job's assignment stage (docs/assignment.md, "In the job"): capacities
// from the logs, targets from PSEI's threshold, assign_targets(), and the
// lists moved into the target ordering.
#pragma once

#include <cstdint>
#include <span>

#include <nlohmann/json.hpp>

#include "invr/assign.h"
#include "invr/job.h"

namespace invr::job {

struct AssignmentStage {
  TargetAssignment assignment;  // its lists moved out into the target ordering
  std::int64_t item_target = 0;  // the largest item target
  double capacity = 0;  // summed over the selected users
};

// Fills lists' target ordering from assign_targets() over `top` (rows:
// selection.items × selection.users, as invert() got them).
AssignmentStage assign_target_ordering(const ItemTopUsers& top, const Selection& selection,
                                       const Dataset& dataset, const SeenItems& seen,
                                       const JobConfig& config, std::span<const double> share,
                                       CandidateLists& lists);

// The manifest's "assignment" object: settings, summary, one report per
// treated item (id, target, assigned, candidate_users, reachable, reason).
nlohmann::ordered_json assignment_json(const AssignmentStage& stage, const Dataset& dataset,
                                       const Selection& selection);

}  // namespace invr::job
