// The strict query-string parser every endpoint's query goes through.
#include "serving/http_query.h"

#include <algorithm>
#include <array>
#include <vector>

#include <fmt/format.h>

#include "common/excerpt.h"
#include "common/utf8.h"
#include "serving/http_util.h"

namespace invr::serving {
namespace {

constexpr std::array<std::string_view, 3> kRecommendParameters = {"user", "n", "arm"};
constexpr std::array<std::string_view, 3> kCandidatesParameters = {"user", "ordering", "n"};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes one name or value; `parameter` names it in errors.
std::string decode(std::string_view text, const std::string& parameter, const char* what) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+')
      throw QueryError(parameter, fmt::format("query parameter '{}': {} contains a raw '+'; write "
                                              "%20 for a space or %2B for a plus",
                                              excerpt(parameter), what));
    if (c != '%') {
      out += c;
      continue;
    }
    const int high = i + 2 < text.size() ? hex_digit(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? hex_digit(text[i + 2]) : -1;
    if (high < 0 || low < 0)
      throw QueryError(parameter,
                       fmt::format("query parameter '{}': {} has a bad percent escape '{}' "
                                   "(expected % and two hex digits)",
                                   excerpt(parameter), what, text.substr(i, 3)));
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  if (!is_valid_utf8(out))
    throw QueryError(parameter, fmt::format("query parameter '{}': {} must be valid UTF-8 after "
                                            "percent-decoding",
                                            excerpt(parameter), what));
  return out;
}

std::string expected_names(std::span<const std::string_view> allowed) {
  if (allowed.empty()) return "this endpoint takes no query parameters";
  return fmt::format("expected {}", fmt::join(allowed, ", "));
}

}  // namespace

QueryError::QueryError(std::string parameter, const std::string& message)
    : UsageError(message), parameter_(std::move(parameter)) {}

std::string_view query_of(std::string_view target) {
  const std::size_t mark = target.find('?');
  return mark == std::string_view::npos ? std::string_view() : target.substr(mark + 1);
}

QueryParams parse_query(std::string_view query, std::span<const std::string_view> allowed) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (std::size_t start = 0; start <= query.size() && !query.empty();) {
    std::size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) throw QueryError("", "empty query parameter: a stray '&'");
    const std::size_t equals = pair.find('=');
    const std::string raw_name(pair.substr(0, equals));
    if (equals == std::string_view::npos)
      throw QueryError(raw_name, fmt::format("query parameter '{}' has no value; expected {}=VALUE",
                                             excerpt(raw_name), excerpt(raw_name)));
    if (pair.find('=', equals + 1) != std::string_view::npos)
      throw QueryError(raw_name,
                       fmt::format("query parameter '{}' has more than one '='; percent-encode "
                                   "an '=' inside a value as %3D",
                                   excerpt(raw_name)));
    if (raw_name.empty()) throw QueryError("", "a query parameter has an empty name");
    std::string name = decode(raw_name, raw_name, "the name");
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
      throw QueryError(name, fmt::format("unknown query parameter '{}'; {}", excerpt(name),
                                         expected_names(allowed)));
    std::string value = decode(pair.substr(equals + 1), name, "the value");
    pairs.emplace_back(std::move(name), std::move(value));
  }
  QueryParams params;
  // (The lambda below names the binding through an init-capture: clang 14,
  // which builds the fuzz targets, cannot capture a structured binding.)
  for (auto& [name, value] : pairs) {
    if (params.contains(name)) {
      const auto times = std::count_if(pairs.begin(), pairs.end(),
                                       [&key = name](const auto& other) { return other.first == key; });
      throw QueryError(name, fmt::format("query parameter '{}' is given {} times; give it once",
                                         name, times));
    }
    params.emplace(name, value);
  }
  return params;
}

std::span<const std::string_view> query_parameters(Route route) {
  if (route == Route::recommend) return kRecommendParameters;
  if (route == Route::candidates) return kCandidatesParameters;
  return {};
}

void reply_query_error(HttpResponse& res, const QueryError& error) {
  std::string body = "{\"error\":" + json_string(error.what());
  if (!error.parameter().empty()) body += ",\"parameter\":" + json_string(excerpt(error.parameter()));
  reply_json(res, 400, body + "}");
}

}  // namespace invr::serving
