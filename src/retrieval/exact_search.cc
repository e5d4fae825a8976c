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
//
// Warm start: before its scan, a unit scores its queries against an evenly
// spaced sample of the shard (up to 8192 rows) and starts each query's
// threshold a safe margin below the sample's estimate of the final k-th
// score, so far fewer rows are admitted and compacted on the way. A query that ends with fewer than k
// rows kept (the estimate was too high; rare) is searched again without it,
// so results stay exact.
#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <functional>
#include <limits>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "invr/error.h"
#include "filtered_search.h"
#include "int8_kernel.h"
#include "invr/retrieval.h"
#include "threads.h"
#include "topk_block.h"

namespace invr {
namespace {
using retrieval::TopkBlock;

// Defaults picked with bench/bench_topk (docs/retrieval.md): a 256 x 256
// product block (256 KiB) stays in L2 between sgemm and the scan together
// with the tails of the candidate lists the scan appends to; a 1 MiB block
// pushed both out and made the appends miss (about 10% slower at k = 1000).
constexpr std::int64_t kDefaultQueryBlock = 256;
constexpr std::int64_t kDefaultBaseBlock = 256;
// Warm-start sample cap, in rows (8% of a 100k-row shard).
constexpr std::int64_t kMaxSampleRows = 8192;
// Fewer queries per sgemm than this and packing the base block dominates.
constexpr std::int64_t kMinQueryBlock = 32;
// Cap on one worker's candidate lists, which grow with k.
constexpr std::int64_t kCandidateBudgetBytes = 64ll << 20;
constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

struct Plan {
  int threads = 1;
  std::int64_t query_block = 1;
  std::int64_t base_block = 1;
  std::int64_t query_blocks = 1;
  std::int64_t shard_rows = 1;
  std::int64_t shards = 1;
  std::int64_t sample_rows = 0;  // warm-start sample per shard; 0 = none
};

Plan make_plan(std::int64_t n, std::int64_t m, int k, const SearchParams& params, bool warm_start) {
  Plan plan;
  plan.threads = resolve_threads(params.threads);
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
  // Sample about 16 expected top-k rows per shard (a tight estimate), in whole
  // product blocks, at most kMaxSampleRows and at most an eighth of the shard.
  const std::int64_t bb = plan.base_block;
  const std::int64_t wanted = ceil_div(16 * plan.shard_rows, std::int64_t{k});
  const std::int64_t max_blocks = std::max<std::int64_t>(1, kMaxSampleRows / bb);
  const std::int64_t sample = std::min(ceil_div(wanted, bb), max_blocks) * bb;
  // A handful of queries (a server's single request) gain little from a warm
  // threshold, while copying the sample rows costs each call as much as
  // scanning them: half a MiB per request at 100k items, dim 16.
  if (warm_start && n >= kMinQueryBlock && sample > 0 && plan.shard_rows >= 8 * sample)
    plan.sample_rows = sample;
  return plan;
}

struct Job {
  MatrixView queries;
  MatrixView base;
  int k;
  Plan plan;
  float* scores;  // n x k, or shards x n x k when sharded
  RowId* ids;
  std::vector<float> samples;  // shards x sample_rows x dim
};

struct Scratch {  // one per worker
  TopkBlock topk;
  TopkBlock sample_topk;
  retrieval::ScratchArray<float> product;
  std::vector<float> sample_scores;
  std::vector<RowId> sample_ids;
  std::vector<std::int64_t> failed;  // queries whose warm start was too high
};

void sgemm_block(const float* queries, std::int64_t rows_q, const float* base, std::int64_t rows_b,
                 std::int64_t dim, float* product) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows_q),
              static_cast<int>(rows_b), static_cast<int>(dim), 1.0f, queries, static_cast<int>(dim),
              base, static_cast<int>(dim), 0.0f, product, static_cast<int>(rows_b));
}

// Starts each query of the block at its warm-start threshold: the rank-th
// best score among the shard's sample rows, found with a small TopkBlock.
void warm_start(const Job& job, std::int64_t shard, std::int64_t q0, std::int64_t rows_q, int rank,
                Scratch& scratch) {
  const std::int64_t s = job.plan.sample_rows;
  const std::int64_t bb = job.plan.base_block;
  const std::int64_t d = job.queries.cols;
  const float* samples = job.samples.data() + shard * s * d;
  scratch.sample_topk.reset(static_cast<int>(rows_q), rank, s);
  for (std::int64_t b0 = 0; b0 < s; b0 += bb) {
    const std::int64_t rows_b = std::min(bb, s - b0);
    sgemm_block(job.queries.row(q0), rows_q, samples + b0 * d, rows_b, d, scratch.product.data());
    for (std::int64_t q = 0; q < rows_q; ++q)
      scratch.sample_topk.offer_row(static_cast<int>(q), scratch.product.data() + q * rows_b, rows_b, b0);
  }
  scratch.sample_scores.resize(static_cast<std::size_t>(rank));
  scratch.sample_ids.resize(static_cast<std::size_t>(rank));
  for (std::int64_t q = 0; q < rows_q; ++q) {
    scratch.sample_topk.finish(static_cast<int>(q), scratch.sample_scores.data(), scratch.sample_ids.data());
    // -inf (too few finite samples) leaves the query without a warm start.
    scratch.topk.start_above(static_cast<int>(q), scratch.sample_scores[static_cast<std::size_t>(rank - 1)]);
  }
}

// One (query block, shard) unit on the calling worker's scratch.
void run_unit(const Job& job, std::int64_t unit, Scratch& scratch) {
  const Plan& plan = job.plan;
  const std::int64_t n = job.queries.rows;
  const std::int64_t d = job.queries.cols;
  const std::int64_t shard = unit % plan.shards;
  const std::int64_t q0 = (unit / plan.shards) * plan.query_block;
  const std::int64_t rows_q = std::min(plan.query_block, n - q0);
  const std::int64_t b_begin = shard * plan.shard_rows;
  const std::int64_t b_end = std::min(job.base.rows, b_begin + plan.shard_rows);
  TopkBlock& topk = scratch.topk;

  topk.reset(static_cast<int>(rows_q), job.k, b_end - b_begin);
  // The last shard may be too short for its sample to help.
  const int rank = plan.sample_rows > 0 ? retrieval::warm_rank(job.k, plan.sample_rows, b_end - b_begin) : 0;
  const bool warm = plan.sample_rows > 0 && b_end - b_begin >= 8 * plan.sample_rows &&
                    rank <= plan.sample_rows / 2;
  if (warm) warm_start(job, shard, q0, rows_q, rank, scratch);
  for (std::int64_t b0 = b_begin; b0 < b_end; b0 += plan.base_block) {
    const std::int64_t rows_b = std::min(plan.base_block, b_end - b0);
    sgemm_block(job.queries.row(q0), rows_q, job.base.row(b0), rows_b, d, scratch.product.data());
    for (std::int64_t q = 0; q < rows_q; ++q)
      topk.offer_row(static_cast<int>(q), scratch.product.data() + q * rows_b, rows_b, b0);
  }
  const std::int64_t out_row = shard * n + q0;  // shard is 0 when unsharded
  for (std::int64_t q = 0; q < rows_q; ++q) {
    if (warm && topk.kept(static_cast<int>(q)) < job.k) scratch.failed.push_back(q0 + q);
    topk.finish(static_cast<int>(q), job.scores + (out_row + q) * job.k,
                job.ids + (out_row + q) * job.k);
  }
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
      scores[q * k + i] = real ? all[static_cast<std::size_t>(i)].first : kMinusInf;
      ids[q * k + i] = real ? all[static_cast<std::size_t>(i)].second : kNoRow;
    }
  }
}

// Runs every unit; returns the queries whose warm start failed.
std::vector<std::int64_t> run_workers(const Job& job) {
  const std::int64_t units = job.plan.query_blocks * job.plan.shards;
  const int workers = static_cast<int>(std::min<std::int64_t>(job.plan.threads, units));
  std::atomic<std::int64_t> next{0};
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(workers));
  std::vector<std::vector<std::int64_t>> failed(static_cast<std::size_t>(workers));
  auto work = [&](int worker) {
    try {
      Scratch scratch;  // belongs to the worker
      scratch.product.ensure(static_cast<std::size_t>(job.plan.query_block * job.plan.base_block));
      for (std::int64_t unit = next++; unit < units; unit = next++) run_unit(job, unit, scratch);
      failed[static_cast<std::size_t>(worker)] = std::move(scratch.failed);
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
  std::vector<std::int64_t> all;
  for (auto& f : failed) all.insert(all.end(), f.begin(), f.end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

void search(MatrixView queries, MatrixView base, int k, float* scores, RowId* ids,
            const SearchParams& params, bool warm);

// Searches the failed queries again, without warm start, over their output rows.
void redo(MatrixView queries, MatrixView base, int k, float* scores, RowId* ids,
          const SearchParams& params, const std::vector<std::int64_t>& failed) {
  const std::int64_t d = queries.cols;
  const auto count = static_cast<std::int64_t>(failed.size());
  std::vector<float> subset(static_cast<std::size_t>(count * d));
  for (std::int64_t i = 0; i < count; ++i)
    std::copy(queries.row(failed[static_cast<std::size_t>(i)]),
              queries.row(failed[static_cast<std::size_t>(i)]) + d, subset.begin() + i * d);
  std::vector<float> sub_scores(static_cast<std::size_t>(count * k));
  std::vector<RowId> sub_ids(sub_scores.size());
  search(MatrixView{subset.data(), count, d}, base, k, sub_scores.data(), sub_ids.data(), params, false);
  for (std::int64_t i = 0; i < count; ++i) {
    const std::int64_t q = failed[static_cast<std::size_t>(i)];
    std::copy(sub_scores.begin() + i * k, sub_scores.begin() + (i + 1) * k, scores + q * k);
    std::copy(sub_ids.begin() + i * k, sub_ids.begin() + (i + 1) * k, ids + q * k);
  }
}

void search(MatrixView queries, MatrixView base, int k, float* scores, RowId* ids,
            const SearchParams& params, bool warm) {
  const std::int64_t n = queries.rows;
  Job job{queries, base, k, make_plan(n, base.rows, k, params, warm), scores, ids, {}};
  const Plan& plan = job.plan;
  if (plan.sample_rows > 0) {
    const std::int64_t s = plan.sample_rows;
    const std::int64_t d = queries.cols;
    job.samples.resize(static_cast<std::size_t>(plan.shards * s * d));
    for (std::int64_t shard = 0; shard < plan.shards; ++shard) {
      const std::int64_t begin = shard * plan.shard_rows;
      const std::int64_t rows = std::min(base.rows, begin + plan.shard_rows) - begin;
      for (std::int64_t i = 0; i < s; ++i)
        std::copy(base.row(begin + i * rows / s), base.row(begin + i * rows / s) + d,
                  job.samples.begin() + (shard * s + i) * d);
    }
  }
  std::vector<std::int64_t> failed;
  if (plan.shards == 1) {
    failed = run_workers(job);
  } else {
    const auto parts = static_cast<std::size_t>(plan.shards * n * k);
    std::vector<float> part_scores(parts);
    std::vector<RowId> part_ids(parts);
    job.scores = part_scores.data();
    job.ids = part_ids.data();
    failed = run_workers(job);
    merge_shards(job, part_scores, part_ids, scores, ids);
  }
  if (!failed.empty()) redo(queries, base, k, scores, ids, params, failed);
}

// exact_search's and ExactSearcher's argument checks (UsageError naming
// `what`); false when there are no queries, so nothing to do.
bool check_exact_arguments(MatrixView queries, MatrixView base, int k, const float* scores,
                           const RowId* ids, std::string_view what) {
  retrieval::check_search_arguments(queries.rows, queries.data, k, scores, ids, what);
  if (queries.rows == 0) return false;
  if (queries.cols != base.cols || queries.cols < 1)
    throw UsageError(fmt::format("{}: queries have {} columns and base has {}; both must be the "
                                 "same, at least 1",
                                 what, queries.cols, base.cols));
  if (base.rows < 0 || (base.rows > 0 && base.data == nullptr))
    throw UsageError(fmt::format("{}: base has {} rows and {} data", what, base.rows,
                                 base.data ? "non-null" : "null"));
  if (base.rows >= (std::int64_t{1} << 32))  // TopkBlock packs ids into 32 bits
    throw UsageError(fmt::format("{}: base has {} rows, more than 2^32 - 1", what, base.rows));
  // The queries only: the base is searched again and again (docs/retrieval.md).
  check_embeddings(queries, "queries");
  return true;
}

}  // namespace

bool exact_int8_filter_supported() { return retrieval::int8_kernel_supported(); }

ExactSearcher::ExactSearcher(MatrixView base, int threads)
    : base_(base), prepared_(retrieval::prepare_base(base, resolve_threads(threads))) {}
ExactSearcher::~ExactSearcher() = default;
ExactSearcher::ExactSearcher(ExactSearcher&&) noexcept = default;
ExactSearcher& ExactSearcher::operator=(ExactSearcher&&) noexcept = default;

void ExactSearcher::search(MatrixView queries, int k, float* scores, RowId* ids,
                           const SearchParams& params) const {
  if (!prepared_ || !retrieval::use_prepared(*prepared_, k, params) || queries.rows == 0) {
    exact_search(queries, base_, k, scores, ids, params);
    return;
  }
  if (!check_exact_arguments(queries, base_, k, scores, ids, "ExactSearcher")) return;
  std::vector<std::int64_t> failed;
  retrieval::filtered_search(queries, base_, *prepared_, k, scores, ids,
                             resolve_threads(params.threads), failed);
  if (!failed.empty()) redo(queries, base_, k, scores, ids, params, failed);
}

void exact_search(MatrixView queries, MatrixView base, int k, float* scores, RowId* ids,
                  const SearchParams& params) {
  if (!check_exact_arguments(queries, base, k, scores, ids, "exact_search")) return;
  const std::int64_t n = queries.rows;
  if (base.rows == 0) {
    std::fill(scores, scores + n * k, kMinusInf);
    std::fill(ids, ids + n * k, kNoRow);
    return;
  }
  // Each worker runs its own sgemm; a threaded OpenBLAS underneath would
  // oversubscribe the cores and serialise on OpenBLAS's level-3 lock. The
  // pool is process-wide, so it is the caller's to set (set_blas_threads).
  retrieval::warn_if_blas_pool_shared(resolve_threads(params.threads));
  if (retrieval::use_int8_filter(n, base.rows, queries.cols, k, params)) {
    std::vector<std::int64_t> failed;
    if (retrieval::filtered_search(queries, base, k, scores, ids, resolve_threads(params.threads),
                                   failed)) {
      // Queries whose candidates the filter could not narrow: sgemm instead.
      if (!failed.empty()) redo(queries, base, k, scores, ids, params, failed);
      return;
    }
  }
  search(queries, base, k, scores, ids, params, true);
}

}  // namespace invr
