// Cold items of the als kind: item factors predicted from content by a ridge
// regression fitted on the warm items (docs/model.md, "The als kind").
//
// An item's features: an intercept (feature 0, value 1), its producer as the
// token "producer=ID" and each content token "column=value", hashed
// (token_bucket, FNV-1a) into `buckets` features 1..buckets; the producer
// weighs 1 and each of an item's n tokens 1/sqrt(n). The weights W
// ((buckets + 1) × d) minimise Σ_warm |f_i W − y_i|² + mu |W|², solved in
// closed form over the features the warm items use. An item with no content
// gets the intercept row: the mean direction of the warm items.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "invr/data.h"
#include "invr/matrix.h"

namespace invr::model {

struct ContentFeatures {
  std::size_t buckets = 0;                // features are 0 (intercept) .. buckets
  std::vector<std::size_t> offsets{0};    // CSR over dataset items
  std::vector<std::uint32_t> feature;
  std::vector<float> value;
};
ContentFeatures content_features(const Dataset& dataset, std::size_t buckets);

// W for the items `warm` (dataset indices) whose factors are the rows of
// `factors` (warm.size() × d, same order).
Matrix fit_content_regression(const ContentFeatures& features, std::span<const Index> warm,
                              const Matrix& factors, double regularization);

// out (d floats) = f_item W.
void predict_from_content(const ContentFeatures& features, Index item, const Matrix& weights,
                          float* out);

}  // namespace invr::model
