// EASE baseline (Steck 2019): one closed-form item-item weight matrix. The
// SPD inverse is written here by hand (Cholesky) because the evaluation
// stage does not link LAPACK; every loop runs along rows so it stays
// cache-friendly and vectorisable.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "invr/baselines.h"
#include "invr/error.h"
#include "invr/progress.h"

namespace invr {
namespace {

// Four independent sums: a single running sum is bound by the add latency,
// and without -ffast-math the compiler may not reorder it for us.
double dot(const double* a, const double* b, std::size_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t k = 0;
  for (; k + 4 <= n; k += 4) {
    s0 += a[k] * b[k];
    s1 += a[k + 1] * b[k + 1];
    s2 += a[k + 2] * b[k + 2];
    s3 += a[k + 3] * b[k + 3];
  }
  for (; k < n; ++k) s0 += a[k] * b[k];
  return (s0 + s1) + (s2 + s3);
}

}  // namespace

void invert_spd(std::span<double> a, std::size_t n, Progress* progress) {
  INVR_CHECK(a.size() == n * n);
  auto at = [&](std::size_t i, std::size_t j) -> double& { return a[i * n + j]; };
  // 1. Cholesky G = LLᵀ into the lower triangle: row-by-row dot products.
  for (std::size_t i = 0; i < n; ++i) {
    const double* row_i = &a[i * n];
    for (std::size_t j = 0; j <= i; ++j) {
      const double* row_j = &a[j * n];
      const double sum = at(i, j) - dot(row_i, row_j, j);
      if (i == j) {
        if (!(sum > 0)) throw Error("EASE: Gram matrix is not positive definite (lambda too small?)");
        at(i, i) = std::sqrt(sum);
      } else {
        at(i, j) = sum / at(j, j);
      }
    }
    if (progress) progress->add(i * i / 2);
  }
  // 2. L⁻¹ in place, row i = (e_i − Σ_{k<i} L[i][k] · L⁻¹ row k) / L[i][i].
  std::vector<double> l_row(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::copy(&a[i * n], &a[i * n] + i + 1, l_row.begin());
    double* out = &a[i * n];
    std::fill(out, out + i + 1, 0.0);
    for (std::size_t k = 0; k < i; ++k) {
      const double factor = l_row[k];
      const double* inv_k = &a[k * n];
      for (std::size_t j = 0; j <= k; ++j) out[j] -= factor * inv_k[j];
    }
    out[i] = 1.0;
    const double diag = l_row[i];
    for (std::size_t j = 0; j <= i; ++j) out[j] /= diag;
    if (progress) progress->add(i * i / 2);
  }
  // 3. U = (L⁻¹)ᵀ into the upper triangle, then G⁻¹ = U Uᵀ, whose entry
  // (i, j), i <= j, is the dot of rows i and j of U from column j on. Row i
  // only needs rows >= i, so it can be overwritten once done.
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j) at(j, i) = at(i, j);
  for (std::size_t i = 0; i < n; ++i) {
    const double* row_i = &a[i * n];
    for (std::size_t j = i; j < n; ++j) {
      const double* row_j = &a[j * n];
      at(i, j) = dot(row_i + j, row_j + j, n - j);
    }
    if (progress) progress->add((n - 1 - i) * (n - 1 - i) / 2);
  }
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j) at(i, j) = at(j, i);
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
  std::uint64_t work = 0;  // what invert_spd reports: Σ i²/2 per pass
  for (std::size_t i = 0; i < n; ++i) work += 3 * (i * i / 2);
  Progress progress("ease inverse", work);
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
