// The distributed InvR job (OpenMPI): `mpirun -np K invr job --distributed`.
//
// Every rank loads the dataset and the model (a shared file system, as MPI
// jobs assume) and computes the same selection and embeddings; rank r then
// searches only its shard of the selected users (shard_rows), the per-item
// top-N lists are gathered on rank 0 and merged (merge_top_users, ties by
// global row, so the result equals the single-process run), and rank 0
// inverts them and writes the generation, each user's list exactly once.
// Rank 0 also chooses the generation id and broadcasts it.
//
// MPI is initialised on first use (MPI_Init_thread) and finalised at exit.
// Without mpirun the job runs as a single rank.
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
