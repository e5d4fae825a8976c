// Row-major float matrices, the one representation of embeddings everywhere:
// Matrix owns its rows (what the model returns and the job compacts),
// MatrixView borrows them (what retrieval searches).
//
// Contract:
//  - Row r is data[r * cols, (r + 1) * cols); rows × cols floats, no padding.
//  - A MatrixView is valid while the memory it borrows lives; it never owns.
//  - gather_rows copies; a row index out of range throws UsageError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace invr {

// A borrowed row-major float matrix; valid while its owner lives.
struct MatrixView {
  const float* data = nullptr;
  std::int64_t rows = 0;
  std::int64_t cols = 0;

  const float* row(std::int64_t i) const { return data + i * cols; }
};

struct Matrix {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<float> data;  // rows × cols, row-major

  Matrix() = default;
  Matrix(std::size_t r, std::size_t c) : rows(r), cols(c), data(r * c, 0.0f) {}
  std::span<float> row(std::size_t r) { return {data.data() + r * cols, cols}; }
  std::span<const float> row(std::size_t r) const { return {data.data() + r * cols, cols}; }
};

// A borrowed view of a whole matrix.
MatrixView view_of(const Matrix& matrix);

// The rows of `matrix` listed in `rows` (dataset indices), in that order.
Matrix gather_rows(const Matrix& matrix, std::span<const std::int32_t> rows);

}  // namespace invr
