// Query strings, parsed strictly (docs/serving_http.md, "Query strings"):
// '&'-separated NAME=VALUE pairs, exactly one raw '=' in each, %XX escapes
// decoded, every name at most once. cpp-httplib's parser (the server's HTTP
// library until issue 17) kept the text after the last '=' of a pair and let
// repeats through, which served `?user=u2=u1` as user u1.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>

#include "invr/error.h"
#include "serving/http_message.h"
#include "serving/prom_metrics.h"

namespace invr::serving {

// A bad query. parameter() names the parameter at fault (empty when there is
// no name to give, as for "&&" or "=x").
class QueryError : public UsageError {
 public:
  QueryError(std::string parameter, const std::string& message);
  const std::string& parameter() const { return parameter_; }

 private:
  std::string parameter_;
};

// Decoded name -> decoded value.
using QueryParams = std::map<std::string, std::string, std::less<>>;

// The query of a raw request target: "/v1/recommend?user=u1" -> "user=u1";
// empty without a '?'.
std::string_view query_of(std::string_view target);

// Parses `query` (no leading '?'). A pair must be NAME=VALUE with one raw '='
// (an '=' inside a value is %3D); NAME and VALUE are percent-decoded and must
// then be valid UTF-8. A raw '+' is refused rather than guessed: form encoding
// reads it as a space, RFC 3986 as a plus (%20 or %2B say which). Throws
// QueryError for an empty pair, a pair without or with more than one '=', a
// bad escape, a raw '+', invalid UTF-8, a name not in `allowed`, or a name
// given twice (even with the same value).
QueryParams parse_query(std::string_view query, std::span<const std::string_view> allowed);

// The parameters a route takes: user, n, arm for /v1/recommend; user,
// ordering, n for /v1/candidates; none for the others.
std::span<const std::string_view> query_parameters(Route route);

// 400 {"error": what, "parameter": name} (no "parameter" when it is empty).
void reply_query_error(HttpResponse& res, const QueryError& error);

}  // namespace invr::serving
