// Thread pools retrieval leans on. OpenBLAS's pool is process-wide: invr never
// changes it during a call (invr::set_blas_threads, invr/retrieval.h, is the
// caller's, once). OpenMP's count for FAISS is the calling thread's own
// setting, so a search sets it for itself and puts it back (ScopedOmpThreads).
// "0 = all cores" is resolved by common/parallel.h's resolve_threads.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/parallel.h"

namespace invr::retrieval {

// An index's add(): throws UsageError naming the argument (`what` names the
// index) unless n >= 0 and rows is non-null when n > 0, then checks the rows
// (check_embeddings: DataError naming "rows added to index 'what'" and the
// row, counted from first_row). FAISS aborts on the infinities huge values
// make in k-means, so every index refuses them first.
void check_rows_to_add(std::int64_t n, const float* rows, int dim, std::string_view what,
                       std::int64_t first_row);
// Throws UsageError unless k >= 1, n >= 0 and, when n > 0, queries, scores
// and ids are non-null.
void check_search_arguments(std::int64_t n, const float* queries, int k, const float* scores,
                            const std::int64_t* ids, std::string_view what);

// Logs one warning per process (invr logger) when exact search runs several
// workers while OpenBLAS's pool has more than one thread: each worker's
// sgemm then queues on OpenBLAS's level-3 lock (docs/library.md, "Threads").
void warn_if_blas_pool_shared(int workers);

// Sets the calling thread's OpenMP thread count and restores it on exit.
// OpenMP's nthreads-var is per thread, so concurrent searches with different
// counts do not race and the caller's own setting survives the call.
class ScopedOmpThreads {
 public:
  explicit ScopedOmpThreads(int threads);
  ~ScopedOmpThreads();
  ScopedOmpThreads(const ScopedOmpThreads&) = delete;
  ScopedOmpThreads& operator=(const ScopedOmpThreads&) = delete;

 private:
  int previous_;
};

}  // namespace invr::retrieval
