#include "model/core/als_solve.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>

#include "common/parallel.h"
#include "invr/error.h"

namespace invr::model {
namespace {

float dot(const float* a, const float* b, std::size_t n) {
  float sum = 0;
  for (std::size_t k = 0; k < n; ++k) sum += a[k] * b[k];
  return sum;
}

// out = (G + lambda I) v + Σ_i (c_i − 1)(y_i · v) y_i: the row's system matrix times v.
void system_times(const float* gram, const float* fixed, std::span<const Index> columns,
                  std::span<const float> counts, const AlsSolveParams& params, const float* v,
                  float* out) {
  const std::size_t d = params.dim;
  for (std::size_t i = 0; i < d; ++i) out[i] = dot(gram + i * d, v, d) + params.regularization * v[i];
  for (std::size_t n = 0; n < columns.size(); ++n) {
    const float* y = fixed + static_cast<std::size_t>(columns[n]) * d;
    const float weight = params.alpha * counts[n] * dot(y, v, d);
    for (std::size_t k = 0; k < d; ++k) out[k] += weight * y[k];
  }
}

}  // namespace

CountMatrix CountMatrix::transposed() const {
  CountMatrix t;
  t.rows = cols;
  t.cols = rows;
  t.offsets.assign(cols + 1, 0);
  for (Index c : column) ++t.offsets[static_cast<std::size_t>(c) + 1];
  for (std::size_t c = 0; c < cols; ++c) t.offsets[c + 1] += t.offsets[c];
  t.column.resize(nnz());
  t.count.resize(nnz());
  std::vector<std::size_t> next(t.offsets.begin(), t.offsets.end() - 1);
  // Rows in ascending order, so each transposed row's columns come out ascending.
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t n = offsets[r]; n < offsets[r + 1]; ++n) {
      const std::size_t slot = next[static_cast<std::size_t>(column[n])]++;
      t.column[slot] = static_cast<Index>(r);
      t.count[slot] = count[n];
    }
  return t;
}

void gram_matrix(const float* factors, std::size_t rows, std::size_t dim, float* gram) {
  std::fill(gram, gram + dim * dim, 0.0f);
  if (rows == 0) return;
  cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, static_cast<int>(dim),
              static_cast<int>(rows), 1.0f, factors, static_cast<int>(dim), 0.0f, gram,
              static_cast<int>(dim));
  for (std::size_t i = 0; i < dim; ++i)
    for (std::size_t j = 0; j < i; ++j) gram[i * dim + j] = gram[j * dim + i];
}

void cg_solve_row(const float* gram, const float* fixed, std::span<const Index> columns,
                  std::span<const float> counts, const AlsSolveParams& params, float* x,
                  float* scratch) {
  const std::size_t d = params.dim;
  float* residual = scratch;
  float* direction = scratch + d;
  float* product = scratch + 2 * d;
  // residual = b − A x, with b = Σ c_i y_i.
  system_times(gram, fixed, columns, counts, params, x, product);
  std::fill(residual, residual + d, 0.0f);
  for (std::size_t n = 0; n < columns.size(); ++n) {
    const float* y = fixed + static_cast<std::size_t>(columns[n]) * d;
    const float confidence = 1.0f + params.alpha * counts[n];
    for (std::size_t k = 0; k < d; ++k) residual[k] += confidence * y[k];
  }
  for (std::size_t k = 0; k < d; ++k) residual[k] -= product[k];
  std::copy(residual, residual + d, direction);
  float residual_norm = dot(residual, residual, d);
  for (int step = 0; step < params.cg_steps; ++step) {
    if (!(residual_norm > 1e-20f)) break;
    system_times(gram, fixed, columns, counts, params, direction, product);
    const float curvature = dot(direction, product, d);
    if (!(curvature > 0)) break;
    const float step_size = residual_norm / curvature;
    for (std::size_t k = 0; k < d; ++k) {
      x[k] += step_size * direction[k];
      residual[k] -= step_size * product[k];
    }
    const float next_norm = dot(residual, residual, d);
    const float beta = next_norm / residual_norm;
    for (std::size_t k = 0; k < d; ++k) direction[k] = residual[k] + beta * direction[k];
    residual_norm = next_norm;
  }
}

bool cholesky_solve(double* a, std::size_t n, double* b, std::size_t m) {
  // a = L Lᵀ, L in the lower triangle.
  for (std::size_t j = 0; j < n; ++j) {
    double diagonal = a[j * n + j];
    for (std::size_t k = 0; k < j; ++k) diagonal -= a[j * n + k] * a[j * n + k];
    if (!(diagonal > 0)) return false;
    const double pivot = std::sqrt(diagonal);
    a[j * n + j] = pivot;
    for (std::size_t i = j + 1; i < n; ++i) {
      double sum = a[i * n + j];
      const double* row_i = a + i * n;
      const double* row_j = a + j * n;
      for (std::size_t k = 0; k < j; ++k) sum -= row_i[k] * row_j[k];
      a[i * n + j] = sum / pivot;
    }
  }
  // L y = b, then Lᵀ x = y, for all m right-hand sides at once.
  for (std::size_t i = 0; i < n; ++i) {
    double* row = b + i * m;
    for (std::size_t k = 0; k < i; ++k) {
      const double l = a[i * n + k];
      const double* done = b + k * m;
      for (std::size_t c = 0; c < m; ++c) row[c] -= l * done[c];
    }
    for (std::size_t c = 0; c < m; ++c) row[c] /= a[i * n + i];
  }
  for (std::size_t i = n; i-- > 0;) {
    double* row = b + i * m;
    for (std::size_t k = i + 1; k < n; ++k) {
      const double l = a[k * n + i];
      const double* done = b + k * m;
      for (std::size_t c = 0; c < m; ++c) row[c] -= l * done[c];
    }
    for (std::size_t c = 0; c < m; ++c) row[c] /= a[i * n + i];
  }
  return true;
}

void cholesky_solve_row(const float* gram, const float* fixed, std::span<const Index> columns,
                        std::span<const float> counts, const AlsSolveParams& params, float* x,
                        double* scratch) {
  const std::size_t d = params.dim;
  if (columns.empty()) {
    std::fill(x, x + d, 0.0f);
    return;
  }
  double* a = scratch;
  double* b = scratch + d * d;
  for (std::size_t i = 0; i < d * d; ++i) a[i] = gram[i];
  for (std::size_t i = 0; i < d; ++i) a[i * d + i] += params.regularization;
  std::fill(b, b + d, 0.0);
  for (std::size_t n = 0; n < columns.size(); ++n) {
    const float* y = fixed + static_cast<std::size_t>(columns[n]) * d;
    const double extra = static_cast<double>(params.alpha) * counts[n];
    // Lower triangle only: cholesky_solve reads no other.
    for (std::size_t i = 0; i < d; ++i) {
      const double scaled = extra * y[i];
      double* row = a + i * d;
      for (std::size_t j = 0; j <= i; ++j) row[j] += scaled * y[j];
      b[i] += (1.0 + extra) * y[i];
    }
  }
  // lambda > 0 makes the matrix positive definite; failure is a broken invariant.
  INVR_CHECK(cholesky_solve(a, d, b, 1));
  for (std::size_t i = 0; i < d; ++i) x[i] = static_cast<float>(b[i]);
}

void als_sweep(const CountMatrix& counts, const float* fixed, float* solved,
               const AlsSolveParams& params, std::int64_t threads) {
  const std::size_t d = params.dim;
  std::vector<float> gram(d * d);
  gram_matrix(fixed, counts.cols, d, gram.data());
  constexpr std::size_t kRowsPerTask = 64;
  const std::size_t tasks = (counts.rows + kRowsPerTask - 1) / kRowsPerTask;
  parallel_tasks(tasks, resolve_threads(threads), [&](std::size_t task) {
    std::vector<float> scratch(3 * d);
    const std::size_t end = std::min(counts.rows, (task + 1) * kRowsPerTask);
    for (std::size_t r = task * kRowsPerTask; r < end; ++r) {
      float* x = solved + r * d;
      if (counts.offsets[r] == counts.offsets[r + 1]) {
        std::fill(x, x + d, 0.0f);
        continue;
      }
      cg_solve_row(gram.data(), fixed, counts.columns_of(r), counts.counts_of(r), params, x,
                   scratch.data());
    }
  });
}

}  // namespace invr::model
