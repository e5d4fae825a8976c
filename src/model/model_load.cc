// TwoTowerModel::load and train_two_tower: the public entry points. They read
// the manifest here and hand the LibTorch kinds to the plugin.
#include <fmt/format.h>

#include "invr/error.h"
#include "invr/model.h"
#include "invr/model_train.h"
#include "invr/progress.h"
#include "model/loaders.h"

namespace invr {

std::unique_ptr<TwoTowerModel> TwoTowerModel::load(const std::filesystem::path& dir) {
  const model::Manifest manifest = model::read_manifest(dir);
  if (manifest.kind == "precomputed") return model::load_precomputed_model(dir, manifest);
  if (manifest.kind == "two-tower") return model::torch_plugin().load_native_model(dir, manifest);
  if (manifest.kind == "torchscript")
    return model::torch_plugin().load_torchscript_model(dir, manifest);
  throw DataError((dir / model::kManifestFile).string(), 0, 0,
                  fmt::format("unknown model kind '{}'; expected two-tower, torchscript or "
                              "precomputed",
                              manifest.kind));
}

TrainResult train_two_tower(const Dataset& dataset, const ModelConfig& config,
                            const TrainOptions& options) {
  TrainOptions resolved = options;
  resolved.progress = options.progress && Progress::enabled();
  return model::torch_plugin().train_two_tower(dataset, config, resolved);
}

}  // namespace invr
