// check_embeddings: the magnitude rule every embedding meets before an index
// or a search sees it (docs/retrieval.md, "Embedding magnitudes").
#include <immintrin.h>

#include <cmath>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/retrieval.h"
#include "lanes.h"

namespace invr {
namespace {

// Row r's error (a non-finite value or too large a norm), thrown.
[[noreturn]] void reject_row(MatrixView rows, const std::string& source, std::int64_t first_row,
                             std::int64_t r) {
  const std::int64_t cols = rows.cols;
  const float* row = rows.row(r);
  // In double: a float squared cannot overflow it (3.4e38^2 is 1.2e77).
  double squares = 0;
  std::int64_t largest = 0;
  for (std::int64_t c = 0; c < cols; ++c) {
    const float value = row[c];
    if (!std::isfinite(value))
      throw DataError(source, static_cast<std::size_t>(first_row + r + 1),
                      static_cast<std::size_t>(c + 1),
                      fmt::format("row {}, column {} (1-based) is {}: embeddings must be finite",
                                  first_row + r + 1, c + 1,
                                  std::isnan(value) ? "NaN" : "infinite"));
    squares += static_cast<double>(value) * static_cast<double>(value);
    if (std::fabs(value) > std::fabs(row[largest])) largest = c;
  }
  throw DataError(
      source, static_cast<std::size_t>(first_row + r + 1), static_cast<std::size_t>(largest + 1),
      fmt::format("row {} has norm {:.3g} (column {} is {:g}): an embedding's norm must be at "
                  "most {:g}, so that inner products stay finite in float32",
                  first_row + r + 1, std::sqrt(squares), largest + 1, row[largest],
                  kMaxEmbeddingNorm));
}

// A row's sum of squares in double, eight partial sums (vectorisable; the
// order does not matter for a bound this coarse). NaN or infinite when a
// value is.
double squares_of(const float* row, std::int64_t cols) {
  double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::int64_t c = 0;
  for (; c + 8 <= cols; c += 8)
    for (int t = 0; t < 8; ++t) part[t] += static_cast<double>(row[c + t]) * row[c + t];
  for (int t = 0; c + t < cols; ++t) part[t] += static_cast<double>(row[c + t]) * row[c + t];
  return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
}

// The first row from `from` on whose float sum of squares is not below
// `limit` (NaN and infinity included), or rows.rows. AVX-512: a portable
// build otherwise converts every value to double, and this check reads
// every embedding invr topk is given (51 MB in 14 ms before).
__attribute__((target("avx512f")))
std::int64_t first_suspect_avx512(MatrixView rows, std::int64_t from, float limit) {
  const std::int64_t cols = rows.cols;
  for (std::int64_t r = from; r < rows.rows; ++r) {
    const float* row = rows.row(r);
    __m512 sum = _mm512_setzero_ps();
    for (std::int64_t c = 0; c < cols; c += 16) {
      const auto mask = static_cast<__mmask16>(cols - c >= 16 ? 0xffff : (1u << (cols - c)) - 1);
      const __m512 v = _mm512_maskz_loadu_ps(mask, row + c);
      sum = _mm512_fmadd_ps(v, v, sum);
    }
    if (!(retrieval::lanes_sum(sum) < limit)) return r;
  }
  return rows.rows;
}

}  // namespace

void check_embeddings(MatrixView rows, const std::string& source, std::int64_t first_row) {
  // One comparison per row: a NaN or infinity makes the sum of squares NaN
  // or infinite. With AVX-512 a float pass finds the suspects (sums within
  // 1% of the limit or worse) and only they are summed again in double.
  constexpr double kMaxSquares = kMaxEmbeddingNorm * kMaxEmbeddingNorm;
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  if (avx512) {
    const auto limit = static_cast<float>(0.99 * kMaxSquares);
    for (std::int64_t r = 0; (r = first_suspect_avx512(rows, r, limit)) < rows.rows; ++r)
      if (!(squares_of(rows.row(r), rows.cols) <= kMaxSquares)) reject_row(rows, source, first_row, r);
    return;
  }
  for (std::int64_t r = 0; r < rows.rows; ++r)
    if (!(squares_of(rows.row(r), rows.cols) <= kMaxSquares)) reject_row(rows, source, first_row, r);
}

}  // namespace invr
