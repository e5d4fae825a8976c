// Turning a Dataset into training examples and a validation set, without
// LibTorch: the temporal holdout, each example's history, the log-Q
// correction and the most-popular baseline.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "invr/data.h"
#include "invr/metrics.h"
#include "invr/model_config.h"
#include "model/core/features.h"

namespace invr::model {

// The position-th positive of `user` (0-based, time order): its history is
// the user's positives [0, position).
struct Example {
  Index user;
  std::uint32_t position;
};

struct ValidationSet {
  double cutoff = kNoTime;          // histories use training events before it
  double reference_time = kNoTime;  // item and event ages are measured here
  std::vector<Index> users;         // users with a relevant item (sampled), ascending
  ItemLists relevant;               // per validation user: held-out items not in `seen`
  ItemLists seen;                   // per validation user: their training items (excluded)

  bool empty() const { return users.empty(); }
};

struct TrainingData {
  UserHistories histories;                // training positives only
  // config.train_history resolved: an example's history is a sample of the
  // user's other positives (true) or the positives before it (false).
  bool set_histories = false;
  std::vector<Example> examples;          // in time order
  std::vector<std::uint64_t> item_count;  // training positives per dataset item
  std::vector<float> log_q;               // per item input id: log(count / total); [0] unused
  ValidationSet validation;

  Index example_item(const Example& e) const {
    return histories.item[histories.offsets[e.user] + e.position];
  }
  double example_time(const Example& e) const {
    return histories.time[histories.offsets[e.user] + e.position];
  }
};

// validation_fraction of the positives is held out by validation_protocol
// (temporal_split at temporal_cutoff, user_temporal_split or random_split);
// validation users are a seeded sample of at most max_validation_users.
TrainingData prepare_training_data(const Dataset& dataset, const ModelConfig& config);

// Writes the training examples and everything a batch is built from as .npy
// files in `dir` (created), so bench/bench_train.py trains PyTorch on exactly
// invr's examples (docs/model.md, "Training throughput"). Times are float64
// stored bit-for-bit in int64 arrays (write_npy has no float64): in NumPy,
// np.load(...).view(np.float64); NaN = no time.
void write_training_dump(const TrainingData& data, const ItemCatalog& catalog,
                         std::size_t num_producers, const std::filesystem::path& dir);

// Recall@k of recommending every validation user the k most popular training
// items they have not seen: the baseline the model must beat.
double popularity_recall(const TrainingData& data, std::size_t k);

}  // namespace invr::model
