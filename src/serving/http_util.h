// Small pieces every HTTP handler uses: JSON string escaping, JSON replies,
// and the rule for ids that come from clients.
#pragma once

#include <string>
#include <string_view>

namespace httplib {
struct Response;
}

namespace invr::serving {

// Appends `text` as a JSON string literal (quotes included). `text` must be
// valid UTF-8 (callers check client input with id_problem first).
void append_json_string(std::string& out, std::string_view text);
std::string json_string(std::string_view text);

// Sets status, body and Content-Type: application/json.
void reply_json(httplib::Response& res, int status, std::string body);
// {"error": message} with the given status.
void reply_error(httplib::Response& res, int status, std::string_view message);

// Client-supplied ids (users, items, arms) must be 1..256 bytes of valid
// UTF-8 with no control characters (so they are safe as .inter fields, log
// lines and JSON). Returns what is wrong, or an empty string.
std::string id_problem(std::string_view id);

}  // namespace invr::serving
