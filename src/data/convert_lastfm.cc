// Last.fm HetRec 2011 (hetrec2011-lastfm-2k) to Dataset; see invr/convert.h for the contract.
#include <algorithm>
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

// HetRec files are tab-separated with no quoting: artist names hold bare quotes.
constexpr CsvOptions kTsv{.delimiter = '\t', .quoted = false};

void require_header(CsvReader& reader, const std::vector<std::string_view>& names) {
  if (reader.expect_header(names)) return;
  std::string expected;
  for (auto name : names) expected += (expected.empty() ? "" : ", ") + std::string(name);
  throw DataError(reader.name(), 0, 0, "empty file: expected a header " + expected);
}

// Artist index by artist id, in artists.dat order.
std::unordered_map<std::int64_t, Index> read_artists(const fs::path& path, Dataset& dataset) {
  CsvReader reader(path, "Last.fm artists file artists.dat (id<TAB>name<TAB>url<TAB>pictureURL)", kTsv);
  require_header(reader, {"id", "name"});
  std::unordered_map<std::int64_t, Index> index;
  while (reader.next()) {
    reader.require_fields(2, "id, name, url, pictureURL");
    const std::int64_t id = reader.int_field(0, "artist id");
    const std::string text = std::to_string(id);
    if (dataset.items.find(text) != kNoIndex)
      reader.fail(0, fmt::format("duplicate artist id {}: expected each artist once", id));
    index.emplace(id, dataset.items.add(text));
  }
  return index;
}

// Tag id -> normalized tag value (tags.dat is ISO-8859-1; the reader transcodes).
std::unordered_map<std::int64_t, std::string> read_tag_names(const fs::path& path) {
  CsvReader reader(path, "Last.fm tags file tags.dat (tagID<TAB>tagValue)", kTsv);
  require_header(reader, {"tagID", "tagValue"});
  std::unordered_map<std::int64_t, std::string> names;
  while (reader.next()) {
    reader.require_fields(2, "tagID, tagValue");
    const std::int64_t id = reader.int_field(0, "tagID");
    if (!names.emplace(id, normalize_token_value(reader[1])).second)
      reader.fail(0, fmt::format("duplicate tagID {}: expected each tag once", id));
  }
  invr::logger().debug("{}: {} tags, {} transcoded from Latin-1", reader.name(), names.size(),
                       reader.transcoded_fields());
  return names;
}

struct TagCount {
  std::int64_t tag;
  std::uint32_t count;
};

// Per item, its tags with assignment counts, most used first (ties: lower tag id).
std::vector<std::vector<TagCount>> count_tags(const fs::path& path,
                                              const std::unordered_map<std::int64_t, Index>& artist_index,
                                              const std::unordered_map<std::int64_t, std::string>& tag_names,
                                              std::size_t item_count) {
  CsvReader reader(path,
                   "Last.fm tag assignments user_taggedartists.dat "
                   "(userID<TAB>artistID<TAB>tagID<TAB>day<TAB>month<TAB>year)",
                   kTsv);
  require_header(reader, {"userID", "artistID", "tagID"});
  std::vector<std::vector<TagCount>> per_item(item_count);
  std::size_t skipped = 0;
  while (reader.next()) {
    reader.require_fields(3, "userID, artistID, tagID, day, month, year");
    const std::int64_t artist = reader.int_field(1, "artistID");
    const std::int64_t tag = reader.int_field(2, "tagID");
    if (!tag_names.contains(tag)) reader.fail(2, fmt::format("tagID {} is not in tags.dat", tag));
    auto item = artist_index.find(artist);
    if (item == artist_index.end()) {
      ++skipped;  // the published set tags some artists it does not list
      continue;
    }
    auto& counts = per_item[static_cast<std::size_t>(item->second)];
    auto it = std::find_if(counts.begin(), counts.end(), [&](const TagCount& c) { return c.tag == tag; });
    if (it == counts.end())
      counts.push_back({tag, 1});
    else
      ++it->count;
  }
  for (auto& counts : per_item)
    std::sort(counts.begin(), counts.end(), [](const TagCount& a, const TagCount& b) {
      return a.count != b.count ? a.count > b.count : a.tag < b.tag;
    });
  if (skipped > 0)
    invr::logger().info("{}: skipped {} tag assignments of artists missing from artists.dat", reader.name(),
                        skipped);
  return per_item;
}

}  // namespace

Dataset convert_lastfm(const fs::path& in_dir) {
  Dataset dataset;
  const auto artist_index = read_artists(in_dir / "artists.dat", dataset);
  const auto tag_names = read_tag_names(in_dir / "tags.dat");
  const auto tag_counts =
      count_tags(in_dir / "user_taggedartists.dat", artist_index, tag_names, dataset.items.size());

  // Each artist is its own producer: the artist made the music.
  std::vector<Index> tokens;
  for (std::size_t i = 0; i < dataset.items.size(); ++i) {
    const Index producer = dataset.producers.add(dataset.items.id(static_cast<Index>(i)));
    tokens.clear();
    for (const TagCount& tag : tag_counts[i]) {
      if (tokens.size() == kLastfmTagsPerArtist) break;
      const std::string& value = tag_names.at(tag.tag);
      if (value.empty()) continue;
      const Index token = dataset.tokens.add("tag=" + value);
      // Two tag ids can normalize to one value; keep the token once.
      if (std::find(tokens.begin(), tokens.end(), token) == tokens.end()) tokens.push_back(token);
    }
    dataset.item_table.push_back(producer, kNoTime, tokens);
  }

  CsvReader listens(in_dir / "user_artists.dat",
                    "Last.fm listening counts user_artists.dat (userID<TAB>artistID<TAB>weight)", kTsv);
  require_header(listens, {"userID", "artistID", "weight"});
  Progress progress("lastfm listens", listens.bytes_total(), "B");
  std::uint64_t reported = 0;
  while (listens.next()) {
    listens.require_fields(3, "userID, artistID, weight");
    const std::int64_t user = listens.int_field(0, "userID");
    const std::int64_t artist = listens.int_field(1, "artistID");
    auto item = artist_index.find(artist);
    if (item == artist_index.end())
      listens.fail(1, fmt::format("artistID {} is not in artists.dat", artist));
    const std::int64_t weight = listens.int_field(2, "weight (listen count)");
    if (weight < 0) listens.fail(2, fmt::format("expected a listen count >= 0, found {}", weight));
    // Listening has no time in this dataset (only tag assignments are dated).
    dataset.interactions.push_back(dataset.users.add(std::to_string(user)), item->second, kNoTime,
                                   EventType::listen, static_cast<float>(weight));
    if ((dataset.interactions.size() & 0x1FFF) == 0) {
      progress.add(listens.bytes_read() - reported);
      reported = listens.bytes_read();
    }
  }
  progress.add(listens.bytes_total() - reported);
  progress.finish();

  dataset.name = default_dataset_name(in_dir, SourceFormat::lastfm);
  invr::logger().info("lastfm: {} users, {} artists, {} listens, {} tag tokens", dataset.users.size(),
                      dataset.items.size(), dataset.interactions.size(), dataset.tokens.size());
  return dataset;
}

}  // namespace invr
