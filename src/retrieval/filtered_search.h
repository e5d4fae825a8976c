// Exact top-k through an int8 filter: approximate products (int8_kernel.h)
// with a bound on their error pick the candidates, and only those are scored
// exactly. The result is the exact top k, not an approximation: a row is
// dropped only when its largest possible score is below the k-th largest
// smallest possible score of the rows kept (docs/retrieval.md, "The int8
// filter").
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "int8_kernel.h"
#include "invr/retrieval.h"

namespace invr::retrieval {

// A base quantised once for many searches (ExactSearcher), with what the
// scan derives from it.
// A run of base rows the scan offers together, with the bound it admits
// them by: first_row a multiple of kPanelRows, at most 1,024 rows.
struct Segment {
  std::int64_t first_row = 0;
  std::int64_t rows = 0;
  float norm_max = 0;      // largest |x| of its rows
  float residual_max = 0;  // largest |x - sx xi| of its rows
};
struct PreparedBase {
  QuantizedBase quantized;
  std::vector<Segment> segments;    // the base in blocks of 1,024 rows
  std::vector<std::int64_t> order;  // segments in scan order
};

// Splits rows first_row .. first_row + rows - 1 of a quantised base into
// segments of at most 1,024 rows, appended to out with their bounds.
void add_segments(const QuantizedBase& base, std::int64_t first_row, std::int64_t rows,
                  std::vector<Segment>& out);

// Rank, in a sample of `sample` rows out of `rows`, whose score starts a
// warm-started floor: the expected number of the sample's rows among the
// top k, plus three standard deviations and 2. Shared by the sgemm path's
// warm start (exact_search.cc) and the filter's.
int warm_rank(int k, std::int64_t sample, std::int64_t rows);

// Null when the filter cannot run on this base (the CPU lacks the kernel,
// rows are too wide or too few, a value is not finite).
std::unique_ptr<PreparedBase> prepare_base(MatrixView base, int threads);

// A base prepared for filtered_search_segments: quantised whole, with
// segments over each run (first row, rows) of `runs`, in that order (run r's
// segments from segment_begin[r] to segment_begin[r + 1]); order is left
// empty. Each run starts at a multiple of kPanelRows, and 256 rows past the
// last run must exist (the single-query kernel reads whole tiles). Null as
// for prepare_base.
std::unique_ptr<PreparedBase> prepare_runs(MatrixView base,
                                           std::span<const std::pair<std::int64_t, std::int64_t>> runs,
                                           int threads, std::vector<std::int64_t>& segment_begin);
// Whether a prepared base takes this call: the caller did not turn the
// filter off and k is small enough against the rows for a band to pay.
bool use_prepared(const PreparedBase& prepared, int k, const SearchParams& params);

// Whether exact_search takes the filter for this call: the CPU has the
// kernel's instructions, the caller did not turn it off, and there are
// enough queries to pay for quantising the base.
bool use_int8_filter(std::int64_t queries, std::int64_t base_rows, std::int64_t dim, int k,
                     const SearchParams& params);

// Writes the exact top k of every query (scores computed in double, rounded
// once to float; ties by smaller id). Returns false, writing nothing, when a
// base row is not finite. Queries whose band of candidates outgrew its cap
// (base rows whose approximate scores cannot be told apart) are appended to
// `failed` and left for the caller to search without the filter.
bool filtered_search(MatrixView queries, MatrixView base, int k, float* scores, RowId* ids,
                     int threads, std::vector<std::int64_t>& failed);

// The same over a base prepared earlier (any number of queries).
void filtered_search(MatrixView queries, MatrixView base, const PreparedBase& prepared, int k,
                     float* scores, RowId* ids, int threads, std::vector<std::int64_t>& failed);

// One query against only the segments `order` names, in that order (best
// first pays: the floor rises sooner), of a base whose rows were permuted:
// row r of the prepared base is row_ids[r] of the caller's. Writes the
// exact top k of those rows (ids mapped, ties by smaller mapped id; slots
// past their count hold kNoRow and -inf). Returns false, writing nothing,
// when the query's band outgrew its cap (rows it cannot tell apart).
bool filtered_search_segments(const float* query, MatrixView base, const PreparedBase& prepared,
                              std::span<const std::int64_t> order, const RowId* row_ids, int k,
                              float* scores, RowId* ids);

}  // namespace invr::retrieval
