// One loader per model kind, declared without LibTorch so model_load.cc (the
// dispatch on the manifest's "kind") stays a light translation unit.
#pragma once

#include <filesystem>
#include <memory>

#include "invr/model.h"
#include "model/model_dir.h"

namespace invr::model {

std::unique_ptr<TwoTowerModel> load_native_model(const std::filesystem::path& dir,
                                                 const Manifest& manifest);
std::unique_ptr<TwoTowerModel> load_torchscript_model(const std::filesystem::path& dir,
                                                      const Manifest& manifest);
std::unique_ptr<TwoTowerModel> load_precomputed_model(const std::filesystem::path& dir,
                                                      const Manifest& manifest);

}  // namespace invr::model
