// The strict query-string parser (serving/http_query.h) on its own; the
// server's use of it is in server_query_test.cc.
#include "serving/http_query.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace invr::serving {
namespace {

constexpr std::array<std::string_view, 3> kNames = {"user", "n", "arm"};

QueryParams parse(std::string_view query) { return parse_query(query, kNames); }

// "parameter: message" of the QueryError, or "no error".
std::string error_of(std::string_view query, std::span<const std::string_view> names = kNames) {
  try {
    parse_query(query, names);
  } catch (const QueryError& e) {
    return e.parameter() + ": " + e.what();
  }
  return "no error";
}

TEST(QueryString, PairsArePercentDecoded) {
  EXPECT_EQ(parse(""), QueryParams{});
  EXPECT_EQ(parse("user=u1&n=5"), (QueryParams{{"user", "u1"}, {"n", "5"}}));
  EXPECT_EQ(parse("us%65r=%75%31"), (QueryParams{{"user", "u1"}}));
  EXPECT_EQ(parse("user=a%20b%2Bc%3Dd%26e%3B"), (QueryParams{{"user", "a b+c=d&e;"}}));
  EXPECT_EQ(parse("user=caf%C3%A9"), (QueryParams{{"user", "caf\xC3\xA9"}}));
  EXPECT_EQ(parse("user=%e2%82%ac"), (QueryParams{{"user", "\xE2\x82\xAC"}}));
  EXPECT_EQ(parse("user="), (QueryParams{{"user", ""}}));  // the handler's id rule refuses it
  EXPECT_EQ(parse("user=a;b"), (QueryParams{{"user", "a;b"}}));  // ';' is no separator
}

TEST(QueryString, TheQueryIsEverythingAfterTheFirstQuestionMark) {
  EXPECT_EQ(query_of("/v1/recommend"), "");
  EXPECT_EQ(query_of("/v1/recommend?"), "");
  EXPECT_EQ(query_of("/v1/recommend?user=u1&n=5"), "user=u1&n=5");
}

// Regressions (issue 17): httplib kept the text after a pair's last '=', so
// these answered for u1, served arm control, answered for user "5", and
// accepted a repeat with the same value.
TEST(QueryString, ARawEqualsInAValueIsRefusedNotSplit) {
  EXPECT_EQ(error_of("user=u2=u1"),
            "user: query parameter 'user' has more than one '='; percent-encode an '=' inside a "
            "value as %3D");
  EXPECT_EQ(error_of("user=x&arm=bogus=control").substr(0, 48),
            "arm: query parameter 'arm' has more than one '='");
  EXPECT_EQ(error_of("user=u1;n=5").substr(0, 50),
            "user: query parameter 'user' has more than one '='");
}

TEST(QueryString, ARepeatedParameterIsRefusedEvenWithTheSameValue) {
  EXPECT_EQ(error_of("user=u1&user=u1"), "user: query parameter 'user' is given 2 times; give it once");
  EXPECT_EQ(error_of("n=1&user=u1&n=1&n=2"), "n: query parameter 'n' is given 3 times; give it once");
  EXPECT_EQ(error_of("user=u1&us%65r=u1"), "user: query parameter 'user' is given 2 times; give it once");
}

TEST(QueryString, MalformedPairsNameTheParameter) {
  EXPECT_EQ(error_of("user"), "user: query parameter 'user' has no value; expected user=VALUE");
  EXPECT_EQ(error_of("user=u1&"), ": empty query parameter: a stray '&'");
  EXPECT_EQ(error_of("&user=u1"), ": empty query parameter: a stray '&'");
  EXPECT_EQ(error_of("user=u1&&n=2"), ": empty query parameter: a stray '&'");
  EXPECT_EQ(error_of("=u1"), ": a query parameter has an empty name");
  EXPECT_EQ(error_of("count=5"), "count: unknown query parameter 'count'; expected user, n, arm");
  EXPECT_EQ(error_of("x=1", {}), "x: unknown query parameter 'x'; this endpoint takes no query parameters");
  EXPECT_EQ(error_of(""), "no error");
}

TEST(QueryString, BadEscapesInvalidUtf8AndRawPlusAreRefused) {
  for (const char* query : {"user=%", "user=%4", "user=%G1", "user=a%2", "user=%%41"})
    EXPECT_NE(error_of(query).find("user: query parameter 'user': the value has a bad percent escape"),
              std::string::npos)
        << query << ": " << error_of(query);
  EXPECT_NE(error_of("us%er=1").find("the name has a bad percent escape '%er'"), std::string::npos);
  EXPECT_EQ(error_of("user=%FF%FE"),
            "user: query parameter 'user': the value must be valid UTF-8 after percent-decoding");
  EXPECT_EQ(error_of("user=%C3"),  // a truncated two-byte character
            "user: query parameter 'user': the value must be valid UTF-8 after percent-decoding");
  EXPECT_EQ(error_of("user=\xC3\xA9\xFF"),
            "user: query parameter 'user': the value must be valid UTF-8 after percent-decoding");
  EXPECT_EQ(error_of("user=a+b"),
            "user: query parameter 'user': the value contains a raw '+'; write %20 for a space or "
            "%2B for a plus");
}

TEST(QueryString, LongNamesAreCutInTheMessage) {
  const std::string name(10000, 'k');
  try {
    parse(name + "=1");
    FAIL();
  } catch (const QueryError& e) {
    EXPECT_EQ(e.parameter(), name);  // reply_query_error cuts it as well
    EXPECT_LT(std::string(e.what()).size(), 300u);
    EXPECT_NE(std::string(e.what()).find("…(10000 bytes)"), std::string::npos);
  }
}

}  // namespace
}  // namespace invr::serving
