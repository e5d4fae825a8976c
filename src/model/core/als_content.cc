#include "model/core/als_content.h"

#include <algorithm>
#include <cmath>

#include "invr/error.h"
#include "model/core/als_solve.h"
#include "model/core/features.h"

namespace invr::model {

ContentFeatures content_features(const Dataset& dataset, std::size_t buckets) {
  ContentFeatures features;
  features.buckets = buckets;
  const auto width = static_cast<std::int64_t>(buckets);
  const ItemTable& table = dataset.item_table;
  std::string token;
  for (std::size_t i = 0; i < dataset.items.size(); ++i) {
    features.feature.push_back(0);
    features.value.push_back(1.0f);
    if (i < table.size()) {
      const Index producer = table.producer[i];
      if (producer >= 0 && static_cast<std::size_t>(producer) < dataset.producers.size()) {
        token = "producer=";
        token += dataset.producers.id(producer);
        features.feature.push_back(static_cast<std::uint32_t>(1 + token_bucket(token, width)));
        features.value.push_back(1.0f);
      }
      const auto tokens = table.item_tokens(static_cast<Index>(i));
      const float weight = tokens.empty() ? 0.0f : 1.0f / std::sqrt(static_cast<float>(tokens.size()));
      for (Index t : tokens) {
        features.feature.push_back(
            static_cast<std::uint32_t>(1 + token_bucket(dataset.tokens.id(t), width)));
        features.value.push_back(weight);
      }
    }
    features.offsets.push_back(features.feature.size());
  }
  return features;
}

Matrix fit_content_regression(const ContentFeatures& features, std::span<const Index> warm,
                              const Matrix& factors, double regularization) {
  INVR_CHECK(warm.size() == factors.rows);
  const std::size_t d = factors.cols;
  Matrix weights(features.buckets + 1, d);
  // Only the features some warm item uses enter the solve; the others' rows
  // stay 0, which is the ridge solution for them.
  std::vector<std::int64_t> compact(features.buckets + 1, -1);
  std::vector<std::uint32_t> used;
  for (Index item : warm)
    for (std::size_t n = features.offsets[item]; n < features.offsets[item + 1]; ++n)
      if (compact[features.feature[n]] < 0) {
        compact[features.feature[n]] = static_cast<std::int64_t>(used.size());
        used.push_back(features.feature[n]);
      }
  const std::size_t m = used.size();
  if (m == 0) return weights;
  std::vector<double> normal(m * m, 0.0), rhs(m * d, 0.0);
  for (std::size_t w = 0; w < warm.size(); ++w) {
    const auto item = static_cast<std::size_t>(warm[w]);
    const float* y = factors.data.data() + w * d;
    for (std::size_t a = features.offsets[item]; a < features.offsets[item + 1]; ++a) {
      const auto row = static_cast<std::size_t>(compact[features.feature[a]]);
      const double fa = features.value[a];
      for (std::size_t b = features.offsets[item]; b < features.offsets[item + 1]; ++b)
        normal[row * m + static_cast<std::size_t>(compact[features.feature[b]])] +=
            fa * features.value[b];
      for (std::size_t k = 0; k < d; ++k) rhs[row * d + k] += fa * y[k];
    }
  }
  for (std::size_t r = 0; r < m; ++r) normal[r * m + r] += regularization;
  INVR_CHECK(cholesky_solve(normal.data(), m, rhs.data(), d));  // regularization > 0
  for (std::size_t r = 0; r < m; ++r)
    for (std::size_t k = 0; k < d; ++k)
      weights.data[used[r] * d + k] = static_cast<float>(rhs[r * d + k]);
  return weights;
}

void predict_from_content(const ContentFeatures& features, Index item, const Matrix& weights,
                          float* out) {
  const std::size_t d = weights.cols;
  std::fill(out, out + d, 0.0f);
  const auto i = static_cast<std::size_t>(item);
  for (std::size_t n = features.offsets[i]; n < features.offsets[i + 1]; ++n) {
    const float* row = weights.data.data() + static_cast<std::size_t>(features.feature[n]) * d;
    for (std::size_t k = 0; k < d; ++k) out[k] += features.value[n] * row[k];
  }
}

}  // namespace invr::model
