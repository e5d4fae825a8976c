// What the plugin implements, one function per TorchPluginApi entry.
#pragma once

#include "model/core/torch_plugin_api.h"

namespace invr::model {

std::unique_ptr<TwoTowerModel> load_native_model(const std::filesystem::path& dir,
                                                 const Manifest& manifest);  // native_model.cc
std::unique_ptr<TwoTowerModel> load_torchscript_model(const std::filesystem::path& dir,
                                                      const Manifest& manifest);  // torchscript_model.cc
TrainResult train_native(const Dataset& dataset, const ModelConfig& config,
                         const TrainOptions& options);  // train.cc

}  // namespace invr::model
