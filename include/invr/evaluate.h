// Offline accuracy of a recommender on a holdout: the protocol behind
// `invr evaluate` (docs/metrics.md, "Model evaluation").
//
// Contract:
//  - A holdout splits a Dataset's interactions into train and test rows; the
//    item and user indices stay those of the Dataset.
//  - A user's relevant set is their distinct positive test items that they
//    had no positive training event on (a recommender never re-recommends a
//    training item, so such items could never be hit). The "cold" relevant
//    set keeps only items with no positive training event by anyone.
//  - Ranked lists are over all items, training items excluded; the same lists
//    are scored against both relevant sets.
//  - Functions are pure; bad input throws (DataError naming file, line and
//    column for a split file; UsageError for bad parameters).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "invr/data.h"
#include "invr/metrics.h"

namespace invr {

struct Holdout {
  Interactions train;
  Interactions test;
  std::string protocol;      // "temporal", "dataset_split" or "random"
  double cutoff = kNoTime;   // temporal: test rows have timestamp >= cutoff
};

struct HoldoutOptions {
  // A NAME.split file (convert.h, save_split): its "train" and "valid" rows
  // train, "test" rows test. Takes precedence over everything below.
  std::optional<std::filesystem::path> split_file;
  // Temporal protocol (data with timestamps): this cutoff if set (e.g. the
  // one the model was trained with), else the one that puts test_fraction of
  // the positive rows in test.
  double cutoff = kNoTime;
  // Also the share of rows held out at random when there are no timestamps.
  double test_fraction = 0.2;
  std::uint64_t seed = 42;  // random protocol only
  // Each user's latest test_fraction of rows instead (user_temporal_split):
  // the holdout of a model validated with validation_split = "user-temporal".
  bool per_user = false;
};

// The split file if given; temporal if the dataset has timestamps; else a
// seeded random holdout where each row is tested with p = test_fraction.
Holdout make_holdout(const Dataset& dataset, const HoldoutOptions& options);

// Part of each interaction row in a NAME.split file, checked row by row
// against the dataset's user and item ids (the file joins NAME.inter by row).
std::vector<std::uint8_t> read_split_parts(const std::filesystem::path& path,
                                           const Dataset& dataset);

// The cutoff `invr train` validated at (positives only, model_train.h), so an
// evaluation can test the model on exactly the events it never trained on.
double positive_cutoff(const Interactions& interactions, double test_fraction);

// What every method is scored against.
struct EvaluationSets {
  ItemLists train_items;    // per user: distinct positive training items, sorted
  ItemLists relevant;       // per user: relevant test items (see contract)
  ItemLists relevant_cold;  // per user: the relevant items nobody trained on
  std::vector<std::uint8_t> cold_item;  // 1 for items without positive training events
  std::size_t cold_test_rows = 0;       // positive test rows whose item is cold
};
EvaluationSets evaluation_sets(const Holdout& holdout, std::size_t num_users,
                               std::size_t num_items);

struct MethodAccuracy {
  AccuracyMetrics overall;
  AccuracyMetrics cold;
};
// ranked holds one list per user (users beyond ranked.size() have no list).
MethodAccuracy score_method(const ItemLists& ranked, const EvaluationSets& sets, std::size_t k);

// From an exact search's ids (rows × width, kNoRow = -1 padding allowed),
// each row's first k ids that are not in that user's training items.
// `users` names the user of each row. One list per user of train_items;
// users not named in `users` get an empty list.
ItemLists unseen_top_k(std::span<const std::int64_t> ids, std::size_t width,
                       std::span<const Index> users, const ItemLists& train_items, std::size_t k);

}  // namespace invr
