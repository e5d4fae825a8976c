#include "model/core/model_dir.h"

#include <fstream>

#include <fmt/format.h>

#include "invr/error.h"
#include "model/core/model_files.h"

namespace invr::model {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {
// Streamed: a model's user matrix may be larger than what a job shard holds.
FileCheck check_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot open", path.string()));
  FileCheck check{0, fnv1a64({})};
  std::string block(std::size_t{8} << 20, '\0');
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    check.fnv1a64 = fnv1a64(std::string_view(block.data(), got), check.fnv1a64);
    check.bytes += got;
  }
  return check;
}

// nlohmann reports a byte offset; users want line and column.
std::pair<std::size_t, std::size_t> line_column(const std::string& text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i + 1 < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}
}  // namespace

void write_manifest(const fs::path& dir, Manifest manifest, const std::vector<std::string>& files) {
  json doc;
  doc["magic"] = kModelMagic;
  doc["format_version"] = kModelFormatVersion;
  doc["kind"] = manifest.kind;
  doc["dim"] = manifest.dim;
  doc["created_by"] = "invr 0.1.0";
  json listed = json::object();
  for (const auto& name : files) {
    const FileCheck check = check_of(dir / name);
    listed[name] = {{"bytes", check.bytes}, {"fnv1a64", fmt::format("{:016x}", check.fnv1a64)}};
  }
  doc["files"] = listed;
  doc["info"] = manifest.info;
  write_text_atomically(dir / kManifestFile, doc.dump(2) + "\n");
}

Manifest read_manifest(const fs::path& dir) {
  const fs::path path = dir / kManifestFile;
  if (!fs::exists(path))
    throw IoError(fmt::format("{}: missing: {} is not an invr model directory", path.string(),
                              dir.string()));
  const std::string text = read_whole_file(path);
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    const auto [line, column] = line_column(text, e.byte);
    throw DataError(path.string(), line, column, "not valid JSON");
  }
  auto bad = [&](const std::string& message) -> DataError {
    return DataError(path.string(), 0, 0, message);
  };
  if (!doc.is_object() || !doc.contains("magic") || doc["magic"] != kModelMagic)
    throw bad(fmt::format("expected \"magic\": \"{}\"; this is not an invr model manifest",
                          kModelMagic));
  if (!doc.contains("format_version") || !doc["format_version"].is_number_integer())
    throw bad("expected an integer \"format_version\"");
  Manifest manifest;
  manifest.format_version = doc["format_version"].get<int>();
  if (manifest.format_version > kModelFormatVersion)
    throw Error(fmt::format("{}: model format version {} is newer than this invr reads (up to {}); "
                            "upgrade invr",
                            path.string(), manifest.format_version, kModelFormatVersion));
  if (manifest.format_version < 1) throw bad("\"format_version\" must be at least 1");
  if (!doc.contains("kind") || !doc["kind"].is_string())
    throw bad("expected a string \"kind\" (two-tower, torchscript, precomputed or als)");
  manifest.kind = doc["kind"].get<std::string>();
  if (doc.contains("dim")) {
    if (!doc["dim"].is_number_unsigned()) throw bad("\"dim\" must be a non-negative integer");
    manifest.dim = doc["dim"].get<std::size_t>();
  }
  if (doc.contains("files")) {
    if (!doc["files"].is_object()) throw bad("\"files\" must be an object");
    for (const auto& [name, entry] : doc["files"].items()) {
      if (!entry.is_object() || !entry.contains("bytes") || !entry.contains("fnv1a64") ||
          !entry["bytes"].is_number_unsigned() || !entry["fnv1a64"].is_string())
        throw bad(fmt::format("files.\"{}\" needs \"bytes\" and \"fnv1a64\"", name));
      FileCheck check;
      check.bytes = entry["bytes"].get<std::uint64_t>();
      const auto hex = entry["fnv1a64"].get<std::string>();
      std::size_t used = 0;
      try {
        check.fnv1a64 = std::stoull(hex, &used, 16);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != hex.size() || hex.empty())
        throw bad(fmt::format("files.\"{}\".fnv1a64 must be hexadecimal", name));
      manifest.files[name] = check;
    }
  }
  if (doc.contains("info")) manifest.info = doc["info"];
  return manifest;
}

fs::path checked_file(const fs::path& dir, const Manifest& manifest, const std::string& name) {
  const fs::path path = dir / name;
  if (!fs::exists(path))
    throw IoError(fmt::format("{}: missing from the model directory", path.string()));
  const auto listed = manifest.files.find(name);
  if (listed == manifest.files.end()) return path;
  const FileCheck actual = check_of(path);
  if (actual.bytes != listed->second.bytes)
    throw DataError(path.string(), 0, 0,
                    fmt::format("is {} bytes, the manifest says {}: the file is truncated or was "
                                "replaced",
                                actual.bytes, listed->second.bytes));
  if (actual.fnv1a64 != listed->second.fnv1a64)
    throw DataError(path.string(), 0, 0,
                    "checksum differs from the manifest: the file is corrupt or was edited");
  return path;
}

}  // namespace invr::model
