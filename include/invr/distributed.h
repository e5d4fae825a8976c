// The distributed InvR job (OpenMPI): `mpirun -np K invr job --distributed`
// (docs/distributed.md).
//
// Sharded mode (config.assignment_job.assign_targets false): rank r loads
// only the users with user_shard(id, K) == r (invr/data.h) and their rows,
// selects items by the whole dataset's figures (combined across ranks),
// embeds and searches its users, sends each item block's top-N lists to the
// block's owner rank, which merges them (ties by whole-dataset user index)
// and routes each pair, with its user rank, to the user's rank; each rank
// inverts and writes its users as a part of one generation
// (CandidateStore::join_generation) and rank 0 commits once. No rank holds
// every user.
//
// Gathered mode (the target ordering on: its assignment needs the whole
// graph): every rank loads every user; rank r searches its slice of the
// selected users (shard_rows), rank 0 gathers and merges the lists, assigns,
// inverts and writes.
//
// Both write exactly the single-process lists. Rank 0 chooses the generation
// id and broadcasts it. MPI is initialised on first use (MPI_Init_thread)
// and finalised at exit. Without mpirun the job runs as a single rank.
#pragma once

#include "invr/job.h"

namespace invr {

// Returns rank 0's result; other ranks return a result with an empty
// generation. A failure on any rank aborts every rank (MPI_Abort) after
// logging it, so no rank waits forever.
JobResult run_job_distributed(const JobFiles& files, const JobConfig& config);

// This process's MPI rank and the number of ranks (initialising MPI).
int mpi_rank();
int mpi_ranks();

}  // namespace invr
