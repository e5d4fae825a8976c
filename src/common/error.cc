#include "invr/error.h"

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "common/excerpt.h"

namespace invr {
namespace {
std::string format_location(const std::string& file, std::size_t line, std::size_t column,
                            const std::string& message) {
  if (line == 0) return fmt::format("{}: {}", file, message);
  if (column == 0) return fmt::format("{}:{}: {}", file, line, message);
  return fmt::format("{}:{}:{}: {}", file, line, column, message);
}
}  // namespace

DataError::DataError(std::string file, std::size_t line, std::size_t column, const std::string& message)
    : Error(format_location(file, line, column, message)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(message) {}

std::string excerpt(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t cut = max_bytes;
  // Back off over continuation bytes (10xxxxxx) so no character is split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return fmt::format("{}…({} bytes)", text.substr(0, cut), text.size());
}

namespace detail {
void check_failed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "invr: internal invariant broken: %s at %s:%d\n", condition, file, line);
  std::abort();
}
}  // namespace detail
}  // namespace invr
