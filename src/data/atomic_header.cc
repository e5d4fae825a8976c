#include "data/atomic_header.h"

#include <fmt/format.h>

#include "invr/error.h"

namespace invr::data {
namespace {

AtomicType parse_type(std::string_view name, bool& ok) {
  ok = true;
  if (name == "token") return AtomicType::token;
  if (name == "token_seq") return AtomicType::token_seq;
  if (name == "float") return AtomicType::float_number;
  if (name == "float_seq") return AtomicType::float_seq;
  ok = false;
  return AtomicType::none;
}

}  // namespace

std::string_view atomic_type_name(AtomicType type) {
  switch (type) {
    case AtomicType::token:
      return "token";
    case AtomicType::token_seq:
      return "token_seq";
    case AtomicType::float_number:
      return "float";
    case AtomicType::float_seq:
      return "float_seq";
    case AtomicType::none:
      break;
  }
  return "";
}

std::string HeaderColumn::label() const {
  if (type == AtomicType::none) return std::string(name);
  return fmt::format("{}:{}", name, atomic_type_name(type));
}

std::vector<HeaderColumn> parse_header(const TextReader& reader, std::string_view line,
                                       bool require_types) {
  check_tab_separated(reader, line);
  std::vector<std::string_view> fields(split_tabs(line, nullptr, 0));
  split_tabs(line, fields.data(), fields.size());
  std::vector<HeaderColumn> columns;
  for (std::string_view field : fields) {
    HeaderColumn column;
    column.field = field;
    const std::size_t colon = field.find(':');
    column.name = std::string(field.substr(0, colon));
    if (column.name.empty())
      reader.fail_at(field,
                     fmt::format("empty column name in header field {}", quote_value(field)));
    if (colon == std::string_view::npos) {
      if (require_types)
        reader.fail_at(field, fmt::format("column {} has no type; expected NAME:TYPE with TYPE one "
                                          "of token, token_seq, float, float_seq",
                                          quote_value(field)));
    } else {
      bool ok;
      column.type = parse_type(field.substr(colon + 1), ok);
      if (!ok)
        reader.fail(reader.column_of(field.data() + colon + 1),
                    fmt::format("column {} has unknown type {}; expected one of token, "
                                "token_seq, float, float_seq",
                                quote_value(column.name), quote_value(field.substr(colon + 1))));
    }
    if (find_column(columns, column.name) != std::string_view::npos)
      reader.fail_at(field, fmt::format("duplicate column {}", quote_value(column.name)));
    columns.push_back(column);
  }
  return columns;
}

std::size_t find_column(const std::vector<HeaderColumn>& columns, std::string_view name) {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name == name) return i;
  return std::string_view::npos;
}

void require_type(const TextReader& reader, const HeaderColumn& column, AtomicType expected) {
  if (column.type == expected) return;
  reader.fail_at(
      column.field,
      fmt::format("column {} must be :{}, found {}", column.name, atomic_type_name(expected),
                  column.type == AtomicType::none
                      ? std::string("no type")
                      : fmt::format(":{}", atomic_type_name(column.type))));
}

void fail_missing_column(const TextReader& reader, std::string_view name, AtomicType type,
                         const std::vector<HeaderColumn>& columns) {
  std::string present;
  for (const auto& column : columns) present += (present.empty() ? "" : ", ") + column.label();
  const std::string wanted = type == AtomicType::none
                                 ? std::string(name)
                                 : fmt::format("{}:{}", name, atomic_type_name(type));
  throw DataError(reader.file(), 1, 0,
                  fmt::format("missing required column {} (header has {})", wanted, present));
}

}  // namespace invr::data
