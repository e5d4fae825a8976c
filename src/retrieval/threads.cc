#include "threads.h"

#include <omp.h>

#include <mutex>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/log.h"
#include "invr/retrieval.h"

// Declared here rather than through cblas.h: only OpenBLAS has these, and the
// build links OpenBLAS (cmake/Dependencies.cmake).
extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
// Weak: stops OpenBLAS's pool threads (OpenBLAS starts them again when a
// call needs them).
void blas_thread_shutdown_(void) __attribute__((weak));
}

namespace invr {

void set_blas_threads(int threads) {
  const int count = resolve_threads(threads);
  openblas_set_num_threads(count);
  // With one thread the pool started at load only idles, and idling spins on
  // sched_yield for about 0.1 s after start, taking a core from exact
  // search's own workers on a small machine (invr topk on 2 cores: 0.02 s of
  // 0.2 s). Stop it.
  if (count == 1 && blas_thread_shutdown_) blas_thread_shutdown_();
}

int blas_threads() { return openblas_get_num_threads(); }

namespace retrieval {

void check_rows_to_add(std::int64_t n, const float* rows, int dim, std::string_view what,
                       std::int64_t first_row) {
  if (n < 0) throw UsageError(fmt::format("{}: add: n = {}, must be >= 0", what, n));
  if (n > 0 && rows == nullptr)
    throw UsageError(fmt::format("{}: add: rows is null for n = {}", what, n));
  if (n > 0)
    check_embeddings(MatrixView{rows, n, dim}, fmt::format("rows added to index '{}'", what), first_row);
}

void check_search_arguments(std::int64_t n, const float* queries, int k, const float* scores,
                            const std::int64_t* ids, std::string_view what) {
  if (k < 1) throw UsageError(fmt::format("{}: search: k = {}, must be >= 1", what, k));
  if (n < 0) throw UsageError(fmt::format("{}: search: n = {}, must be >= 0", what, n));
  if (n == 0) return;
  if (queries == nullptr) throw UsageError(fmt::format("{}: search: queries is null", what));
  if (scores == nullptr || ids == nullptr)
    throw UsageError(fmt::format("{}: search: the {} output is null", what,
                                 scores == nullptr ? "scores" : "ids"));
}

void warn_if_blas_pool_shared(int workers) {
  if (workers <= 1 || openblas_get_num_threads() <= 1) return;
  static std::once_flag once;
  std::call_once(once, [workers] {
    logger().warn(
        "exact search runs {} workers but OpenBLAS's pool has {} threads: their sgemm calls queue "
        "on one lock; call invr::set_blas_threads(1) once at start (docs/library.md, \"Threads\")",
        workers, openblas_get_num_threads());
  });
}

ScopedOmpThreads::ScopedOmpThreads(int threads) : previous_(omp_get_max_threads()) {
  omp_set_num_threads(threads);
}

ScopedOmpThreads::~ScopedOmpThreads() { omp_set_num_threads(previous_); }

}  // namespace retrieval
}  // namespace invr
