// check_embeddings: the magnitude rule every embedding meets before an index
// or a search sees it (docs/retrieval.md, "Embedding magnitudes").
#include <cmath>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/retrieval.h"

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

}  // namespace

void check_embeddings(MatrixView rows, const std::string& source, std::int64_t first_row) {
  // Fast pass, branch-free per value: a NaN or infinity makes the sum of
  // squares NaN or infinite, so one comparison per row finds every bad row.
  // Eight partial sums let the compiler vectorise (the sum's order does not
  // matter for a bound this coarse).
  constexpr double kMaxSquares = kMaxEmbeddingNorm * kMaxEmbeddingNorm;
  const std::int64_t cols = rows.cols;
  for (std::int64_t r = 0; r < rows.rows; ++r) {
    const float* row = rows.row(r);
    double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::int64_t c = 0;
    for (; c + 8 <= cols; c += 8)
      for (int t = 0; t < 8; ++t) part[t] += static_cast<double>(row[c + t]) * row[c + t];
    for (int t = 0; c + t < cols; ++t) part[t] += static_cast<double>(row[c + t]) * row[c + t];
    const double squares = ((part[0] + part[1]) + (part[2] + part[3])) +
                           ((part[4] + part[5]) + (part[6] + part[7]));
    if (!(squares <= kMaxSquares)) reject_row(rows, source, first_row, r);
  }
}

}  // namespace invr
