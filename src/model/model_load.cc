// TwoTowerModel::load and train_two_tower: the public entry points. They read
// the manifest here and hand the LibTorch kinds to the plugin.
#include <fmt/format.h>

#include "invr/error.h"
#include "invr/model.h"
#include "invr/model_train.h"
#include "invr/progress.h"
#include "invr/retrieval.h"
#include "model/als_model.h"
#include "model/loaders.h"

namespace invr {
namespace {

// Every model's embeddings meet the magnitude rule (retrieval.h,
// check_embeddings) before the job, the server or the simulator index them:
// weights that make a row of 3e38s would otherwise abort FAISS.
class CheckedModel final : public TwoTowerModel {
 public:
  CheckedModel(std::unique_ptr<TwoTowerModel> model, std::string source)
      : model_(std::move(model)), source_(std::move(source)) {}

  std::string kind() const override { return model_->kind(); }
  std::size_t dim() const override { return model_->dim(); }
  Matrix embed_items(const Dataset& dataset, const EmbedOptions& options) const override {
    return checked(model_->embed_items(dataset, options), "item");
  }
  Matrix embed_users(const Dataset& dataset, const EmbedOptions& options) const override {
    return checked(model_->embed_users(dataset, options), "user");
  }

 private:
  Matrix checked(Matrix rows, const char* what) const {
    check_embeddings(MatrixView{rows.data.data(), static_cast<std::int64_t>(rows.rows),
                                static_cast<std::int64_t>(rows.cols)},
                     fmt::format("{} ({} embeddings)", source_, what));
    return rows;
  }

  std::unique_ptr<TwoTowerModel> model_;
  std::string source_;
};

std::unique_ptr<TwoTowerModel> checked(std::unique_ptr<TwoTowerModel> model,
                                       const std::filesystem::path& dir) {
  if (!model) return model;
  return std::make_unique<CheckedModel>(std::move(model), "model " + dir.string());
}

std::unique_ptr<TwoTowerModel> load_unchecked(const std::filesystem::path& dir) {

  const model::Manifest manifest = model::read_manifest(dir);
  if (manifest.kind == "precomputed") return model::load_precomputed_model(dir, manifest);
  if (manifest.kind == "als") return model::load_als_model(dir, manifest);
  if (manifest.kind == "two-tower") return model::torch_plugin().load_native_model(dir, manifest);
  if (manifest.kind == "torchscript")
    return model::torch_plugin().load_torchscript_model(dir, manifest);
  throw DataError((dir / model::kManifestFile).string(), 0, 0,
                  fmt::format("unknown model kind '{}'; expected two-tower, torchscript, "
                              "precomputed or als",
                              manifest.kind));
}

}  // namespace

std::unique_ptr<TwoTowerModel> TwoTowerModel::load(const std::filesystem::path& dir) {
  return checked(load_unchecked(dir), dir);
}

TrainResult train_two_tower(const Dataset& dataset, const ModelConfig& config,
                            const TrainOptions& options) {
  TrainOptions resolved = options;
  resolved.progress = options.progress && Progress::enabled();
  ModelConfig two_tower = config;
  two_tower.kind = "two-tower";  // what this trains, whatever the caller's kind said
  TrainResult result = model::torch_plugin().train_two_tower(dataset, two_tower, resolved);
  result.model = checked(std::move(result.model), options.out_dir);
  return result;
}

TrainResult train_model(const Dataset& dataset, const ModelConfig& config,
                        const TrainOptions& options) {
  if (config.kind != "als") return train_two_tower(dataset, config, options);
  TrainResult result = train_als(dataset, config, options);
  result.model = checked(std::move(result.model), options.out_dir);
  return result;
}

}  // namespace invr
