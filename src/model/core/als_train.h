// Training implicit ALS on positive-event counts (docs/model.md, "The als
// kind"), torch-free: alternating sweeps of users then items, each row
// refined by a few warm-started conjugate-gradient steps (als_solve.h).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "invr/matrix.h"
#include "invr/model_config.h"
#include "model/core/als_solve.h"
#include "model/core/features.h"

namespace invr::model {

// users × items counts of positive events (r_ui) from the training histories.
CountMatrix count_matrix(const UserHistories& histories, std::size_t num_items);

struct AlsFactors {
  Matrix users;  // count rows × dim
  Matrix items;  // count cols × dim
};

// config.als_iterations sweeps from seeded random factors (SplitMix64 of
// config.seed), each sweep solving the users against the items, then the
// items against the users, on config.threads threads. after_sweep(s), if
// set, runs after sweep s (1-based). A pure function of the counts and the
// settings: the thread count does not change the result.
AlsFactors train_als_factors(const CountMatrix& user_items, const ModelConfig& config,
                             const std::function<void(int)>& after_sweep = {});

// The solver settings of a config.
AlsSolveParams als_solve_params(const ModelConfig& config);

}  // namespace invr::model
