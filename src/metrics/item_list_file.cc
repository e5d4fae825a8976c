// Reads a file of item ids, one per line (the treated items of PSEI).
#include <fstream>
#include <string>
#include <string_view>

#include "invr/error.h"
#include "invr/metrics.h"

namespace invr {
namespace {

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

bool is_header(std::string_view line) { return line == "item_id" || line.starts_with("item_id:"); }

}  // namespace

std::vector<Index> read_item_list(const std::filesystem::path& path, const IdMap& items) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot open item list " + path.string());
  std::vector<Index> out;
  std::string line;
  std::size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    const auto id = trim(line);
    if (id.empty()) continue;
    if (line_number == 1 && is_header(id)) continue;
    const Index item = items.find(id);
    if (item == kNoIndex)
      throw DataError(
          path.string(), line_number, 1,
          "unknown item id '" + std::string(id) + "': expected an item_id of the item table");
    out.push_back(item);
  }
  if (in.bad()) throw IoError("error reading item list " + path.string());
  return out;
}

}  // namespace invr
