// Host-side loaders: the precomputed kind (no LibTorch) and the LibTorch
// plugin that provides the other kinds and training.
#pragma once

#include <filesystem>
#include <memory>

#include "invr/model.h"
#include "model/core/model_dir.h"
#include "model/core/torch_plugin_api.h"

namespace invr::model {

std::unique_ptr<TwoTowerModel> load_precomputed_model(const std::filesystem::path& dir,
                                                      const Manifest& manifest);

// Loads libinvr_torch.so once (thread-safe) and returns its API. Looks at
// $INVR_TORCH_PLUGIN, then ../lib/ next to the running executable, then the
// installed library folder (a program built against an installed invr), then
// the build tree. Throws Error naming every path tried if none loads, or
// saying so if invr was built with INVR_WITH_TORCH=OFF.
const TorchPluginApi& torch_plugin();

}  // namespace invr::model
