// Exact top-k through the int8 filter (filtered_search.h).
//
// Every (query, row) pair's exact score lies within error(q, x) of its
// approximate score a (int8_kernel.h): between lo = a - error and
// hi = a + error. Per query the filter keeps a band of candidates and the
// floor, the k-th largest lo of the rows admitted: at least k rows score at
// least the floor, so a row whose hi is below it cannot be in the top k.
// The scan admits a block's rows by a bound shared by the block (its
// largest |x| and residual), and each admitted row then gets its own lo and
// hi; the band is compacted to the rows whose hi reaches the floor when it
// fills. The survivors are
// scored exactly, in double from the float inputs, and the best k kept. The
// error bounds carry a margin of 1e-5 of the largest possible score, far
// above float rounding, so a dropped row scores strictly below the k kept,
// even after the exact scores are rounded to float.
#include "filtered_search.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <limits>
#include <memory_resource>

#include "common/parallel.h"
#include "int8_kernel.h"

namespace invr::retrieval {
namespace {
constexpr float kMinusInf = -std::numeric_limits<float>::infinity();
constexpr float kPlusInf = std::numeric_limits<float>::infinity();
// Base rows per product block: 1024 rows x 64 queries of float products
// (256 KiB) stay in L2 between the kernel and the scan.
constexpr std::int64_t kBaseBlock = 1024;
constexpr std::int64_t kQueryBlock = 128;
// exact_search quantises the base per call, which pays only with enough
// queries, and the warm start needs kWarmRows rows (8 sample blocks, at
// most an eighth of the base); below either, the filter was measured no
// faster than sgemm (bench_topk, docs/retrieval.md). ExactSearcher, which
// quantises once, takes it for any number of queries.
constexpr std::int64_t kMinQueries = 512;
constexpr std::int64_t kWarmRows = 8 * 8 * 1024;
// Wider rows than this are left to sgemm: the int32 products stay exact in
// float only up to about 1,000 dims, and the bound then loosens.
constexpr std::int64_t kMaxDim = 1024;

struct Band {
  explicit Band(std::pmr::memory_resource* memory) : hi(memory), ids(memory), lower(memory) {}
  std::pmr::vector<float> hi;
  std::pmr::vector<std::uint32_t> ids;
  // Lower bounds of the rows admitted: the k largest so far, then the newer
  // ones; cut back to k, raising the floor, when 4k are held (fewer selections; the floor lags a little).
  std::pmr::vector<float> lower;
  float floor = kMinusInf;
  int count = 0;
  int capacity = 0;
  bool overflow = false;

  void reset(int slots) {
    count = 0;
    overflow = false;
    floor = kMinusInf;
    lower.clear();
    reserve(slots);
  }
  void reserve(int slots) {
    capacity = slots;
    const auto size = static_cast<std::size_t>(slots);
    hi.resize(size);
    ids.resize(size);
  }
};

struct Limits {
  int k;
  int max_capacity;  // candidates per query before the query is given up
};

// The k-th largest lower bound of the rows admitted (-inf with fewer).
float kth_lower(Band& band, int k) {
  if (static_cast<int>(band.lower.size()) < k) return kMinusInf;
  std::nth_element(band.lower.begin(), band.lower.begin() + (k - 1), band.lower.end(),
                   std::greater<>());
  return band.lower[static_cast<std::size_t>(k - 1)];
}

// Once 4k lower bounds are held, raises the floor to the k-th largest and
// keeps only the k largest (kth_lower leaves them first).
void cut_lower(Band& band, int k) {
  if (static_cast<int>(band.lower.size()) < 4 * k) return;
  band.floor = std::max(band.floor, kth_lower(band, k));
  band.lower.resize(static_cast<std::size_t>(k));
}

// Doubles the band's capacity, or gives the query up (overflow) when that
// would pass max_capacity: the caller then searches it again with sgemm.
bool grow(Band& band, const Limits& limits) {
  if (band.capacity * 2 > limits.max_capacity) {
    band.overflow = true;
    band.count = 0;
    return false;
  }
  band.reserve(band.capacity * 2);
  return true;
}

// Drops the rows below the floor; grows the band when it stays over half full.
void compact(Band& band, const Limits& limits) {
  const float floor = band.floor;
  // Branch-free: a pass/fail branch per row mispredicts half the time.
  int kept = 0;
  for (int i = 0; i < band.count; ++i) {
    const auto at = static_cast<std::size_t>(i);
    const float hi = band.hi[at];
    band.hi[static_cast<std::size_t>(kept)] = hi;
    band.ids[static_cast<std::size_t>(kept)] = band.ids[at];
    kept += hi >= floor;
  }
  band.count = kept;
  if (kept > band.capacity / 2) grow(band, limits);
}

// The smallest a / sq a row must beat to be admitted: a / sq >= (floor -
// error) / sq, as a strict test (the kernel keeps values strictly above
// it; hi == floor must pass, ties are settled by id
// after exact scoring). A zero query (scale 0) admits every row.
float admission_threshold(float floor, float error, float scale) {
  return scale > 0.0f ? std::nextafter((floor - error) / scale, kMinusInf) : kMinusInf;
}

// Starts query q's floor at the k-th largest lower bound among the `rows`
// first rows of the first block scanned, before the block is offered:
// otherwise that whole block is admitted. Valid because those rows are
// admitted too (their hi reaches the floor).
void start_floor(Band& band, const float* products, std::int64_t rows, std::int64_t first_row,
                 const QuantizedQueries& qs, std::int64_t q, const QuantizedBase& qbase, int k,
                 std::vector<float>& lower) {
  if (rows < k) return;
  const float scale = qs.scale[static_cast<std::size_t>(q)];
  lower.resize(static_cast<std::size_t>(rows));
  for (std::int64_t j = 0; j < rows; ++j) {
    const auto r = static_cast<std::size_t>(first_row + j);
    lower[static_cast<std::size_t>(j)] =
        products[j] * scale - qs.error(q, qbase.norm[r], qbase.residual[r]);
  }
  std::nth_element(lower.begin(), lower.begin() + (k - 1), lower.end(), std::greater<>());
  band.floor = lower[static_cast<std::size_t>(k - 1)];
}

// Adds the rows the kernel let through (bounds and ids) to query q's band
// and, once 4k lower bounds are held, raises the floor.
void add_hits(Band& band, const float* hi, const float* lo, const std::uint32_t* ids, int count,
              const Limits& limits) {
  if (band.overflow || count == 0) return;
  if (band.count + count > band.capacity) compact(band, limits);
  if (band.overflow) return;
  while (band.count + count > band.capacity)
    if (!grow(band, limits)) return;
  std::copy_n(hi, count, band.hi.data() + band.count);
  std::copy_n(ids, count, band.ids.data() + band.count);
  band.count += count;
  band.lower.insert(band.lower.end(), lo, lo + count);
  cut_lower(band, limits.k);
}

// Per query, the rows of one block that pass, 16 lanes of slack.
constexpr std::int64_t kHitStride = kBaseBlock + kPanelRows;

struct Scratch {  // one per worker, reused across its query blocks
  QuantizedQueries qs;
  std::vector<float> lower, start, threshold;
  std::vector<int> hit_counts;
  // The kernels' outputs for `queries` (padded) queries, in one huge-page
  // buffer: as vectors their fresh 4 KiB pages cost about 520 page faults
  // per worker and call (common/huge_pages.h).
  PackedBytes outputs;
  std::int64_t queries = 0;
  float* product = nullptr;  // queries x kBaseBlock
  float* hit_hi = nullptr;   // queries x kHitStride, and so on
  float* hit_lo = nullptr;
  std::uint32_t* hit_ids = nullptr;
  void reserve(std::int64_t padded) {
    if (padded <= queries) return;
    const auto products = static_cast<std::size_t>(padded * kBaseBlock);
    const auto hits = static_cast<std::size_t>(padded * kHitStride);
    outputs = PackedBytes((products + 3 * hits) * sizeof(float));
    product = reinterpret_cast<float*>(outputs.get());
    hit_hi = product + products;
    hit_lo = hit_hi + hits;
    hit_ids = reinterpret_cast<std::uint32_t*>(hit_lo + hits);
    queries = padded;
  }
  // The bands' vectors, from one huge-page block per worker: as separate
  // vectors the bands of 128 queries cost about 280 page faults per call.
  PackedBytes band_memory;
  std::unique_ptr<std::pmr::monotonic_buffer_resource> band_pool;
  std::vector<Band> bands;
  void reserve_bands(std::int64_t n, int k) {
    if (static_cast<std::int64_t>(bands.size()) >= n) return;
    bands.clear();
    // Room for every band at its starting size twice over (growth beyond
    // it comes from the heap).
    const auto bytes = static_cast<std::size_t>(n) * (4 * static_cast<std::size_t>(k) + 512) * 24;
    band_memory = PackedBytes(bytes);
    band_pool = std::make_unique<std::pmr::monotonic_buffer_resource>(
        band_memory.get(), bytes, std::pmr::new_delete_resource());
    for (std::int64_t q = 0; q < n; ++q) bands.emplace_back(band_pool.get());
  }
  std::vector<std::pair<float, RowId>> exact;
};

// Scores query q's surviving candidates exactly and writes the best k.
// row_ids, when set, maps the base's rows to the caller's ids (before the
// ties are broken, which go by the caller's ids).
void finish(Band& band, const Limits& limits, std::int64_t q, MatrixView queries, MatrixView base,
            const RowId* row_ids, Scratch& scratch, float* out_scores, RowId* out_ids) {
  compact(band, limits);
  auto& exact = scratch.exact;
  exact.clear();
  for (int i = 0; i < band.count; ++i) {
    const std::uint32_t id = band.ids[static_cast<std::size_t>(i)];
    // The rows are scattered over the base: fetch well ahead, every cache
    // line of the row (the first alone left three misses per row).
    if (i + 16 < band.count) {
      const auto* ahead = reinterpret_cast<const char*>(base.row(band.ids[static_cast<std::size_t>(i + 16)]));
      for (std::int64_t byte = 0; byte < base.cols * 4; byte += 64) __builtin_prefetch(ahead + byte);
    }
    exact.emplace_back(static_cast<float>(exact_dot(queries.row(q), base.row(id), base.cols)),
                       row_ids ? row_ids[id] : RowId{id});
  }
  const auto keep = std::min(exact.size(), static_cast<std::size_t>(limits.k));
  const auto better = [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  // Select, then sort only the k kept (cheaper than partial_sort's heap).
  const auto cut = exact.begin() + static_cast<std::ptrdiff_t>(keep);
  if (keep < exact.size()) std::nth_element(exact.begin(), cut - 1, exact.end(), better);
  std::sort(exact.begin(), cut, better);
  for (std::size_t i = 0; i < static_cast<std::size_t>(limits.k); ++i) {
    out_scores[i] = i < keep ? exact[i].first : kMinusInf;
    out_ids[i] = i < keep ? static_cast<RowId>(exact[i].second) : kNoRow;
  }
}


// Segments (blocks of the whole base) in scan order, strided (0, 8, 16, ..., then 1, 9, ...): an
// early look across the whole base raises the floor sooner when the base is
// sorted (by popularity, by norm). Results do not depend on the order.
std::vector<std::int64_t> scan_order(std::int64_t rows) {
  const std::int64_t blocks = (rows + kBaseBlock - 1) / kBaseBlock;
  constexpr std::int64_t kStride = 8;
  std::vector<std::int64_t> order;
  for (std::int64_t first = 0; first < std::min(kStride, blocks); ++first)
    for (std::int64_t b = first; b < blocks; b += kStride) order.push_back(b);
  return order;
}

// Offers blocks order[begin..end) to every band. The first one, unless
// `warm` (the floors were set already), comes as a whole block of products
// and starts the floors; the others come through the kernel's own
// threshold test, so only rows that pass leave registers.
void scan(const PreparedBase& prepared, std::span<const std::int64_t> order, std::size_t begin,
          std::size_t end, bool warm, const Limits& limits, Scratch& scratch, std::int64_t n) {
  const QuantizedBase& qbase = prepared.quantized;
  scratch.threshold.resize(static_cast<std::size_t>(n));
  scratch.hit_counts.resize(static_cast<std::size_t>(n));
  for (std::size_t i = begin; i < end; ++i) {
    const Segment& segment = prepared.segments[static_cast<std::size_t>(order[i])];
    const std::int64_t b0 = segment.first_row;
    const std::int64_t rows = segment.rows;
    if (i == begin && !warm) {
      // The first rows' products start each floor; the block then goes
      // through the kernel's test like any other.
      const std::int64_t first = std::min<std::int64_t>(rows, std::max(256, 8 * limits.k));
      approximate_products(scratch.qs, qbase, b0, first, scratch.product, kBaseBlock);
      for (std::int64_t q = 0; q < n; ++q)
        start_floor(scratch.bands[static_cast<std::size_t>(q)], scratch.product + q * kBaseBlock,
                    first, b0, scratch.qs, q, qbase, limits.k, scratch.lower);
    }
    for (std::int64_t q = 0; q < n; ++q) {
      const Band& band = scratch.bands[static_cast<std::size_t>(q)];
      const float error = scratch.qs.error(q, segment.norm_max, segment.residual_max);
      scratch.threshold[static_cast<std::size_t>(q)] =
          band.overflow ? kPlusInf : admission_threshold(band.floor, error, scratch.qs.scale[static_cast<std::size_t>(q)]);
    }
    std::fill(scratch.hit_counts.begin(), scratch.hit_counts.end(), 0);
    approximate_above(scratch.qs, qbase, b0, rows, scratch.threshold.data(), scratch.hit_hi,
                      scratch.hit_lo, scratch.hit_ids, kHitStride, scratch.hit_counts.data());
    for (std::int64_t q = 0; q < n; ++q)
      add_hits(scratch.bands[static_cast<std::size_t>(q)], scratch.hit_hi + q * kHitStride,
               scratch.hit_lo + q * kHitStride, scratch.hit_ids + q * kHitStride,
               scratch.hit_counts[static_cast<std::size_t>(q)], limits);
  }
}

// One block of queries against the whole base.
//
// Warm start: a streaming floor starts low and admits about k ln(rows / k)
// rows on the way up. So the first kSampleBlocks blocks of the scan order
// (spread over the base) are scanned first for a floor at a rank whose
// count in the whole base is very likely above k, and the full scan starts
// there. If fewer than k rows then reach it, the floor was not a floor and
// the query is searched again without the warm start.
//
// Queries whose band overflowed go to `overflowed` (for sgemm), those whose
// warm start was too high to `missed` (searched again with allow_warm off).
void search_block(MatrixView queries, MatrixView base, const PreparedBase& prepared,
                  std::span<const std::int64_t> order, const RowId* row_ids, const Limits& limits,
                  bool allow_warm, Scratch& scratch, float* scores, RowId* ids,
                  std::vector<std::int64_t>& overflowed, std::vector<std::int64_t>& missed) {
  constexpr std::size_t kSampleBlocks = 8;
  quantize_queries(queries, scratch.qs);
  const std::int64_t n = queries.rows;
  const std::int64_t padded = (n + kKernelQueries - 1) / kKernelQueries * kKernelQueries;
  scratch.reserve(padded);
  scratch.reserve_bands(n, limits.k);
  std::int64_t sample_rows = 0, rows = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::int64_t count = prepared.segments[static_cast<std::size_t>(order[i])].rows;
    rows += count;
    if (i < kSampleBlocks) sample_rows += count;
  }
  const int rank = warm_rank(limits.k, sample_rows, rows);
  const bool warm = allow_warm && rows >= 8 * sample_rows && rank <= sample_rows / 2;
  std::vector<float>& start = scratch.start;
  start.assign(static_cast<std::size_t>(n), kMinusInf);
  if (warm) {
    const Limits sample_limits{rank, limits.max_capacity};
    for (std::int64_t q = 0; q < n; ++q) scratch.bands[static_cast<std::size_t>(q)].reset(4 * rank + 512);
    scan(prepared, order, 0, kSampleBlocks, false, sample_limits, scratch, n);
    for (std::int64_t q = 0; q < n; ++q) {
      Band& band = scratch.bands[static_cast<std::size_t>(q)];
      if (!band.overflow) start[static_cast<std::size_t>(q)] = kth_lower(band, rank);
    }
  }
  for (std::int64_t q = 0; q < n; ++q) {
    Band& band = scratch.bands[static_cast<std::size_t>(q)];
    band.reset(4 * limits.k + 512);
    band.floor = start[static_cast<std::size_t>(q)];
  }
  scan(prepared, order, 0, order.size(), warm, limits, scratch, n);
  for (std::int64_t q = 0; q < n; ++q) {
    Band& band = scratch.bands[static_cast<std::size_t>(q)];
    // The floor must be the k-th largest lower bound of rows kept, not only
    // the warm start's estimate.
    const float kth = kth_lower(band, limits.k);
    if (band.overflow) {
      overflowed.push_back(q);
      continue;
    }
    if (kth < start[static_cast<std::size_t>(q)]) {
      missed.push_back(q);
      continue;
    }
    band.floor = kth;
    finish(band, limits, q, queries, base, row_ids, scratch, scores + q * limits.k,
           ids + q * limits.k);
  }
}

}  // namespace

void add_segments(const QuantizedBase& base, std::int64_t first_row, std::int64_t rows,
                  std::vector<Segment>& out) {
  for (std::int64_t b0 = first_row; b0 < first_row + rows; b0 += kBaseBlock) {
    Segment segment;
    segment.first_row = b0;
    segment.rows = std::min(kBaseBlock, first_row + rows - b0);
    const auto begin = static_cast<std::size_t>(b0);
    const auto end = static_cast<std::size_t>(b0 + segment.rows);
    segment.norm_max = *std::max_element(base.norm.begin() + begin, base.norm.begin() + end);
    segment.residual_max =
        *std::max_element(base.residual.begin() + begin, base.residual.begin() + end);
    out.push_back(segment);
  }
}

int warm_rank(int k, std::int64_t sample, std::int64_t rows) {
  const double expected = static_cast<double>(k) * static_cast<double>(sample) /
                          static_cast<double>(rows);
  return static_cast<int>(std::ceil(expected + 3.0 * std::sqrt(expected) + 2.0));
}

bool use_int8_filter(std::int64_t queries, std::int64_t base_rows, std::int64_t dim, int k,
                     const SearchParams& params) {
  return params.int8_filter && int8_kernel_supported() && queries >= kMinQueries &&
         dim <= kMaxDim && base_rows >= kWarmRows && base_rows >= 8 * static_cast<std::int64_t>(k);
}

std::unique_ptr<PreparedBase> prepare_base(MatrixView base, int threads) {
  if (base.rows < kBaseBlock) return nullptr;
  const std::pair<std::int64_t, std::int64_t> whole[] = {{0, base.rows}};
  std::vector<std::int64_t> segment_begin;
  auto prepared = prepare_runs(base, whole, threads, segment_begin);
  if (prepared) prepared->order = scan_order(base.rows);
  return prepared;
}

std::unique_ptr<PreparedBase> prepare_runs(MatrixView base,
                                           std::span<const std::pair<std::int64_t, std::int64_t>> runs,
                                           int threads, std::vector<std::int64_t>& segment_begin) {
  if (!int8_kernel_supported() || base.cols > kMaxDim) return nullptr;
  auto prepared = std::make_unique<PreparedBase>();
  if (!quantize_base(base, threads, prepared->quantized)) return nullptr;
  segment_begin.assign(1, 0);
  for (const auto& [first_row, rows] : runs) {
    add_segments(prepared->quantized, first_row, rows, prepared->segments);
    segment_begin.push_back(static_cast<std::int64_t>(prepared->segments.size()));
  }
  return prepared;
}

bool use_prepared(const PreparedBase& prepared, int k, const SearchParams& params) {
  return params.int8_filter && prepared.quantized.rows >= 8 * static_cast<std::int64_t>(k);
}

bool filtered_search(MatrixView queries, MatrixView base, int k, float* scores, RowId* ids,
                     int threads, std::vector<std::int64_t>& failed) {
  const auto prepared = prepare_base(base, threads);
  if (!prepared) return false;
  filtered_search(queries, base, *prepared, k, scores, ids, threads, failed);
  return true;
}

void filtered_search(MatrixView queries, MatrixView base, const PreparedBase& prepared, int k,
                     float* scores, RowId* ids, int threads, std::vector<std::int64_t>& failed) {
  const Limits limits{k, std::max(8 * k, 16384)};
  const std::int64_t n = queries.rows;
  // Small enough blocks that every worker gets several.
  const std::int64_t per_worker = (n + 4 * threads - 1) / (4 * static_cast<std::int64_t>(threads));
  const std::int64_t block = std::clamp<std::int64_t>(per_worker, kKernelQueries, kQueryBlock);
  const std::int64_t blocks = (n + block - 1) / block;
  std::vector<std::vector<std::int64_t>> overflowed(static_cast<std::size_t>(blocks));
  std::vector<std::vector<std::int64_t>> missed(static_cast<std::size_t>(blocks));
  std::atomic<std::int64_t> next{0};
  parallel_tasks(static_cast<std::size_t>(std::min<std::int64_t>(threads, blocks)), threads,
                 [&](std::size_t) {
                   Scratch scratch;
                   for (std::int64_t b = next++; b < blocks; b = next++) {
                     const std::int64_t q0 = b * block;
                     const std::int64_t rows = std::min(block, n - q0);
                     const auto at = static_cast<std::size_t>(b);
                     search_block(MatrixView{queries.row(q0), rows, queries.cols}, base,
                                  prepared, prepared.order, nullptr, limits, true, scratch,
                                  scores + q0 * k, ids + q0 * k, overflowed[at], missed[at]);
                     for (auto& q : overflowed[at]) q += q0;
                     for (auto& q : missed[at]) q += q0;
                   }
                 });
  for (const auto& f : overflowed) failed.insert(failed.end(), f.begin(), f.end());
  // The few queries whose warm start overshot: again, from a cold floor, on
  // the quantised base already built (cheaper than sgemm over the floats).
  std::vector<std::int64_t> again;
  for (const auto& m : missed) again.insert(again.end(), m.begin(), m.end());
  if (again.empty()) return;
  const std::int64_t count = static_cast<std::int64_t>(again.size());
  const std::int64_t dim = queries.cols;
  std::vector<float> rows(static_cast<std::size_t>(count * dim));
  for (std::int64_t i = 0; i < count; ++i)
    std::copy_n(queries.row(again[static_cast<std::size_t>(i)]), dim, rows.begin() + i * dim);
  std::vector<float> again_scores(static_cast<std::size_t>(count * k));
  std::vector<RowId> again_ids(again_scores.size());
  std::vector<std::int64_t> again_overflowed, never;
  Scratch scratch;
  search_block(MatrixView{rows.data(), count, dim}, base, prepared, prepared.order, nullptr,
               limits, false, scratch, again_scores.data(), again_ids.data(), again_overflowed,
               never);
  std::vector<bool> gave_up(static_cast<std::size_t>(count), false);
  for (const std::int64_t i : again_overflowed) {
    gave_up[static_cast<std::size_t>(i)] = true;
    failed.push_back(again[static_cast<std::size_t>(i)]);
  }
  for (std::int64_t i = 0; i < count; ++i) {
    if (gave_up[static_cast<std::size_t>(i)]) continue;
    const std::int64_t q = again[static_cast<std::size_t>(i)];
    std::copy_n(again_scores.begin() + i * k, k, scores + q * k);
    std::copy_n(again_ids.begin() + i * k, k, ids + q * k);
  }
  std::sort(failed.begin(), failed.end());
}

bool filtered_search_segments(const float* query, MatrixView base, const PreparedBase& prepared,
                              std::span<const std::int64_t> order, const RowId* row_ids, int k,
                              float* scores, RowId* ids) {
  // Scratch per thread: a server calls this once per request.
  thread_local Scratch scratch;
  const Limits limits{k, std::max(8 * k, 16384)};
  std::vector<std::int64_t> overflowed, missed;
  // No warm start: the caller's order puts the likeliest rows first.
  search_block(MatrixView{query, 1, base.cols}, base, prepared, order, row_ids, limits, false,
               scratch, scores, ids, overflowed, missed);
  return overflowed.empty();
}

}  // namespace invr::retrieval
