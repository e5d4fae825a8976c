// check_embeddings: the magnitude rule every embedding meets before an index
// or a search sees it (docs/retrieval.md, "Embedding magnitudes").
#include <cmath>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/retrieval.h"

namespace invr {

void check_embeddings(MatrixView rows, const std::string& source, std::int64_t first_row) {
  const std::int64_t cols = rows.cols;
  for (std::int64_t r = 0; r < rows.rows; ++r) {
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
    if (squares > kMaxEmbeddingNorm * kMaxEmbeddingNorm)
      throw DataError(
          source, static_cast<std::size_t>(first_row + r + 1),
          static_cast<std::size_t>(largest + 1),
          fmt::format("row {} has norm {:.3g} (column {} is {:g}): an embedding's norm must be at "
                      "most {:g}, so that inner products stay finite in float32",
                      first_row + r + 1, std::sqrt(squares), largest + 1, row[largest],
                      kMaxEmbeddingNorm));
  }
}

}  // namespace invr
