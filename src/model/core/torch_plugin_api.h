// The interface between the model stage and its LibTorch half, which is built
// as a plugin (libinvr_torch.so, src/model/torch/) and loaded on first use.
// Why a plugin: Debian's LibTorch drags in ~290 shared libraries (OpenCV, Qt,
// FFmpeg, ...) whose start-up costs about a second of CPU per process; every
// invr command and test binary that never runs a network would pay it.
//
// The plugin links its own copies of the torch-free invr code (hidden, so
// nothing interposes) and returns objects the host owns through the public
// TwoTowerModel interface; it is never unloaded.
#pragma once

#include <filesystem>
#include <memory>

#include "invr/model.h"
#include "invr/model_train.h"
#include "model/core/model_dir.h"

namespace invr::model {

struct TorchPluginApi {
  std::unique_ptr<TwoTowerModel> (*load_native_model)(const std::filesystem::path& dir,
                                                      const Manifest& manifest);
  std::unique_ptr<TwoTowerModel> (*load_torchscript_model)(const std::filesystem::path& dir,
                                                           const Manifest& manifest);
  // options.progress is final: the plugin's copy of Progress::enabled() is not consulted.
  TrainResult (*train_two_tower)(const Dataset& dataset, const ModelConfig& config,
                                 const TrainOptions& options);
};

// The plugin's one exported symbol: extern "C" const TorchPluginApi* NAME().
// The version suffix changes whenever TorchPluginApi or a type it passes does.
inline constexpr const char* kTorchPluginEntry = "invr_torch_plugin_v1";
using TorchPluginEntry = const TorchPluginApi* (*)();

}  // namespace invr::model
