// run_job_distributed (include/invr/distributed.h): MPI set-up, the agreed
// generation id and the abort on any rank's failure around the sharded job
// (sharded_job.cc). MPI stays in src/distributed/.
#include <mpi.h>

#include <cstdlib>
#include <string>

#include "distributed/sharded_job.h"
#include "invr/distributed.h"
#include "invr/error.h"
#include "invr/log.h"

namespace invr {
namespace {
void finalize_mpi() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

void ensure_mpi() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) return;
  int provided = 0;
  // Only the calling thread talks to MPI; worker threads just compute.
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  std::atexit(finalize_mpi);
}

}  // namespace

int mpi_rank() {
  ensure_mpi();
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

int mpi_ranks() {
  ensure_mpi();
  int ranks = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  return ranks;
}

JobResult run_job_distributed(const JobFiles& files, const JobConfig& config) {
  const int rank = mpi_rank();
  const int ranks = mpi_ranks();
  JobFiles mine = files;
  // Rank 0 names the generation so every rank agrees on it.
  std::string generation = rank == 0 && files.generation.empty() ? make_generation_id() : files.generation;
  int length = static_cast<int>(generation.size());
  MPI_Bcast(&length, 1, MPI_INT, 0, MPI_COMM_WORLD);
  generation.resize(static_cast<std::size_t>(length));
  MPI_Bcast(generation.data(), length, MPI_CHAR, 0, MPI_COMM_WORLD);
  mine.generation = generation;
  if (rank == 0) invr::logger().info("job: distributed over {} ranks, generation {}", ranks, generation);

  try {
    JobResult result = run_job_sharded(mine, config, generation);
    if (rank != 0) result.generation.clear();
    return result;
  } catch (const std::exception& e) {
    // The same error usually hits every rank (same inputs); abort all so none waits.
    invr::logger().error("rank {}: {}", rank, e.what());
    MPI_Abort(MPI_COMM_WORLD, dynamic_cast<const UsageError*>(&e) ? 2 : 1);
    throw;
  }
}

}  // namespace invr
