// The NAME.inter reader: the one hot loop of loading, kept free of per-row
// allocation (fields are views into the read buffer, ids go through
// FastIdIndex, consecutive rows of one user skip the hash entirely).
#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "data/atomic_header.h"
#include "data/atomic_load.h"
#include "data/text_reader.h"
#include "invr/error.h"
#include "invr/progress.h"

namespace invr::data {
namespace {

constexpr std::size_t kNone = std::string_view::npos;
constexpr std::string_view kInterColumns =
    "user_id:token, item_id:token, timestamp:float, event_type:token, and one of rating:float, "
    "weight:float, value:float";
constexpr std::uint64_t kProgressMinBytes = 64ull << 20;
constexpr std::size_t kProgressStepBytes = 4u << 20;
// user, item, timestamp, event and one value column: map_columns allows no more.
constexpr std::size_t kMaxInterColumns = 5;
constexpr std::size_t kBatchRows = 16;

// Which header column feeds which Interactions field.
struct InterColumns {
  std::size_t user = kNone, item = kNone, timestamp = kNone, event = kNone, value = kNone;
};

InterColumns map_columns(const TextReader& reader, const std::vector<HeaderColumn>& header) {
  InterColumns c;
  for (std::size_t i = 0; i < header.size(); ++i) {
    const HeaderColumn& column = header[i];
    const std::string_view name = column.name;
    if (name == "user_id") {
      require_type(reader, column, AtomicType::token);
      c.user = i;
    } else if (name == "item_id") {
      require_type(reader, column, AtomicType::token);
      c.item = i;
    } else if (name == "timestamp") {
      require_type(reader, column, AtomicType::float_number);
      c.timestamp = i;
    } else if (name == "event_type") {
      require_type(reader, column, AtomicType::token);
      c.event = i;
    } else if (name == "rating" || name == "weight" || name == "value") {
      require_type(reader, column, AtomicType::float_number);
      if (c.value != kNone)
        reader.fail_at(column.field, fmt::format("more than one value column ({} and {}); use one",
                                                 header[c.value].name, name));
      c.value = i;
    } else {
      reader.fail_at(column.field, fmt::format("unknown column {}; expected one of {}",
                                               quote_value(column.label()), kInterColumns));
    }
  }
  if (c.user == kNone) fail_missing_column(reader, "user_id", AtomicType::token, header);
  if (c.item == kNone) fail_missing_column(reader, "item_id", AtomicType::token, header);
  return c;
}

// parse_event_type for the hot loop: a collision-free table keyed by the
// first byte and the length, then one word compare for names of up to eight
// bytes.
class EventParser {
 public:
  EventParser() {
    std::vector<Known> known;
    for (std::string_view rest = names_; !rest.empty();) {
      const std::size_t comma = rest.find(", ");
      const std::string_view name = rest.substr(0, comma);
      known.push_back({name, word_of(name), *parse_event_type(name)});
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 2);
    }
    // Any multiplier that separates the names will do; there are only ten.
    for (multiplier_ = 1; multiplier_ < 256; ++multiplier_) {
      table_.fill(Known{});
      bool collision = false;
      for (const Known& k : known) {
        Known& slot = table_[key(k.name)];
        collision |= !slot.name.empty();
        slot = k;
      }
      if (!collision) return;
    }
    INVR_CHECK(false && "no collision-free event table");
  }
  std::optional<EventType> parse(std::string_view field) const {
    if (field.empty()) return std::nullopt;
    const Known& k = table_[key(field)];
    if (k.name.size() == field.size() && k.word == word_of(field) &&
        (field.size() <= 8 || k.name == field))
      return k.type;
    return std::nullopt;
  }

 private:
  struct Known {
    std::string_view name;
    std::uint64_t word = 0;
    EventType type = EventType::interaction;
  };
  static std::uint64_t word_of(std::string_view name) {
    return short_word(name.data(), std::min<std::size_t>(name.size(), 8));
  }
  std::size_t key(std::string_view name) const {
    return (static_cast<unsigned char>(name[0]) * multiplier_ + name.size()) & 31;
  }

  const std::string names_ = event_type_names();
  std::array<Known, 32> table_{};
  std::size_t multiplier_ = 1;
};

// Two ids are the same: one word compare for ids of up to eight bytes.
inline bool same_id(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.size() <= 8) return short_word(a.data(), a.size()) == short_word(b.data(), b.size());
  return std::memcmp(a.data(), b.data(), a.size()) == 0;
}

[[noreturn]] void fail_number(const TextReader& reader, const TextReader::RowPosition& row,
                              std::string_view field, std::string_view column) {
  reader.fail_at(row, field,
                 fmt::format("column {}: expected a finite number, found {}{}", column,
                             quote_value(field), field.empty() ? " (an empty field)" : ""));
}

}  // namespace

std::size_t read_inter_file(const std::filesystem::path& path, const std::string& item_file,
                     FastIdIndex& users, FastIdIndex& items, Interactions& out,
                     const AtomicLoadOptions& options) {
  TextReader reader(path);
  const auto header = parse_header(reader, reader.read_header_line(), true);
  const InterColumns c = map_columns(reader, header);
  INVR_CHECK(header.size() <= kMaxInterColumns);
  const bool items_fixed = !item_file.empty();

  const bool sharded = options.shard_count > 1;
  // Per user index (whole-file numbering): 1 when the user is in this shard.
  std::vector<std::uint8_t> keep_user;
  auto kept = [&](Index user) {
    while (keep_user.size() <= static_cast<std::size_t>(user))
      keep_user.push_back(user_shard(users.id(static_cast<Index>(keep_user.size())),
                                     options.shard_count) == options.shard_index);
    return keep_user[static_cast<std::size_t>(user)] != 0;
  };
  // A shard keeps about 1/shard_count of the rows; a short reserve just grows.
  out.reserve(reader.estimate_lines() / static_cast<std::size_t>(std::max(1, options.shard_count)));
  // The columns are written once, front to back: huge pages save a page fault per 4 KiB.
  // (Not faulted in up front: the reserve is an estimate from the file's first lines.)
  advise_huge_pages(out.user.data(), out.user.capacity() * sizeof(Index));
  advise_huge_pages(out.item.data(), out.item.capacity() * sizeof(Index));
  advise_huge_pages(out.timestamp.data(), out.timestamp.capacity() * sizeof(double));
  advise_huge_pages(out.event.data(), out.event.capacity() * sizeof(EventType));
  advise_huge_pages(out.value.data(), out.value.capacity() * sizeof(float));
  std::optional<Progress> progress;
  if (options.progress && Progress::enabled() && reader.size_bytes() > kProgressMinBytes)
    progress.emplace("loading " + path.filename().string(), reader.size_bytes(), "B");
  std::size_t progress_reported = 0;

  // Rows are read in small batches: hashing every item of a batch first and
  // prefetching its slot lets the (cache-missing) table lookups overlap.
  struct Row {
    std::array<std::string_view, kMaxInterColumns> fields;
    TextReader::RowPosition position;
    std::uint64_t item_hash;
  };
  std::array<Row, kBatchRows> batch;
  Index last_user_index = kNoIndex;
  std::size_t skipped_rows = 0;
  const EventParser events;

  auto process = [&](const Row& row) {
    const auto& fields = row.fields;
    // Rows usually come grouped by user: the same user skips the hash lookup.
    const std::string_view user = fields[c.user];
    if (last_user_index == kNoIndex || !same_id(user, users.id(last_user_index))) {
      if (user.empty()) reader.fail_at(row.position, user, "empty user_id; expected a user id");
      bool added;
      last_user_index = users.add(user, added);
      if (added) check_id(reader, row.position, user, "user_id");
    }

    const std::string_view item = fields[c.item];
    if (item.empty()) reader.fail_at(row.position, item, "empty item_id; expected an item id");
    bool added = false;
    const Index item_index =
        items_fixed ? items.find(item, row.item_hash) : items.add(item, row.item_hash, added);
    if (item_index == kNoIndex)
      reader.fail_at(row.position, item,
                     fmt::format("unknown item {} (not in {})", quote_value(item), item_file));
    if (added) check_id(reader, row.position, item, "item_id");

    double timestamp = kNoTime;
    if (c.timestamp != kNone && !fields[c.timestamp].empty() &&
        !parse_finite_double(fields[c.timestamp], timestamp))
      fail_number(reader, row.position, fields[c.timestamp], "timestamp");

    EventType event = EventType::interaction;
    if (c.event != kNone) {
      const auto parsed = events.parse(fields[c.event]);
      if (!parsed)
        reader.fail_at(row.position, fields[c.event],
                       fmt::format("column event_type: expected one of {}, found {}",
                                   event_type_names(), quote_value(fields[c.event])));
      event = *parsed;
    }

    float value = 1.0f;
    if (c.value != kNone && !parse_finite_float(fields[c.value], value))
      fail_number(reader, row.position, fields[c.value], header[c.value].name);

    if (sharded && !kept(last_user_index)) {
      ++skipped_rows;
      return;
    }
    // Straight into the columns (Interactions::push_back is out of line).
    out.user.push_back(last_user_index);
    out.item.push_back(item_index);
    out.timestamp.push_back(timestamp);
    out.event.push_back(event);
    out.value.push_back(value);
  };

  for (bool more = true; more;) {
    std::size_t filled = 0;
    try {
      for (; filled < kBatchRows; ++filled) {
        // A refill would move the text under the rows already batched.
        if (filled > 0 && !reader.next_line_buffered()) break;
        Row& row = batch[filled];
        if (!reader.next_row(row.fields.data(), header.size())) {
          more = false;
          break;
        }
        row.position = reader.position();
        row.item_hash = hash_id(row.fields[c.item]);
        items.prefetch(row.item_hash);
      }
    } catch (const DataError&) {
      // Report errors in file order: rows before the bad one may hold an earlier error.
      for (std::size_t r = 0; r < filled; ++r) process(batch[r]);
      throw;
    }
    for (std::size_t r = 0; r < filled; ++r) process(batch[r]);
    if (progress && reader.offset() - progress_reported >= kProgressStepBytes) {
      progress->add(reader.offset() - progress_reported);
      progress_reported = reader.offset();
    }
  }
  if (progress) progress->add(reader.offset() - progress_reported);
  if (out.size() + skipped_rows == 0)
    throw DataError(reader.file(), 0, 0, "no interactions: the file has a header but no data rows");
  return out.size() + skipped_rows;
}

}  // namespace invr::data
