// run_job_distributed (include/invr/distributed.h): MPI around run_job's
// retrieval hook. Only this file knows MPI.
#include <mpi.h>

#include <cstdlib>
#include <vector>


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

// MPI counts are int: move big arrays in slices.
constexpr std::int64_t kSlice = std::int64_t{1} << 26;

template <class T>
void gather_to_root(const std::vector<T>& local, std::vector<T>& all, MPI_Datatype type,
                    int rank, int ranks) {
  const auto n = static_cast<std::int64_t>(local.size());
  if (rank == 0) all.resize(static_cast<std::size_t>(n) * static_cast<std::size_t>(ranks));
  std::vector<T> slice;
  for (std::int64_t start = 0; start < n; start += kSlice) {
    const int count = static_cast<int>(std::min(kSlice, n - start));
    if (rank == 0) slice.resize(static_cast<std::size_t>(count) * static_cast<std::size_t>(ranks));
    MPI_Gather(local.data() + start, count, type, rank == 0 ? slice.data() : nullptr, count, type,
               0, MPI_COMM_WORLD);
    if (rank == 0)
      for (int r = 0; r < ranks; ++r)
        std::copy(slice.begin() + static_cast<std::ptrdiff_t>(r) * count,
                  slice.begin() + static_cast<std::ptrdiff_t>(r + 1) * count,
                  all.begin() + static_cast<std::ptrdiff_t>(r * n + start));
  }
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

  if (!config.assignment_job.assign_targets) {
    try {
      JobResult result = run_job_sharded(mine, config, generation);
      if (rank != 0) result.generation.clear();
      return result;
    } catch (const std::exception& e) {
      invr::logger().error("rank {}: {}", rank, e.what());
      MPI_Abort(MPI_COMM_WORLD, dynamic_cast<const UsageError*>(&e) ? 2 : 1);
      throw;
    }
  }
  // The target ordering's assignment needs the whole item -> users graph
  // and every user's capacity in one place: the gathered mode below, where
  // every rank holds every user and only retrieval is split.
  if (rank == 0)
    invr::logger().info("job: the target ordering is on (assign_targets): every rank loads every user; "
                        "--assign-targets false shards users across ranks");
  JobInputs hooks;
  hooks.write_output = rank == 0;
  hooks.top_users = [rank, ranks](MatrixView items, MatrixView users,
                                  const RetrievalSettings& settings) {
    const RowRange range = shard_rows(users.rows, rank, ranks);
    const MatrixView shard{users.data + range.begin * users.cols, range.end - range.begin,
                           users.cols};
    ItemTopUsers local = top_users_per_item(items, shard, settings);
    // Every rank has the same items and N, so the blocks have equal sizes.
    std::vector<RowId> all_users;
    std::vector<float> all_scores;
    gather_to_root(local.users, all_users, MPI_INT64_T, rank, ranks);
    gather_to_root(local.scores, all_scores, MPI_FLOAT, rank, ranks);
    std::vector<std::int64_t> begins(static_cast<std::size_t>(ranks));
    MPI_Gather(&range.begin, 1, MPI_INT64_T, begins.data(), 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
    if (rank != 0) return local;
    std::vector<ItemTopUsers> shards(static_cast<std::size_t>(ranks));
    const std::size_t block = local.users.size();
    for (int r = 0; r < ranks; ++r) {
      auto& s = shards[static_cast<std::size_t>(r)];
      s.items = local.items;
      s.users_per_item = local.users_per_item;
      s.users.assign(all_users.begin() + static_cast<std::ptrdiff_t>(r * block),
                     all_users.begin() + static_cast<std::ptrdiff_t>((r + 1) * block));
      s.scores.assign(all_scores.begin() + static_cast<std::ptrdiff_t>(r * block),
                      all_scores.begin() + static_cast<std::ptrdiff_t>((r + 1) * block));
    }
    return merge_top_users(shards, begins, settings.top_users_per_item);
  };
  try {
    JobResult result = run_job_from_files(mine, config, hooks);
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
