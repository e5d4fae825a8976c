// Shared helpers for retrieval tests: data generators and the naive reference.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "invr/retrieval.h"

namespace invr::test {

struct TopK {
  std::vector<float> scores;
  std::vector<RowId> ids;
};

// Small integers: every dot product is exact in float whatever the summation
// order, so blocked sgemm and the naive loop agree bit for bit, and ties are common.
inline std::vector<float> integer_matrix(std::int64_t rows, std::int64_t cols, int range,
                                         unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> value(-range, range);
  std::vector<float> m(static_cast<std::size_t>(rows * cols));
  for (auto& x : m) x = static_cast<float>(value(rng));
  return m;
}

inline std::vector<float> gaussian_matrix(std::int64_t rows, std::int64_t cols, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> value(0.0f, 1.0f);
  std::vector<float> m(static_cast<std::size_t>(rows * cols));
  for (auto& x : m) x = value(rng);
  return m;
}

// Points around `clusters` random centres: structure like real embeddings,
// which approximate indexes rely on.
inline std::vector<float> clustered_matrix(std::int64_t rows, std::int64_t cols, int clusters,
                                           unsigned seed) {
  std::vector<float> centres = gaussian_matrix(clusters, cols, seed + 1000);
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 0.3f);
  std::uniform_int_distribution<int> pick(0, clusters - 1);
  std::vector<float> m(static_cast<std::size_t>(rows * cols));
  for (std::int64_t r = 0; r < rows; ++r) {
    const int c = pick(rng);
    for (std::int64_t j = 0; j < cols; ++j)
      m[static_cast<std::size_t>(r * cols + j)] = centres[static_cast<std::size_t>(c * cols + j)] + noise(rng);
  }
  return m;
}

// The obvious algorithm: all scores (summed in double), sorted by score
// desc then id asc, padded with (-inf, kNoRow).
inline TopK naive_topk(const std::vector<float>& queries, const std::vector<float>& base,
                       std::int64_t dim, int k) {
  const std::int64_t n = static_cast<std::int64_t>(queries.size()) / dim;
  const std::int64_t m = static_cast<std::int64_t>(base.size()) / dim;
  TopK out;
  out.scores.assign(static_cast<std::size_t>(n * k), -std::numeric_limits<float>::infinity());
  out.ids.assign(static_cast<std::size_t>(n * k), kNoRow);
  std::vector<std::pair<float, RowId>> all;
  for (std::int64_t q = 0; q < n; ++q) {
    all.clear();
    for (std::int64_t r = 0; r < m; ++r) {
      double s = 0;
      for (std::int64_t j = 0; j < dim; ++j)
        s += static_cast<double>(queries[static_cast<std::size_t>(q * dim + j)]) *
             base[static_cast<std::size_t>(r * dim + j)];
      all.emplace_back(static_cast<float>(s), r);
    }
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
      return a.first > b.first || (a.first == b.first && a.second < b.second);
    });
    for (std::int64_t i = 0; i < std::min<std::int64_t>(k, m); ++i) {
      out.scores[static_cast<std::size_t>(q * k + i)] = all[static_cast<std::size_t>(i)].first;
      out.ids[static_cast<std::size_t>(q * k + i)] = all[static_cast<std::size_t>(i)].second;
    }
  }
  return out;
}

inline TopK run_exact(const std::vector<float>& queries, const std::vector<float>& base,
                      std::int64_t dim, int k, const SearchParams& params = {}) {
  const std::int64_t n = static_cast<std::int64_t>(queries.size()) / dim;
  TopK out;
  out.scores.assign(static_cast<std::size_t>(n * k), 12345.0f);
  out.ids.assign(static_cast<std::size_t>(n * k), 777);
  exact_search(MatrixView{queries.data(), n, dim},
               MatrixView{base.data(), static_cast<std::int64_t>(base.size()) / dim, dim}, k,
               out.scores.data(), out.ids.data(), params);
  return out;
}

// Mean fraction of the true top-k ids found, per query (topk_recall).
inline double recall(const std::vector<RowId>& found, const std::vector<RowId>& truth, int k) {
  return topk_recall(found, truth, k);
}

}  // namespace invr::test
