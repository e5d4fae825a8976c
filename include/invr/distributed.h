// The distributed InvR job (OpenMPI): `mpirun -np K invr job --distributed`
// (docs/distributed.md).
//
// Rank r loads only the users with user_shard(id, K) == r (invr/data.h) and
// their rows, selects items by the whole dataset's figures (combined across
// ranks), embeds and searches its users, sends each item block's top-N lists
// to the block's owner rank, which merges them (ties by whole-dataset user
// index) and routes each pair, with its user rank, to the user's rank; each
// rank inverts its users. The target ordering's assignment runs on rank 0
// over the item x N graph the ranks send it (unseen pairs, their users'
// capacities), and each user's list goes back to its rank. Each rank writes
// its users as a part of one generation (CandidateStore::join_generation)
// and rank 0 commits once. No rank holds every user.
//
// The lists equal the single-process job's. Rank 0 chooses the generation
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
