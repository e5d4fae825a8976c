// Typed header rows of RecBole atomic files ("user_id:token<TAB>rating:float"),
// shared by the atomic readers and the exposure-log reader.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "data/text_reader.h"

namespace invr::data {

enum class AtomicType { none, token, token_seq, float_number, float_seq };

// "token", "token_seq", "float", "float_seq" ("" for none).
std::string_view atomic_type_name(AtomicType type);

struct HeaderColumn {
  // The whole header field: a view into the reader's buffer, valid only until
  // the first data row is read (for errors about the header itself).
  std::string_view field;
  std::string name;  // before the ':'
  AtomicType type = AtomicType::none;
  // "name:type", or just "name" when untyped, for messages.
  std::string label() const;
};

// Parses a header line. Errors (DataError on line 1 at the field): a wrong
// delimiter, an empty name, a missing ":type" when require_types, an unknown
// type, a duplicate column name.
std::vector<HeaderColumn> parse_header(const TextReader& reader, std::string_view line,
                                       bool require_types);

// Index of the column named name, or npos.
std::size_t find_column(const std::vector<HeaderColumn>& columns, std::string_view name);

// Throws unless column has the expected type: "column timestamp must be
// :float, found :token".
void require_type(const TextReader& reader, const HeaderColumn& column, AtomicType expected);

// Throws "missing required column NAME:TYPE" on line 1 (column 0: there is no
// field to point at).
[[noreturn]] void fail_missing_column(const TextReader& reader, std::string_view name,
                                      AtomicType type, const std::vector<HeaderColumn>& columns);

}  // namespace invr::data
