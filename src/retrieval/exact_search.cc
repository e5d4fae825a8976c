// Exact top-k: queries x base products in blocks (cblas_sgemm into a small
// per-worker buffer), each block scanned at once by TopkBlock while it is
// still in cache. Memory per worker is one product block plus the candidate
// lists of one query block; the full n x m product never exists.
//
// Parallelism: work units are (query block, base shard) pairs handed out
// through an atomic counter. With enough queries there is one shard and each
// unit writes its queries' final results; with few queries the base is split
// into shards so every worker has work, and the per-shard lists are merged.
// Each worker calls single-threaded OpenBLAS: measured faster than one
// multi-threaded sgemm followed by parallel selection (docs/retrieval.md).
#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <limits>
#include <thread>
#include <vector>

#include "invr/error.h"
#include "invr/retrieval.h"
#include "threads.h"
#include "topk_block.h"

namespace invr {
namespace {
using retrieval::TopkBlock;

// Defaults picked with bench/bench_topk (docs/retrieval.md): a 256 x 1024
// product block (1 MiB) stays in L2 between sgemm and the scan.
constexpr std::int64_t kDefaultQueryBlock = 256;
constexpr std::int64_t kDefaultBaseBlock = 1024;
// Fewer queries per sgemm than this and packing the base block dominates.
constexpr std::int64_t kMinQueryBlock = 32;
// Cap on one worker's candidate lists, which grow with k.
constexpr std::int64_t kCandidateBudgetBytes = 64ll << 20;

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

struct Plan {
  int threads = 1;
  std::int64_t query_block = 1;
  std::int64_t base_block = 1;
  std::int64_t query_blocks = 1;
  std::int64_t shard_rows = 1;
  std::int64_t shards = 1;
};

Plan make_plan(std::int64_t n, std::int64_t m, int k, const SearchParams& params) {
  Plan plan;
  plan.threads = retrieval::resolve_threads(params.threads);
  plan.base_block = std::min<std::int64_t>(m, params.base_block > 0 ? params.base_block
                                                                    : kDefaultBaseBlock);
  std::int64_t qb = params.query_block > 0 ? params.query_block : kDefaultQueryBlock;
  qb = std::min(qb, std::max<std::int64_t>(
                        1, kCandidateBudgetBytes / TopkBlock::bytes_per_query(k, m)));
  // Few queries: share them evenly rather than leave workers idle.
  const std::int64_t per_thread = ceil_div(n, plan.threads);
  qb = std::min(qb, std::max(per_thread, kMinQueryBlock));
  plan.query_block = std::min(qb, n);
  plan.query_blocks = ceil_div(n, plan.query_block);
  if (plan.query_blocks < plan.threads) {
    plan.shards = std::min(ceil_div(plan.threads, plan.query_blocks), ceil_div(m, plan.base_block));
  }
  plan.shard_rows = ceil_div(m, plan.shards);
  plan.shards = ceil_div(m, plan.shard_rows);
  return plan;
}

struct Job {
  MatrixView queries;
  MatrixView base;
  int k;
  Plan plan;
  float* scores;  // n x k, or shards x n x k when sharded
  RowId* ids;
};

// One (query block, shard) unit on the calling worker's scratch.
void run_unit(const Job& job, std::int64_t unit, TopkBlock& topk, std::vector<float>& product) {
  const Plan& plan = job.plan;
  const std::int64_t n = job.queries.rows;
  const std::int64_t d = job.queries.cols;
  const std::int64_t block = unit / plan.shards;
  const std::int64_t shard = unit % plan.shards;
  const std::int64_t q0 = block * plan.query_block;
  const std::int64_t rows_q = std::min(plan.query_block, n - q0);
  const std::int64_t b_begin = shard * plan.shard_rows;
  const std::int64_t b_end = std::min(job.base.rows, b_begin + plan.shard_rows);

  topk.reset(static_cast<int>(rows_q), job.k, b_end - b_begin);
  for (std::int64_t b0 = b_begin; b0 < b_end; b0 += plan.base_block) {
    const std::int64_t rows_b = std::min(plan.base_block, b_end - b0);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows_q),
                static_cast<int>(rows_b), static_cast<int>(d), 1.0f, job.queries.row(q0),
                static_cast<int>(d), job.base.row(b0), static_cast<int>(d), 0.0f, product.data(),
                static_cast<int>(rows_b));
    for (std::int64_t q = 0; q < rows_q; ++q)
      topk.offer_row(static_cast<int>(q), product.data() + q * rows_b, rows_b, b0);
  }
  const std::int64_t out_row = shard * n + q0;  // shard is 0 when unsharded
  for (std::int64_t q = 0; q < rows_q; ++q)
    topk.finish(static_cast<int>(q), job.scores + (out_row + q) * job.k,
                job.ids + (out_row + q) * job.k);
}

// Merges per-shard lists into the final n x k outputs (few queries only).
void merge_shards(const Job& job, const std::vector<float>& part_scores,
                  const std::vector<RowId>& part_ids, float* scores, RowId* ids) {
  const std::int64_t n = job.queries.rows;
  const auto k = static_cast<std::int64_t>(job.k);
  std::vector<std::pair<float, RowId>> all;
  for (std::int64_t q = 0; q < n; ++q) {
    all.clear();
    for (std::int64_t s = 0; s < job.plan.shards; ++s) {
      const std::int64_t at = (s * n + q) * k;
      for (std::int64_t i = 0; i < k && part_ids[at + i] != kNoRow; ++i)
        all.emplace_back(part_scores[at + i], part_ids[at + i]);
    }
    const auto keep = std::min<std::size_t>(all.size(), static_cast<std::size_t>(k));
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keep), all.end(),
                      [](const auto& a, const auto& b) {
                        return a.first > b.first || (a.first == b.first && a.second < b.second);
                      });
    for (std::int64_t i = 0; i < k; ++i) {
      const bool real = static_cast<std::size_t>(i) < keep;
      scores[q * k + i] = real ? all[static_cast<std::size_t>(i)].first
                               : -std::numeric_limits<float>::infinity();
      ids[q * k + i] = real ? all[static_cast<std::size_t>(i)].second : kNoRow;
    }
  }
}

void run_workers(const Job& job) {
  const std::int64_t units = job.plan.query_blocks * job.plan.shards;
  const int workers = static_cast<int>(std::min<std::int64_t>(job.plan.threads, units));
  std::atomic<std::int64_t> next{0};
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(workers));
  auto work = [&](int worker) {
    try {
      TopkBlock topk;  // scratch belongs to the worker
      std::vector<float> product(
          static_cast<std::size_t>(job.plan.query_block * job.plan.base_block));
      for (std::int64_t unit = next++; unit < units; unit = next++) run_unit(job, unit, topk, product);
    } catch (...) {
      errors[static_cast<std::size_t>(worker)] = std::current_exception();
      next = units;  // stop the others early
    }
  };
  std::vector<std::thread> pool;
  for (int w = 1; w < workers; ++w) pool.emplace_back(work, w);
  work(0);
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

void exact_search(MatrixView queries, MatrixView base, int k, float* scores, RowId* ids,
                  const SearchParams& params) {
  INVR_CHECK(k >= 1);
  const std::int64_t n = queries.rows;
  if (n == 0) return;
  INVR_CHECK(queries.cols == base.cols && queries.cols >= 1);
  INVR_CHECK(scores != nullptr && ids != nullptr && queries.data != nullptr);
  if (base.rows == 0) {
    std::fill(scores, scores + n * k, -std::numeric_limits<float>::infinity());
    std::fill(ids, ids + n * k, kNoRow);
    return;
  }
  // Each worker runs its own sgemm; a threaded OpenBLAS underneath would
  // oversubscribe the cores and serialise on OpenBLAS's pool lock.
  retrieval::set_blas_threads(1);
  Job job{queries, base, k, make_plan(n, base.rows, k, params), scores, ids};
  if (job.plan.shards == 1) {
    run_workers(job);
    return;
  }
  const auto parts = static_cast<std::size_t>(job.plan.shards * n * k);
  std::vector<float> part_scores(parts);
  std::vector<RowId> part_ids(parts);
  job.scores = part_scores.data();
  job.ids = part_ids.data();
  run_workers(job);
  merge_shards(job, part_scores, part_ids, scores, ids);
}

}  // namespace invr
