// Gowalla in the LightGCN split (train/valid/test.txt) to Dataset; see invr/convert.h.
#include <algorithm>
#include <array>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "data/csv_reader.h"
#include "invr/convert.h"
#include "invr/error.h"
#include "invr/log.h"
#include "invr/progress.h"

namespace invr {
namespace fs = std::filesystem;
using data::CsvOptions;
using data::CsvReader;

namespace {

struct CheckIn {
  std::int64_t user;
  std::int64_t item;
  std::uint8_t part;
};

constexpr std::array<std::string_view, 3> kFiles = {"train.txt", "valid.txt", "test.txt"};

void read_part(const fs::path& path, std::uint8_t part, std::vector<CheckIn>& rows, Progress& progress) {
  const std::string role = fmt::format(
      "the Gowalla {} split {} (one line per user: \"user item item ...\", 0-based ids)",
      split_part_name(part), kFiles[part]);
  // Ids only: no quoting, and nothing to transcode.
  CsvReader reader(path, role, CsvOptions{.delimiter = ' ', .quoted = false, .latin1_fallback = false});
  std::uint64_t reported = 0;
  while (reader.next()) {
    const std::int64_t user = reader.int_field(0, "user id");
    if (user < 0) reader.fail(0, fmt::format("expected a user id >= 0, found {}", user));
    for (std::size_t f = 1; f < reader.size(); ++f) {
      if (reader[f].empty()) continue;  // tolerate doubled or trailing spaces
      const std::int64_t item = reader.int_field(f, "item id");
      if (item < 0) reader.fail(f, fmt::format("expected an item id >= 0, found {}", item));
      rows.push_back({user, item, part});
    }
    if ((reader.line() & 0x3FF) == 0) {
      progress.add(reader.bytes_read() - reported);
      reported = reader.bytes_read();
    }
  }
  progress.add(reader.bytes_total() - reported);
}

}  // namespace

DatasetWithSplit convert_gowalla_with_split(const fs::path& in_dir) {
  std::uint64_t total_bytes = 0;
  for (auto file : kFiles) {
    std::error_code ec;
    auto size = fs::file_size(in_dir / file, ec);
    if (!ec) total_bytes += size;
  }
  std::vector<CheckIn> rows;
  {
    Progress progress("gowalla check-ins", total_bytes, "B");
    for (std::size_t part = 0; part < kFiles.size(); ++part)
      read_part(in_dir / kFiles[part], static_cast<std::uint8_t>(part), rows, progress);
  }

  DatasetWithSplit out;
  Dataset& dataset = out.dataset;
  // Items in numeric id order, so item index == Gowalla id when ids are dense
  // (they are: 0..40980), and results read back without a lookup.
  std::vector<std::int64_t> item_ids;
  item_ids.reserve(rows.size());
  for (const auto& row : rows) item_ids.push_back(row.item);
  std::sort(item_ids.begin(), item_ids.end());
  item_ids.erase(std::unique(item_ids.begin(), item_ids.end()), item_ids.end());
  std::unordered_map<std::int64_t, Index> item_index;
  item_index.reserve(item_ids.size());
  dataset.items.reserve(item_ids.size());
  dataset.producers.reserve(item_ids.size());
  for (std::int64_t id : item_ids) {
    const std::string text = std::to_string(id);
    item_index.emplace(id, dataset.items.add(text));
    // Venues have no producer in this data: each is its own.
    dataset.item_table.push_back(dataset.producers.add("item:" + text), kNoTime, {});
  }

  dataset.interactions.reserve(rows.size());
  out.split.part.reserve(rows.size());
  std::int64_t last_user = -1;
  Index user_index = kNoIndex;
  for (const auto& row : rows) {
    if (row.user != last_user) {  // rows come grouped by user line
      user_index = dataset.users.add(std::to_string(row.user));
      last_user = row.user;
    }
    dataset.interactions.push_back(user_index, item_index.at(row.item), kNoTime, EventType::checkin, 1.0f);
    out.split.part.push_back(row.part);
  }

  dataset.name = default_dataset_name(in_dir, SourceFormat::gowalla);
  std::array<std::size_t, 3> per_part{};
  for (auto part : out.split.part) ++per_part[part];
  invr::logger().info("gowalla: {} users, {} venues, {} check-ins (train {}, valid {}, test {})",
                      dataset.users.size(), dataset.items.size(), dataset.interactions.size(), per_part[0],
                      per_part[1], per_part[2]);
  return out;
}

Dataset convert_gowalla(const fs::path& in_dir) { return std::move(convert_gowalla_with_split(in_dir).dataset); }

}  // namespace invr
