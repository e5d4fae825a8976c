// TwoTowerModel::load: read the manifest, then hand over to the loader of its kind.
#include <fmt/format.h>

#include "invr/error.h"
#include "invr/model.h"
#include "model/loaders.h"

namespace invr {

const char* cold_start_name(ColdStart mode) {
  return mode == ColdStart::content ? "content" : "random";
}

std::optional<ColdStart> parse_cold_start(std::string_view name) {
  if (name == "random") return ColdStart::random;
  if (name == "content") return ColdStart::content;
  return std::nullopt;
}

double latest_timestamp(const Dataset& dataset) {
  double latest = kNoTime;
  for (double t : dataset.interactions.timestamp)
    if (has_time(t) && (!has_time(latest) || t > latest)) latest = t;
  return latest;
}

std::unique_ptr<TwoTowerModel> TwoTowerModel::load(const std::filesystem::path& dir) {
  const model::Manifest manifest = model::read_manifest(dir);
  if (manifest.kind == "two-tower") return model::load_native_model(dir, manifest);
  if (manifest.kind == "torchscript") return model::load_torchscript_model(dir, manifest);
  if (manifest.kind == "precomputed") return model::load_precomputed_model(dir, manifest);
  throw DataError((dir / model::kManifestFile).string(), 0, 0,
                  fmt::format("unknown model kind '{}'; expected two-tower, torchscript or "
                              "precomputed",
                              manifest.kind));
}

}  // namespace invr
