// JSON escaping, JSON replies and client id rules for the HTTP handlers.
#include "serving/http_util.h"

#include <httplib.h>

#include <fmt/format.h>

namespace invr::serving {

constexpr std::size_t kMaxIdBytes = 256;

void append_json_string(std::string& out, std::string_view text) {
  // Invalid UTF-8 (only ever echoed client input) is escaped byte by byte,
  // so the reply stays valid JSON.
  const bool escape_high = !valid_utf8(text);
  out += '"';
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (byte < 0x20 || (escape_high && byte >= 0x80)) out += fmt::format("\\u{:04x}", byte);
    else out += c;
  }
  out += '"';
}

std::string json_string(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

void reply_json(httplib::Response& res, int status, std::string body) {
  res.status = status;
  res.body = std::move(body);
  res.set_header("Content-Type", "application/json");
}

void reply_error(httplib::Response& res, int status, std::string_view message) {
  reply_json(res, status, "{\"error\":" + json_string(message) + "}");
}

bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    std::uint32_t code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      code = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates and code points beyond U+10FFFF.
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (code < kMin[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

std::string id_problem(std::string_view id) {
  if (id.empty()) return "must not be empty";
  if (id.size() > kMaxIdBytes) return fmt::format("is longer than {} bytes", kMaxIdBytes);
  for (char c : id) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) return "must not contain control characters (tab, line break, ...)";
  }
  if (!valid_utf8(id)) return "must be valid UTF-8";
  return {};
}

}  // namespace invr::serving
