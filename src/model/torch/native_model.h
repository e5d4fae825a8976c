// The "two-tower" model kind: invr's own network plus the id maps it was
// trained with. Internal (LibTorch types); the public face is TwoTowerModel.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "invr/model.h"
#include "invr/model_config.h"
#include "model/core/features.h"
#include "model/core/model_dir.h"
#include "model/torch/two_tower_net.h"

namespace invr::model {

// The id maps a model was trained with, and each item's number of training
// positives (0 = a cold item).
struct Vocabulary {
  IdMap users;
  IdMap items;
  IdMap producers;
  std::vector<std::uint64_t> item_count;
};

// Item embeddings [rows, d] for every catalog item at reference time `as_of`
// (kNoTime = unknown ages). Cold items follow `cold_start`; items the model
// does not know get, in random mode, a N(0, 1) id vector seeded by their id.
// Runs without gradients, in batches.
torch::Tensor embed_catalog(TwoTowerNet& net, const ItemCatalog& catalog, const IdMap& item_ids,
                            std::span<const std::uint64_t> item_count, ColdStart cold_start,
                            double as_of, std::uint64_t seed);

// User embeddings [users.size(), d]: each user's events before `cutoff`
// (kNoTime = all), event ages measured at `reference_time`.
torch::Tensor embed_histories(TwoTowerNet& net, const UserHistories& histories,
                              std::span<const Index> users, double cutoff,
                              double reference_time, std::span<const std::int64_t> item_input_id,
                              std::int64_t history_length);

class NativeModel final : public TwoTowerModel {
 public:
  NativeModel(ModelConfig config, Vocabulary vocabulary, TwoTowerNet net);

  // Writes weights, config, id maps, counts and (last) the manifest.
  void save(const std::filesystem::path& dir, const nlohmann::json& info) const;
  static std::unique_ptr<NativeModel> load(const std::filesystem::path& dir,
                                           const Manifest& manifest);

  std::string kind() const override { return "two-tower"; }
  std::size_t dim() const override { return static_cast<std::size_t>(config_.dim); }
  Matrix embed_items(const Dataset& dataset, const EmbedOptions& options) const override;
  Matrix embed_users(const Dataset& dataset, const EmbedOptions& options) const override;

 private:
  ModelConfig config_;
  Vocabulary vocabulary_;
  // Forward passes do not change the module; LibTorch's API is just not const.
  mutable TwoTowerNet net_;
};

// Writes a complete "two-tower" model directory: config, id maps, counts,
// weights and, last, the manifest (whose checksums cover the others).
void save_model_dir(const std::filesystem::path& dir, const ModelConfig& config,
                    const Vocabulary& vocabulary, TwoTowerNet& net, const nlohmann::json& info);

// Weights file I/O with LibTorch errors turned into invr errors naming the file.
void save_weights(TwoTowerNet& net, const std::filesystem::path& path);
void load_weights(TwoTowerNet& net, const std::filesystem::path& path);

}  // namespace invr::model
