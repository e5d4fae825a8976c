// UTF-8 validation, one check for every reader of text (data files, CSV
// converters) and the HTTP server's client input. Valid means well-formed
// per RFC 3629: no overlong forms, no UTF-16 surrogates, nothing above
// U+10FFFF, no stray continuation bytes, no truncated sequence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace invr {

namespace detail {
// find_invalid_utf8 past its ASCII fast path: `from` is the first non-ASCII byte.
std::size_t find_invalid_utf8_from(std::string_view text, std::size_t from);
}  // namespace detail

// Offset of the first byte of the first sequence that is not valid UTF-8, or
// std::string_view::npos if all of text is valid. Inline so that the data
// readers' per-line call keeps its fast path: eight bytes at a time while
// everything is ASCII.
inline std::size_t find_invalid_utf8(std::string_view text) {
  const std::size_t size = text.size();
  std::size_t i = 0;
  while (size - i >= 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    if (word & 0x8080808080808080ULL) break;
    i += 8;
  }
  while (i != size && static_cast<unsigned char>(text[i]) < 0x80) ++i;
  if (i == size) return std::string_view::npos;
  return detail::find_invalid_utf8_from(text, i);
}

inline bool is_valid_utf8(std::string_view text) {
  return find_invalid_utf8(text) == std::string_view::npos;
}

// Offset of the first control character (a byte 0x00-0x1F or 0x7F: C0
// controls and DEL, tab and line ends included), or std::string_view::npos.
// Ids hold none (docs/formats.md, "Ids"): the HTTP API refuses them in a
// request, so an id holding one could never be asked for.
inline std::size_t find_control_character(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7F) return i;
  }
  return std::string_view::npos;
}

}  // namespace invr
