// The int8 side of exact search's filter (filtered_search.h): rows quantised
// to int8 with a scale per row, packed for AVX-512 VNNI, and the kernel that
// turns a block of queries x base rows into approximate inner products.
//
// Each row x becomes s * xi with s = max|x| / 127 and xi = round(x / s); the
// exact residual norm |x - s * xi| is kept per row, so the filter can bound
// how far an approximate product is from the exact one (Cauchy-Schwarz):
//   |q.x - (sq qi).(sx xi)| <= |q - sq qi| |x| + |sq qi| |x - sx xi|.
// VPDPBUSD multiplies unsigned by signed bytes, so base rows are stored as
// xi + 128 and each query's 128 * sum(qi) is subtracted afterwards.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/huge_pages.h"
#include "invr/retrieval.h"

namespace invr::retrieval {

// Rows per panel (one 512-bit register of int32 products) and panels per
// kernel call.
constexpr std::int64_t kPanelRows = 16;
constexpr std::int64_t kKernelRows = 64;
// Queries per kernel call.
constexpr std::int64_t kKernelQueries = 4;
// Rows per call of the single-query kernel; the base is padded to it.
constexpr std::int64_t kSingleRows = 256;

// Buffers of the filter: huge pages from 2 MiB (common/huge_pages.h).
using PackedBytes = HugePageBuffer;

// The base, quantised and packed: panel p, group g (dims 4g..4g+3) is 64
// bytes, row p*16 + lane at bytes 4*lane..4*lane+3, each xi + 128. Rows are
// padded with zero rows to a multiple of kSingleRows and dims to a multiple
// of 4.
struct QuantizedBase {
  std::int64_t rows = 0;
  std::int64_t groups = 0;  // ceil(dim / 4)
  PackedBytes packed;
  PackedBytes row_memory;     // holds the three arrays below
  std::span<float> scale;     // per padded row (0 for padding)
  std::span<float> norm;      // |x|, per padded row
  std::span<float> residual;  // |x - s * xi|, per padded row
};

// Quantises base on `threads` threads. Returns false when a row holds a
// non-finite value (the caller then searches without the filter).
bool quantize_base(MatrixView base, int threads, QuantizedBase& out);

// Queries of one block, quantised: per query `groups` words of four signed
// bytes, 128 * sum(qi), the scale, and the weights of a base row's |x| and
// |x - sx xi| in the error bound: error(q, x) = norm_weight * |x| +
// residual_weight * |x - sx xi| bounds |q.x - approximate|, rounding margin
// included (filtered_search.cc). Padded with zero rows to a multiple of
// kKernelQueries.
struct QuantizedQueries {
  std::int64_t rows = 0;
  std::int64_t groups = 0;
  std::vector<std::uint32_t> words;
  std::vector<std::int32_t> offset;
  std::vector<float> scale, norm_weight, residual_weight;
  float error(std::int64_t q, float norm, float residual) const {
    const auto at = static_cast<std::size_t>(q);
    return norm_weight[at] * norm + residual_weight[at] * residual;
  }
};
void quantize_queries(MatrixView queries, QuantizedQueries& out);

// out[q * stride + r - first_row] = approximate q.x / sq (the query's scale
// is left to the caller, which divides its threshold by it) for every query of `qs`
// (padded rows included) and base rows first_row .. first_row + rows - 1,
// where first_row is a multiple of kKernelRows and rows is rounded up to one.
void approximate_products(const QuantizedQueries& qs, const QuantizedBase& base,
                          std::int64_t first_row, std::int64_t rows, float* out, std::int64_t stride);

// The same products, kept only where they pass: for every query q < qs.rows
// and row r in first_row .. first_row + rows - 1 whose a / sq is above
// threshold[q], appends the bounds a + error(q, x) to hi and a - error to
// lo, and r to ids, at slot q * stride + counts[q], and increments
// counts[q]. stride must be at least rows plus kPanelRows (stores are 16
// lanes wide).
void approximate_above(const QuantizedQueries& qs, const QuantizedBase& base,
                       std::int64_t first_row, std::int64_t rows, const float* threshold,
                       float* hi, float* lo, std::uint32_t* ids, std::int64_t stride,
                       int* counts);

// The inner product in double, summed in the same order on every call, so
// a pair's exact score never depends on the block or thread that asked.
double exact_dot(const float* a, const float* b, std::int64_t dim);

// True when this CPU has the kernel's instructions (AVX-512 F, BW, VL, VNNI).
bool int8_kernel_supported();

}  // namespace invr::retrieval
