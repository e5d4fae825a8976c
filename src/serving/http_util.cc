// JSON escaping, JSON replies and client id rules for the HTTP handlers.
#include "serving/http_util.h"

#include <set>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/utf8.h"

namespace invr::serving {

constexpr std::size_t kMaxIdBytes = 256;

void append_json_string(std::string& out, std::string_view text) {
  // Invalid UTF-8 (only ever echoed client input) is escaped byte by byte,
  // so the reply stays valid JSON.
  const bool escape_high = !is_valid_utf8(text);
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

void reply_json(HttpResponse& res, int status, std::string body) {
  res.status = status;
  res.body = std::move(body);
  res.set_header("Content-Type", "application/json");
}

void reply_error(HttpResponse& res, int status, std::string_view message) {
  reply_json(res, status, "{\"error\":" + json_string(message) + "}");
}

nlohmann::json parse_client_json(std::string_view text, std::optional<std::string>& duplicate_key) {
  using nlohmann::json;
  duplicate_key.reset();
  std::vector<std::set<std::string>> open_objects;  // keys seen, one set per open object
  const json::parser_callback_t callback = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      open_objects.pop_back();
    } else if (event == json::parse_event_t::key && !duplicate_key) {
      std::string key = parsed.get<std::string>();
      if (!open_objects.back().insert(key).second) duplicate_key = std::move(key);
    }
    return true;
  };
  json value = json::parse(text, callback, /*allow_exceptions=*/false);
  if (duplicate_key) return json(json::value_t::discarded);
  return value;
}

std::string id_problem(std::string_view id) {
  if (id.empty()) return "must not be empty";
  if (id.size() > kMaxIdBytes) return fmt::format("is longer than {} bytes", kMaxIdBytes);
  if (find_control_character(id) != std::string_view::npos)
    return "must not contain control characters (tab, line break, ...)";
  if (!is_valid_utf8(id)) return "must be valid UTF-8";
  return {};
}

}  // namespace invr::serving
