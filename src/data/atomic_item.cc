// The NAME.item and NAME.user readers (small files next to NAME.inter).
#include <fmt/format.h>

#include "data/atomic_header.h"
#include "data/atomic_load.h"
#include "data/text_reader.h"
#include "invr/error.h"

namespace invr::data {
namespace {

constexpr std::size_t kNone = std::string_view::npos;
constexpr std::string_view kDefaultProducerColumn = "producer_id";

// Header columns of NAME.item by role.
struct ItemColumns {
  std::size_t item = kNone, producer = kNone, publish_time = kNone;
  std::vector<std::size_t> content;  // :token and :token_seq columns that become tokens
};

ItemColumns map_columns(const TextReader& reader, const std::vector<HeaderColumn>& header,
                        const std::string& producer_column) {
  ItemColumns c;
  for (std::size_t i = 0; i < header.size(); ++i) {
    const HeaderColumn& column = header[i];
    if (column.name == "item_id") {
      require_type(reader, column, AtomicType::token);
      c.item = i;
    } else if (column.name == producer_column) {
      require_type(reader, column, AtomicType::token);
      c.producer = i;
    } else if (column.name == "publish_time") {
      require_type(reader, column, AtomicType::float_number);
      c.publish_time = i;
    } else if (column.type == AtomicType::token || column.type == AtomicType::token_seq) {
      c.content.push_back(i);
    } else {
      reader.fail_at(column.field,
                     fmt::format("unknown column {}; expected item_id:token, {}:token, "
                                 "publish_time:float, or content columns of type token or "
                                 "token_seq",
                                 quote_value(column.label()), producer_column));
    }
  }
  if (c.item == kNone) fail_missing_column(reader, "item_id", AtomicType::token, header);
  // Without a producer column every item is its own producer, but a producer
  // column the caller named explicitly must be there (a typo would otherwise
  // silently give every item its own producer).
  if (c.producer == kNone && producer_column != kDefaultProducerColumn)
    fail_missing_column(reader, producer_column, AtomicType::token, header);
  return c;
}

// Appends the tokens of one content field to item_tokens.
void add_tokens(const HeaderColumn& column, std::string_view value, IdMap& tokens,
                std::string& scratch, std::vector<Index>& item_tokens) {
  // The "tokens" column (what save_atomic writes) holds finished tokens;
  // any other column prefixes its name, "genre=Comedy".
  const bool as_is = column.name == "tokens";
  auto add = [&](std::string_view token) {
    if (token.empty()) return;
    if (as_is) {
      item_tokens.push_back(tokens.add(token));
      return;
    }
    scratch.assign(column.name);
    scratch += '=';
    scratch += token;
    item_tokens.push_back(tokens.add(scratch));
  };
  if (column.type == AtomicType::token) {
    add(value);
    return;
  }
  // token_seq: single spaces separate tokens; runs of spaces add nothing.
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t space = value.find(' ', start);
    if (space == std::string_view::npos) space = value.size();
    add(value.substr(start, space - start));
    start = space + 1;
  }
}

}  // namespace

ItemFile read_item_file(const std::filesystem::path& path, const AtomicLoadOptions& options) {
  TextReader reader(path);
  const auto header = parse_header(reader, reader.read_header_line(), true);
  const ItemColumns c = map_columns(reader, header, options.producer_column);

  ItemFile out;
  std::vector<std::size_t> first_line;  // per item, for duplicate errors
  std::vector<std::string_view> fields;
  std::vector<Index> item_tokens;
  std::string scratch;
  fields.resize(header.size());
  while (reader.next_row(fields.data(), fields.size())) {
    const std::string_view item = fields[c.item];
    if (item.empty()) reader.fail_at(item, "empty item_id; expected an item id");
    bool added;
    const Index item_index = out.items.add(item, added);
    if (!added)
      reader.fail_at(item,
                     fmt::format("duplicate item {} (first defined on line {})", quote_value(item),
                                 first_line[static_cast<std::size_t>(item_index)]));
    check_id(reader, reader.position(), item, "item_id");
    first_line.push_back(reader.line_number());

    // No producer column: the item is its own producer, with the item's id.
    std::string_view producer = item;
    if (c.producer != kNone) {
      producer = fields[c.producer];
      if (producer.empty())
        reader.fail_at(producer, fmt::format("empty {}; expected a producer id "
                                             "(leave the column out to make every item its own "
                                             "producer)",
                                             options.producer_column));
      check_id(reader, reader.position(), producer, options.producer_column);
    }

    double publish_time = kNoTime;
    if (c.publish_time != kNone) {
      const std::string_view field = fields[c.publish_time];
      if (!field.empty() && !parse_finite_double(field, publish_time))
        reader.fail_at(field, fmt::format("column publish_time: expected a finite number, found {}",
                                          quote_value(field)));
    }

    item_tokens.clear();
    for (std::size_t k : c.content)
      add_tokens(header[k], fields[k], out.tokens, scratch, item_tokens);
    out.table.push_back(out.producers.add(producer), publish_time, item_tokens);
  }
  return out;
}

void read_user_file(const std::filesystem::path& path, FastIdIndex& users) {
  TextReader reader(path);
  const auto header = parse_header(reader, reader.read_header_line(), true);
  // Only user ids are read; other columns (age, gender, ...) are allowed and ignored.
  const std::size_t user_column = find_column(header, "user_id");
  if (user_column == kNone) fail_missing_column(reader, "user_id", AtomicType::token, header);
  require_type(reader, header[user_column], AtomicType::token);

  std::vector<std::size_t> first_line;
  const std::size_t lines = reader.estimate_lines();
  first_line.reserve(lines);
  users.reserve(users.size() + lines);  // one table build instead of one per doubling
  std::vector<std::string_view> fields;
  fields.resize(header.size());
  while (reader.next_row(fields.data(), fields.size())) {
    const std::string_view user = fields[user_column];
    if (user.empty()) reader.fail_at(user, "empty user_id; expected a user id");
    bool added;
    const Index index = users.add(user, added);
    if (!added)
      reader.fail_at(user,
                     fmt::format("duplicate user {} (first defined on line {})", quote_value(user),
                                 first_line[static_cast<std::size_t>(index)]));
    check_id(reader, reader.position(), user, "user_id");
    first_line.push_back(reader.line_number());
  }
}

}  // namespace invr::data
