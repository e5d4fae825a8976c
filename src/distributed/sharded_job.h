// The sharded distributed job (sharded_job.cc): MPI is initialised and the
// generation id agreed on before it is called.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "invr/atomic_io.h"
#include "invr/job.h"
#include "job/job_assign.h"

namespace invr {

// One (item slot, user, score) pair on the wire. slot = item row × N +
// user rank − 1. user: on the way to the item's owner rank, whole-dataset
// user index × ranks + the user's rank (so ties still order by that index);
// everywhere else, the whole-dataset index.
struct SlotPair {
  std::int64_t user;
  float score;
  std::int32_t slot;
};

// This rank's dataset index of a user given by whole-dataset index (one of
// its own users: a broken invariant otherwise).
Index local_user(const DatasetShard& shard, std::int64_t global);

// Rank 0's result has the generation, the whole selection and the summed
// counts; other ranks' results have an empty generation.
JobResult run_job_sharded(const JobFiles& files, const JobConfig& config, const std::string& generation);

// The target ordering (sharded_assign.cc), in two steps so the rows can go
// between them. First, from this rank's rows: the whole dataset's figures
// (combined across ranks) and this rank's users' capacities.
struct ShardAssignInputs {
  job::AssignmentFigures figures;
  std::vector<double> capacity;   // per user of this rank's dataset
  double selected_capacity = 0;   // summed over every rank's selected users
  std::vector<double> displaced;  // spare_capacity = "displace": per user of this rank, else empty
  std::vector<double> repeats;    // count_repeats: impressions per pair, per user of this rank
};
ShardAssignInputs assignment_inputs(const Dataset& dataset, const Selection& selection, const JobConfig& config);
// Then: the graph's unseen pairs solved on rank 0, each user's list back on
// its rank in `lists`. `top` and `selection` are this rank's (invert's
// inputs; `top` is released once sent). Returns rank 0's stage (its lists
// moved out); nullopt on other ranks.
std::optional<job::AssignmentStage> assign_sharded(ItemTopUsers top, const Selection& selection,
                                                   const DatasetShard& shard, const SeenItems& seen,
                                                   const ShardAssignInputs& inputs, const JobConfig& config,
                                                   CandidateLists& lists, int rank, int ranks);

}  // namespace invr
