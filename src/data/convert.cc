// What the three converters share: format names, dispatch, token values and
// the split file.
#include "invr/convert.h"

#include <array>
#include <fstream>

#include <fmt/format.h>

#include "invr/atomic_file.h"
#include "invr/error.h"

namespace invr {
namespace fs = std::filesystem;

namespace {
constexpr std::array<std::string_view, 3> kFormatNames = {"movielens", "lastfm", "gowalla"};
constexpr std::array<std::string_view, 3> kPartNames = {"train", "valid", "test"};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
}  // namespace

std::optional<SourceFormat> parse_source_format(std::string_view name) {
  for (std::size_t i = 0; i < kFormatNames.size(); ++i)
    if (kFormatNames[i] == name) return static_cast<SourceFormat>(i);
  return std::nullopt;
}

std::string_view source_format_name(SourceFormat format) {
  return kFormatNames[static_cast<std::size_t>(format)];
}

std::string source_format_names() {
  std::string out;
  for (auto name : kFormatNames) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

std::string default_dataset_name(const fs::path& in_dir, SourceFormat format) {
  fs::path path = fs::absolute(in_dir).lexically_normal();
  if (!path.has_filename()) path = path.parent_path();  // "dir/" has an empty filename
  std::string name = path.filename().string();
  if (name.empty() || name == "." || name == "..") return std::string(source_format_name(format));
  return name;
}

Dataset convert_dataset(SourceFormat format, const fs::path& in_dir, const ConvertOptions& options) {
  if (format != SourceFormat::movielens && !options.producers.empty())
    throw UsageError(fmt::format("--producers applies to movielens only, not {}",
                                 source_format_name(format)));
  switch (format) {
    case SourceFormat::movielens:
      return convert_movielens(in_dir, options);
    case SourceFormat::lastfm:
      return convert_lastfm(in_dir);
    case SourceFormat::gowalla:
      return convert_gowalla(in_dir);
  }
  INVR_CHECK(false);
  return {};
}

std::string_view split_part_name(std::uint8_t part) {
  if (part >= kPartNames.size())
    throw UsageError(fmt::format("split_part_name: part {} is not a split part (0 to {})", part,
                                 kPartNames.size() - 1));
  return kPartNames[part];
}

std::string normalize_token_value(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char c : text) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back('_');
    pending_space = false;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

void save_split(const Dataset& dataset, const ConvertedSplit& split, const fs::path& dir,
                const std::string& name) {
  const auto& rows = dataset.interactions;
  if (split.part.size() != rows.size())
    throw UsageError(fmt::format("save_split: the split has {} parts for {} interactions",
                                 split.part.size(), rows.size()));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw IoError(fmt::format("cannot create folder {}: {}", dir.string(), ec.message()));
  const fs::path final_path = dir / (name + ".split");
  save_atomically(final_path, [&](const fs::path& temp_path) {
    std::ofstream out(temp_path, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError(fmt::format("cannot write {}", temp_path.string()));
    out << "user_id:token\titem_id:token\tpart:token\n";
    std::string line;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      line = dataset.users.id(rows.user[r]);
      line += '\t';
      line += dataset.items.id(rows.item[r]);
      line += '\t';
      line += split_part_name(split.part[r]);
      line += '\n';
      out << line;
    }
    out.flush();
    if (!out) throw IoError(fmt::format("cannot write {} (disk full?)", final_path.string()));
  });
}

}  // namespace invr
