// The model directory's manifest.json: magic, format version, kind, output
// dimension and a checksum per file, so a newer, foreign, truncated or edited
// directory fails on load with an error naming the file (docs/model.md).
// Torch-free.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace invr::model {

inline constexpr const char* kModelMagic = "invr-model";
// Bump when a reader of the previous version could misread the directory.
inline constexpr int kModelFormatVersion = 1;
inline constexpr const char* kManifestFile = "manifest.json";

struct FileCheck {
  std::uint64_t bytes = 0;
  std::uint64_t fnv1a64 = 0;
};

struct Manifest {
  int format_version = kModelFormatVersion;
  std::string kind;  // "two-tower", "torchscript", "precomputed", "als"
  std::size_t dim = 0;  // 0 = not stated (torchscript: found by running the towers)
  std::map<std::string, FileCheck> files;  // optional; checked when present
  nlohmann::json info = nlohmann::json::object();  // free-form (training summary)
};

// Checksums `files` (names inside dir) and writes dir/manifest.json atomically.
void write_manifest(const std::filesystem::path& dir, Manifest manifest,
                    const std::vector<std::string>& files);

// Reads and checks magic and version. A missing manifest is an IoError
// ("not an invr model directory"), a bad one a DataError naming it, a newer
// version an Error saying which version this build reads.
Manifest read_manifest(const std::filesystem::path& dir);

// dir/name after checking it exists and, if the manifest lists it, that its
// size and checksum match. Throws IoError / DataError naming the file.
std::filesystem::path checked_file(const std::filesystem::path& dir, const Manifest& manifest,
                                   const std::string& name);

}  // namespace invr::model
