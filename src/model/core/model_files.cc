#include "model/core/model_files.h"

#include <sstream>

#include <fmt/format.h>

#include "invr/error.h"

namespace invr::model {
namespace fs = std::filesystem;

std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t seed) {
  std::uint64_t hash = seed;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

void write_id_file(const fs::path& path, const IdMap& ids) {
  std::string text;
  for (const auto& id : ids.ids()) {
    text += id;
    text += '\n';
  }
  write_text_atomically(path, text);
}

std::size_t for_each_id_line(const fs::path& path,
                             const std::function<void(std::size_t, std::string_view)>& visit) {
  const std::string text = read_whole_file(path);
  std::size_t line = 0;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    ++line;
    std::string_view id(text.data() + start, end - start);
    if (!id.empty() && id.back() == '\r') id.remove_suffix(1);
    if (id.empty()) throw DataError(path.string(), line, 1, "expected an id, got an empty line");
    visit(line, id);
    start = end + 1;
  }
  return line;
}

IdMap read_id_file(const fs::path& path) {
  IdMap ids;
  for_each_id_line(path, [&](std::size_t line, std::string_view id) {
    const std::size_t before = ids.size();
    if (static_cast<std::size_t>(ids.add(id)) != before)
      throw DataError(path.string(), line, 1, fmt::format("id '{}' appears twice", id));
  });
  return ids;
}

void write_counts(const fs::path& path, std::span<const std::uint64_t> counts) {
  std::string text;
  for (std::uint64_t count : counts) text += fmt::format("{}\n", count);
  write_text_atomically(path, text);
}

std::vector<std::uint64_t> read_counts(const fs::path& path, std::size_t expected) {
  std::istringstream in(read_whole_file(path));
  std::vector<std::uint64_t> counts;
  std::string line;
  while (std::getline(in, line)) {
    std::size_t used = 0;
    std::uint64_t value = 0;
    try {
      value = std::stoull(line, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != line.size() || line[0] == '-')
      throw DataError(path.string(), counts.size() + 1, 1,
                      fmt::format("expected a non-negative integer, got '{}'", line));
    counts.push_back(value);
  }
  if (counts.size() != expected)
    throw DataError(path.string(), 0, 0,
                    fmt::format("has {} lines, expected {} (one per item)", counts.size(), expected));
  return counts;
}

}  // namespace invr::model
