#include "invr/matrix.h"

#include <algorithm>

#include <fmt/format.h>

#include "invr/error.h"

namespace invr {

MatrixView view_of(const Matrix& matrix) {
  return {matrix.data.data(), static_cast<std::int64_t>(matrix.rows),
          static_cast<std::int64_t>(matrix.cols)};
}

Matrix gather_rows(const Matrix& matrix, std::span<const std::int32_t> rows) {
  Matrix out(rows.size(), matrix.cols);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (rows[r] < 0 || static_cast<std::size_t>(rows[r]) >= matrix.rows)
      throw UsageError(fmt::format("gather_rows: rows[{}] = {} is not a row of a {}-row matrix", r,
                                   rows[r], matrix.rows));
    const auto source = matrix.row(static_cast<std::size_t>(rows[r]));
    std::copy(source.begin(), source.end(), out.row(r).begin());
  }
  return out;
}

}  // namespace invr
