#include "invr/exposure_log.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "data/atomic_header.h"
#include "data/atomic_output.h"
#include "data/text_reader.h"
#include "invr/error.h"

namespace invr {
namespace {
using data::AtomicType;
using data::quote_value;

constexpr std::size_t kNone = std::string_view::npos;
constexpr std::string_view kLogColumns = "user_id, item_id, position, clicked, timestamp, arm";

struct LogColumns {
  std::size_t user = kNone, item = kNone, position = kNone, clicked = kNone, timestamp = kNone,
              arm = kNone;
};

LogColumns map_columns(const data::TextReader& reader,
                       const std::vector<data::HeaderColumn>& header) {
  LogColumns c;
  for (std::size_t i = 0; i < header.size(); ++i) {
    const auto& column = header[i];
    // Types are optional here; when given, ids must be tokens and times floats.
    auto expect = [&](AtomicType type) {
      if (column.type != AtomicType::none) data::require_type(reader, column, type);
    };
    if (column.name == "user_id") {
      expect(AtomicType::token);
      c.user = i;
    } else if (column.name == "item_id") {
      expect(AtomicType::token);
      c.item = i;
    } else if (column.name == "position") {
      c.position = i;
    } else if (column.name == "clicked") {
      c.clicked = i;
    } else if (column.name == "timestamp") {
      expect(AtomicType::float_number);
      c.timestamp = i;
    } else if (column.name == "arm") {
      expect(AtomicType::token);
      c.arm = i;
    } else {
      reader.fail_at(column.field, fmt::format("unknown column {}; expected one of {}",
                                               quote_value(column.label()), kLogColumns));
    }
  }
  if (c.user == kNone) data::fail_missing_column(reader, "user_id", AtomicType::none, header);
  if (c.item == kNone) data::fail_missing_column(reader, "item_id", AtomicType::none, header);
  if (c.position == kNone) data::fail_missing_column(reader, "position", AtomicType::none, header);
  if (c.clicked == kNone) data::fail_missing_column(reader, "clicked", AtomicType::none, header);
  return c;
}

bool parse_clicked(std::string_view field, bool& out) {
  if (field == "1" || field == "true") return out = true, true;
  if (field == "0" || field == "false") return out = false, true;
  return false;
}

}  // namespace

ExposureLog read_exposure_log(const std::filesystem::path& path, const IdMap& items) {
  data::TextReader reader(path);
  const auto header = data::parse_header(reader, reader.read_header_line(), false);
  const LogColumns c = map_columns(reader, header);

  ExposureLog log;
  std::vector<std::string_view> fields;
  Index last_user_index = kNoIndex;  // consecutive rows of one slate share the user
  fields.resize(header.size());
  while (reader.next_row(fields.data(), fields.size())) {
    const std::string_view user = fields[c.user];
    if (last_user_index == kNoIndex || user != log.users.id(last_user_index)) {
      if (user.empty()) reader.fail_at(user, "empty user_id; expected a user id");
      data::check_id(reader, reader.position(), user, "user_id");
      last_user_index = log.users.add(user);
    }

    const std::string_view item = fields[c.item];
    const Index item_index = items.find(item);
    if (item_index == kNoIndex)
      reader.fail_at(
          item, fmt::format("unknown item {} (not in the dataset's items)", quote_value(item)));

    std::uint64_t position;
    if (!data::parse_unsigned(fields[c.position], std::numeric_limits<std::int32_t>::max(),
                              position))
      reader.fail_at(fields[c.position],
                     fmt::format("column position: expected a non-negative integer, found {}",
                                 quote_value(fields[c.position])));

    bool clicked;
    if (!parse_clicked(fields[c.clicked], clicked))
      reader.fail_at(fields[c.clicked], fmt::format("column clicked: expected 0, 1, true or false, "
                                                    "found {}",
                                                    quote_value(fields[c.clicked])));

    double timestamp = kNoTime;
    if (c.timestamp != kNone && !fields[c.timestamp].empty() &&
        !data::parse_finite_double(fields[c.timestamp], timestamp))
      reader.fail_at(fields[c.timestamp],
                     fmt::format("column timestamp: expected a finite number, found {}",
                                 quote_value(fields[c.timestamp])));

    Index arm = kNoIndex;
    if (c.arm != kNone && !fields[c.arm].empty()) arm = log.arms.add(fields[c.arm]);

    log.push_back(last_user_index, item_index, static_cast<std::int32_t>(position), clicked,
                  timestamp, arm);
  }
  return log;
}

void write_exposure_log(const std::filesystem::path& path, const ExposureLog& log,
                        const IdMap& items) {
  const std::size_t n = log.size();
  if (log.user.size() != n || log.position.size() != n || log.clicked.size() != n ||
      log.timestamp.size() != n || log.arm.size() != n)
    throw UsageError(fmt::format("write_exposure_log: the log's columns differ in length (item {}, "
                                 "user {}, position {}, clicked {}, timestamp {}, arm {})",
                                 n, log.user.size(), log.position.size(), log.clicked.size(),
                                 log.timestamp.size(), log.arm.size()));
  for (const auto& id : log.users.ids()) data::check_writable(id, "user id");
  for (const auto& id : log.arms.ids()) data::check_writable(id, "arm");
  for (std::size_t r = 0; r < n; ++r) {
    const Index item = log.item[r];
    if (item < 0 || static_cast<std::size_t>(item) >= items.size())
      throw UsageError(fmt::format("write_exposure_log: item[{}] = {} is not an index of the {} items",
                                   r, item, items.size()));
    if (log.user[r] < 0 || static_cast<std::size_t>(log.user[r]) >= log.users.size())
      throw UsageError(fmt::format("write_exposure_log: user[{}] = {} is not an index of the {} users",
                                   r, log.user[r], log.users.size()));
    if (log.position[r] < 0)
      throw UsageError(fmt::format("write_exposure_log: position[{}] = {} is negative", r,
                                   log.position[r]));
    data::check_writable(items.id(item), "item id");
  }
  const bool with_time =
      std::any_of(log.timestamp.begin(), log.timestamp.end(), [](double t) { return has_time(t); });
  const bool with_arm =
      std::any_of(log.arm.begin(), log.arm.end(), [](Index a) { return a != kNoIndex; });

  data::AtomicOutput out(path);
  out.write("user_id:token\titem_id:token\tposition:float\tclicked:float");
  if (with_time) out.write("\ttimestamp:float");
  if (with_arm) out.write("\tarm:token");
  out.write("\n");
  auto& buffer = out.buffer();
  for (std::size_t r = 0; r < n; ++r) {
    fmt::format_to(std::back_inserter(buffer), "{}\t{}\t{}\t{}", log.users.id(log.user[r]),
                   items.id(log.item[r]), log.position[r], log.clicked[r] ? 1 : 0);
    if (with_time) {
      out.write("\t");
      // "{}" is the shortest representation that reads back to the same value.
      if (has_time(log.timestamp[r]))
        fmt::format_to(std::back_inserter(buffer), "{}", log.timestamp[r]);
    }
    if (with_arm) {
      out.write("\t");
      if (log.arm[r] != kNoIndex) out.write(log.arms.id(log.arm[r]));
    }
    out.write("\n");
    out.flush_if_full();
  }
  out.commit();
}

}  // namespace invr
