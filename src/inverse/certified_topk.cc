#include "certified_topk.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace invr::inverse {
namespace {
constexpr float kMinusInf = -std::numeric_limits<float>::infinity();
constexpr double kUnitRoundoff = 0x1p-24;  // float
}  // namespace

float exact_dot(const float* a, const float* b, std::int64_t dim) {
  double sum = 0;
  for (std::int64_t i = 0; i < dim; ++i) sum += static_cast<double>(a[i]) * b[i];
  return static_cast<float>(sum);
}

double max_row_norm(MatrixView rows) {
  double largest = 0;
  for (std::int64_t r = 0; r < rows.rows; ++r) {
    double squares = 0;
    for (std::int64_t c = 0; c < rows.cols; ++c) {
      const double x = rows.row(r)[c];
      squares += x * x;
    }
    largest = std::max(largest, squares);
  }
  return std::sqrt(largest);
}

double score_error_bound(std::int64_t dim, double query_norm, double max_norm) {
  const double n_u = static_cast<double>(dim + 2) * kUnitRoundoff;
  // Cauchy-Schwarz bounds Σ|q_i·y_i| by |q|·|y|; the tiny floor covers
  // denormal products.
  return 2 * n_u / (1 - n_u) * query_norm * max_norm * (1 + 1e-6) + 1e-30;
}

bool rescore_top_k(const float* query, MatrixView users, const RowId* pool_ids,
                   const float* pool_scores, std::int64_t pool, std::int64_t k,
                   double error_bound, RowId* out_ids, float* out_scores,
                   std::vector<std::pair<float, RowId>>& scratch) {
  scratch.clear();
  for (std::int64_t j = 0; j < pool; ++j) {
    if (pool_ids[j] == kNoRow) continue;
    scratch.emplace_back(exact_dot(query, users.row(pool_ids[j]), users.cols), pool_ids[j]);
  }
  const auto keep = std::min<std::int64_t>(k, static_cast<std::int64_t>(scratch.size()));
  std::partial_sort(scratch.begin(), scratch.begin() + keep, scratch.end(),
                    [](const auto& a, const auto& b) {
                      return a.first != b.first ? a.first > b.first : a.second < b.second;
                    });
  for (std::int64_t j = 0; j < k; ++j) {
    const bool has = j < keep;
    out_ids[j] = has ? scratch[static_cast<std::size_t>(j)].second : kNoRow;
    out_scores[j] = has ? scratch[static_cast<std::size_t>(j)].first : kMinusInf;
  }
  if (pool >= users.rows) return true;  // every row was rescored
  if (keep < k) return false;
  // Outsiders' true scores are at most worst + bound; their float rounding
  // must stay strictly below the k-th score, so leave one ulp as well.
  const float kth = out_scores[k - 1];
  const double below_kth =
      static_cast<double>(std::nextafter(kth, kMinusInf));
  return static_cast<double>(pool_scores[pool - 1]) + error_bound < below_kth;
}

}  // namespace invr::inverse
