// Small pieces every HTTP handler uses: JSON string escaping, JSON replies,
// strict JSON parsing of request bodies, and the rule for ids that come from
// clients.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "serving/http_message.h"

namespace invr::serving {

// Appends `text` as a JSON string literal (quotes included). `text` must be
// valid UTF-8 (callers check client input with id_problem first).
void append_json_string(std::string& out, std::string_view text);
std::string json_string(std::string_view text);

// Sets status, body and Content-Type: application/json.
void reply_json(HttpResponse& res, int status, std::string body);
// {"error": message} with the given status.
void reply_error(HttpResponse& res, int status, std::string_view message);

// Parses client JSON (every JSON body the server accepts comes through here),
// refusing an object that gives a key twice at any depth: nlohmann::json
// keeps the last, so {"user":"u1","user":"u2"} would silently be u2. Returns
// a discarded value for text that is not JSON and for a repeated key; then
// `duplicate_key` holds the first key repeated (else nullopt).
nlohmann::json parse_client_json(std::string_view text, std::optional<std::string>& duplicate_key);

// Client-supplied ids (users, items, arms) must be 1..256 bytes of valid
// UTF-8 with no control characters (so they are safe as .inter fields, log
// lines and JSON). Returns what is wrong, or an empty string.
std::string id_problem(std::string_view id);

}  // namespace invr::serving
