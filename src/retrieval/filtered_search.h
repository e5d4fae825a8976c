// Exact top-k through an int8 filter: approximate products (int8_kernel.h)
// with a bound on their error pick the candidates, and only those are scored
// exactly. The result is the exact top k, not an approximation: a row is
// dropped only when its largest possible score is below the k-th largest
// smallest possible score of the rows kept (docs/retrieval.md, "The int8
// filter").
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "int8_kernel.h"
#include "invr/retrieval.h"

namespace invr::retrieval {

// A base quantised once for many searches (ExactSearcher), with what the
// scan derives from it.
struct PreparedBase {
  QuantizedBase quantized;
  std::vector<float> norm_max, residual_max;  // per base block
  std::vector<std::int64_t> order;            // blocks in scan order
};

// Rank, in a sample of `sample` rows out of `rows`, whose score starts a
// warm-started floor: the expected number of the sample's rows among the
// top k, plus three standard deviations and 2. Shared by the sgemm path's
// warm start (exact_search.cc) and the filter's.
int warm_rank(int k, std::int64_t sample, std::int64_t rows);

// Null when the filter cannot run on this base (the CPU lacks the kernel,
// rows are too wide or too few, a value is not finite).
std::unique_ptr<PreparedBase> prepare_base(MatrixView base, int threads);

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

}  // namespace invr::retrieval
