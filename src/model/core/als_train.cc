#include "model/core/als_train.h"

#include <algorithm>
#include <cmath>

#include "common/random.h"

namespace invr::model {

CountMatrix count_matrix(const UserHistories& histories, std::size_t num_items) {
  CountMatrix counts;
  counts.rows = histories.users();
  counts.cols = num_items;
  std::vector<Index> items;
  for (std::size_t u = 0; u < counts.rows; ++u) {
    items.assign(histories.item.begin() + static_cast<std::ptrdiff_t>(histories.offsets[u]),
                 histories.item.begin() + static_cast<std::ptrdiff_t>(histories.offsets[u + 1]));
    std::sort(items.begin(), items.end());
    for (std::size_t n = 0; n < items.size();) {
      std::size_t end = n;
      while (end < items.size() && items[end] == items[n]) ++end;
      counts.column.push_back(items[n]);
      counts.count.push_back(static_cast<float>(end - n));
      n = end;
    }
    counts.offsets.push_back(counts.column.size());
  }
  return counts;
}

AlsSolveParams als_solve_params(const ModelConfig& config) {
  AlsSolveParams params;
  params.dim = static_cast<std::size_t>(config.dim);
  params.alpha = static_cast<float>(config.als_alpha);
  params.regularization = static_cast<float>(config.als_regularization);
  params.cg_steps = static_cast<int>(config.als_cg_steps);
  return params;
}

namespace {
// Uniform in ±0.5/sqrt(d): small, so the first sweep's solve dominates.
Matrix random_factors(std::size_t rows, std::size_t dim, SplitMix64& rng) {
  Matrix factors(rows, dim);
  const double scale = 1.0 / std::sqrt(static_cast<double>(dim));
  for (float& value : factors.data)
    value = static_cast<float>((unit_interval(rng.next()) - 0.5) * scale);
  return factors;
}
}  // namespace

AlsFactors train_als_factors(const CountMatrix& user_items, const ModelConfig& config,
                             const std::function<void(int)>& after_sweep) {
  const AlsSolveParams params = als_solve_params(config);
  const CountMatrix item_users = user_items.transposed();
  SplitMix64 rng(config.seed);
  AlsFactors factors;
  factors.users = random_factors(user_items.rows, params.dim, rng);
  factors.items = random_factors(user_items.cols, params.dim, rng);
  for (int sweep = 1; sweep <= config.als_iterations; ++sweep) {
    als_sweep(user_items, factors.items.data.data(), factors.users.data.data(), params,
              config.threads);
    als_sweep(item_users, factors.users.data.data(), factors.items.data.data(), params,
              config.threads);
    if (after_sweep) after_sweep(sweep);
  }
  return factors;
}

}  // namespace invr::model
