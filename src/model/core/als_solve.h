// The kernels of implicit ALS (Hu, Koren and Volinsky, ICDM 2008), torch-free:
// the Gram matrix of the fixed factors, one row's conjugate-gradient step
// (Takács, Pilászy and Tikk, RecSys 2011; the `implicit` library's CG), the
// exact Cholesky solve used to fold a user in, and a whole sweep.
//
// Per row u with counts r_ui > 0 over the fixed factors Y (rows y_i, d wide),
// confidence c_ui = 1 + alpha · r_ui, preference 1 on those items and 0
// elsewhere, the row's factors x_u minimise
//   Σ_i c_ui (p_ui − x_u·y_i)² + lambda |x_u|²
// so (YᵀY + lambda·I + Σ_{i∈u} (c_ui − 1) y_i y_iᵀ) x_u = Σ_{i∈u} c_ui y_i.
// Matrices are row-major float; the kernels allocate nothing, log nothing
// (CONTRIBUTING.md, convention 8) and take their scratch from the caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "invr/data.h"

namespace invr::model {

// Positive-event counts as a sparse row-major matrix: row r's columns are
// column[offsets[r] .. offsets[r + 1]), ascending, each with its count > 0.
struct CountMatrix {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<std::size_t> offsets{0};
  std::vector<Index> column;
  std::vector<float> count;

  std::size_t nnz() const { return column.size(); }
  std::span<const Index> columns_of(std::size_t r) const {
    return {column.data() + offsets[r], column.data() + offsets[r + 1]};
  }
  std::span<const float> counts_of(std::size_t r) const {
    return {count.data() + offsets[r], count.data() + offsets[r + 1]};
  }
  CountMatrix transposed() const;
};

struct AlsSolveParams {
  std::size_t dim = 0;
  float alpha = 10;
  float regularization = 1;
  int cg_steps = 3;
};

// gram (dim × dim, both triangles) = FᵀF of `rows` × dim factors, by
// OpenBLAS's cblas_ssyrk.
void gram_matrix(const float* factors, std::size_t rows, std::size_t dim, float* gram);

// cg_steps conjugate-gradient steps on row x (dim floats, warm start: its
// current value), stopping early once the residual vanishes. scratch holds
// 3 · dim floats. gram is YᵀY without lambda.
void cg_solve_row(const float* gram, const float* fixed, std::span<const Index> columns,
                  std::span<const float> counts, const AlsSolveParams& params, float* x,
                  float* scratch);

// The same system solved exactly (Cholesky in double): x = its solution.
// scratch holds dim · (dim + 1) doubles. A row without columns gets zeros.
void cholesky_solve_row(const float* gram, const float* fixed, std::span<const Index> columns,
                        std::span<const float> counts, const AlsSolveParams& params, float* x,
                        double* scratch);

// Solves a (n × n, symmetric positive definite, row-major; overwritten by
// its Cholesky factor) · X = b (n × m, overwritten by X). False if a is not
// positive definite (numerically).
bool cholesky_solve(double* a, std::size_t n, double* b, std::size_t m);

// One half-sweep: every row of `solved` (counts.rows × dim) refined by
// cg_solve_row against `fixed` (counts.cols × dim), whose Gram matrix it
// computes first. Rows without counts become zero. Rows are independent, so
// the result does not depend on `threads` (0 = all cores).
void als_sweep(const CountMatrix& counts, const float* fixed, float* solved,
               const AlsSolveParams& params, std::int64_t threads);

}  // namespace invr::model
