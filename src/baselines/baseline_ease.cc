// EASE baseline (Steck 2019): one closed-form item-item weight matrix. The
// inverse of the Gram matrix is LAPACK's Cholesky (dpotrf + dpotri; on
// Debian, OpenBLAS's LAPACK through the liblapack.so.3 alternative, on as
// many threads as the program set OpenBLAS's pool to: docs/library.md,
// "Threads").
#include <algorithm>
#include <climits>
#include <cmath>

#include <fmt/format.h>

#include "invr/baselines.h"
#include "invr/error.h"
#include "invr/progress.h"

// LAPACK's Fortran interface (Debian ships no lapacke.h with OpenBLAS).
extern "C" {
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info);
void dpotri_(const char* uplo, const int* n, double* a, const int* lda, int* info);
}

namespace invr {

void invert_spd(std::span<double> a, std::size_t n, Progress* progress) {
  if (a.size() != n * n)
    throw UsageError(fmt::format("invert_spd: {} values for an n = {} matrix ({} needed)", a.size(),
                                 n, n * n));
  if (n == 0) return;
  if (n > static_cast<std::size_t>(INT_MAX)) throw UsageError("invert_spd: matrix too large for LAPACK");
  const int size = static_cast<int>(n);
  // Row-major is column-major transposed; for a symmetric matrix that only
  // swaps the triangles: LAPACK's lower triangle is our upper one.
  const char uplo = 'L';
  int info = 0;
  dpotrf_(&uplo, &size, a.data(), &size, &info);
  if (info > 0) throw Error("EASE: Gram matrix is not positive definite (lambda too small?)");
  if (info < 0) throw Error(fmt::format("LAPACK dpotrf: argument {} is invalid", -info));
  if (progress) progress->add(1);
  dpotri_(&uplo, &size, a.data(), &size, &info);
  if (info != 0) throw Error(fmt::format("LAPACK dpotri failed (info {})", info));
  if (progress) progress->add(1);
  // Mirror the computed triangle (row-major upper) into the other.
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j) a[i * n + j] = a[j * n + i];
}

std::string ease_refusal(std::size_t num_items, const EaseParams& params) {
  if (num_items > params.max_items)
    return fmt::format(
        "EASE inverts a dense {0}×{0} matrix (O(items³) time, {1:.1f} GB); more than the "
        "limit of {2} items",
        num_items, 8.0 * static_cast<double>(num_items) * static_cast<double>(num_items) / 1e9,
        params.max_items);
  return "";
}

std::vector<double> ease_weights(const ItemLists& train, std::size_t num_items,
                                 const EaseParams& params) {
  if (const std::string why = ease_refusal(num_items, params); !why.empty()) throw UsageError(why);
  if (!(params.lambda > 0)) throw UsageError("EASE: lambda must be positive");
  const std::size_t n = num_items;
  std::vector<double> weights(n * n, 0.0);
  // G = XᵀX + λI from the per-user item sets.
  for (std::size_t u = 0; u < train.size(); ++u) {
    const auto items = train.list(u);
    for (Index a : items) {
      if (a < 0 || static_cast<std::size_t>(a) >= n)
        throw UsageError(fmt::format("EASE: item index {} is not below {} items", a, n));
      double* row = &weights[static_cast<std::size_t>(a) * n];
      for (Index b : items) row[static_cast<std::size_t>(b)] += 1.0;
    }
  }
  for (std::size_t i = 0; i < n; ++i) weights[i * n + i] += params.lambda;
  Progress progress("ease inverse (factor, invert)", 2);
  invert_spd(weights, n, &progress);
  progress.finish();
  // B = −P / diag(P) column-wise, zero diagonal.
  std::vector<double> diag(n);
  for (std::size_t j = 0; j < n; ++j) diag[j] = weights[j * n + j];
  for (std::size_t i = 0; i < n; ++i) {
    double* row = &weights[i * n];
    for (std::size_t j = 0; j < n; ++j) row[j] = -row[j] / diag[j];
    row[i] = 0.0;
  }
  return weights;
}

ItemLists ease_top_k(const ItemLists& train, std::size_t num_items, std::size_t k,
                     const EaseParams& params) {
  if (k < 1) throw UsageError("EASE: k must be at least 1");
  const std::vector<double> weights = ease_weights(train, num_items, params);
  ItemLists result;
  std::vector<double> scores(num_items);
  for (std::size_t u = 0; u < train.size(); ++u) {
    std::fill(scores.begin(), scores.end(), 0.0);
    for (Index i : train.list(u)) {  // scores = X_u · B
      const double* row = &weights[static_cast<std::size_t>(i) * num_items];
      for (std::size_t j = 0; j < num_items; ++j) scores[j] += row[j];
    }
    result.push_back(top_k_unseen(scores, train.list(u), k));
  }
  return result;
}

}  // namespace invr
