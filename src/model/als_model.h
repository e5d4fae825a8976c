// The "als" model kind (docs/model.md, "The als kind"): trained item
// factors, users folded in from their history, cold items from content.
// Torch-free.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "invr/model.h"
#include "invr/model_config.h"
#include "invr/model_train.h"
#include "model/core/model_dir.h"

namespace invr::model {

// What an als model directory holds.
struct AlsParts {
  ModelConfig config;
  IdMap items;             // the warm items: rows of item_factors
  Matrix item_factors;     // items × d
  Matrix content_weights;  // (als_content_buckets + 1) × d, als_content.h
  std::vector<float> new_user;  // d: the vector of a user with no history
};

// The model over `parts` (kind "als"): embed_users folds each user in by an
// exact solve against the item factors; embed_items takes a warm item's row
// and predicts any other from its content (or, with cold_start random, draws
// a seeded random vector of the warm rows' scale).
std::unique_ptr<TwoTowerModel> make_als_model(AlsParts parts);

// Implicit ALS trained on the dataset's positives (train_als without the
// directory): the parts, the report and the manifest's training summary.
struct AlsTraining {
  AlsParts parts;
  TrainReport report;
  nlohmann::json info;
};
AlsTraining fit_als(const Dataset& dataset, const ModelConfig& config, bool progress);

// Writes config.toml, item_factors.npy + .ids, content_weights.npy,
// new_user.npy and, last, manifest.json (kind "als", `info`) into dir.
void save_als_model(const std::filesystem::path& dir, const AlsParts& parts,
                    const nlohmann::json& info);

// Reads such a directory; every file is checked (model_dir.h) and an error
// names the file at fault.
std::unique_ptr<TwoTowerModel> load_als_model(const std::filesystem::path& dir,
                                              const Manifest& manifest);

}  // namespace invr::model
