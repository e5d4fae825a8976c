// The click truth of a simulation (docs/simulation.md, "Real datasets"):
// P(click | user, item, 0-based position) = relevance(user, item) ×
// examination(position).
//  - A synthetic world: its generator's truth (invr::click_probability).
//  - A dataset: an Oracle fitted on all its interactions scores every
//    (user, item); z = that score's standing among the user's scores over
//    the catalogue, in standard deviations (each family below says how), and
//    relevance = sigmoid(truth.relevance_weight · z + truth.relevance_bias),
//    the weight being --oracle-sharpness and the bias calibrated to
//    --base-ctr. So the sharpness is "logits per standard deviation"
//    whatever the oracle's family.
//
// Contract: user and item indices are the world Dataset's. An Oracle is
// immutable once built; z() and score() are const, thread-safe and allocate
// nothing.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "invr/baselines.h"
#include "invr/model.h"
#include "invr/simulation.h"

namespace invr::simulation {

class Oracle {
 public:
  virtual ~Oracle() = default;
  virtual const char* kind() const = 0;  // "two-tower", "item-knn" or "ease"
  // The family's own score of `item` for `user`.
  virtual double score(Index user, Index item) const = 0;
  // Where the score stands among the user's scores over every item, in
  // standard deviations of a standard normal (0 for a user whose scores are
  // all equal).
  virtual double z(Index user, Index item) const = 0;
};

// Two-tower: score = dot(user row, item row) of the oracle's embeddings
// (rows = dataset users / items); z = (score − mean) / std with the user's
// exact mean and variance over the items, u·μ and uᵀΣu (μ, Σ the items' mean
// and covariance). Dot products of these embeddings are close to normal, so
// this z is close to the normal quantile of the score's rank.
std::unique_ptr<Oracle> two_tower_oracle(Matrix users, Matrix items);

// Item-item: score(u, i) = Σ over u's items j (`user_items`: every logged
// positive, the oracle's fixed view of the user) of w(j, i), with w sparse.
// Item-kNN: w(j, i) = cosine similarity when i is among j's kept neighbours
// (item_knn_neighbours). EASE: the weights of ease_weights(), each item's
// column pruned to its `kept_per_item` largest |w|. These scores are sparse
// and heavy-tailed (on Last.fm a user's best item lies 28 standard
// deviations above their mean), so z is the rank itself made normal:
// z = normal_quantile((items scored below + half the items scored equal) /
// items) (sim_stats.h),
// ranks over the catalogue (the items without a weight scoring 0).
std::unique_ptr<Oracle> item_knn_oracle(const ItemLists& user_items, std::size_t num_items,
                                        const ItemKnnParams& params, int threads);
std::unique_ptr<Oracle> ease_oracle(const ItemLists& user_items, std::size_t num_items,
                                    const EaseParams& params, std::size_t kept_per_item,
                                    int threads);
inline constexpr std::size_t kEaseKeptPerItem = 200;

// sigmoid(truth.relevance_weight · z + truth.relevance_bias): a dataset
// oracle's relevance, the one formula the clicks and the calibration use.
double oracle_relevance(const WorldTruth& truth, double z);

// P(click) of dataset `item` shown to dataset `user` at 0-based `position`:
// the world's oracle when it has one, else invr::click_probability on its
// generator truth (unchanged, so synthetic worlds click as they always did).
double world_click_probability(const SimulationWorld& world, Index user, Index item, int position);

// The model settings a two-tower oracle trains with: the served model's, but
// on every interaction and blind to time (see the .cc).
ModelConfig oracle_model_config(const ModelConfig& served);

// The oracle's own fit (results.json world.oracle.holdout): the family named
// by `kind`, fitted on the rows of `dataset` where test_rows is false, ranks
// every item for each user; Recall@20 against the held-out positives, and
// most-popular's on the same split. A two-tower fit trains with
// oracle_model_config(config.model) into `dir`.
OracleHoldout oracle_holdout(const std::string& kind, const Dataset& dataset,
                             const std::vector<bool>& test_rows, std::string protocol,
                             const SimulationConfig& config, const std::filesystem::path& dir);

// Fits the oracle `kind` ("two-tower", "item-knn", "ease") on every
// interaction of `dataset`; a two-tower oracle's model goes to `dir`.
std::shared_ptr<const Oracle> fit_oracle(const std::string& kind, const Dataset& dataset,
                                         const SimulationConfig& config,
                                         const std::filesystem::path& dir);

}  // namespace invr::simulation
