// Query strings over real loopback HTTP: every endpoint's query goes through
// the strict parser (serving/http_query.h), whose rules http_query_test.cc
// checks one by one.
#include <gtest/gtest.h>

#include <string>

#include "invr/server.h"
#include "serving/server_test_util.h"

namespace invr {
namespace {
using test::http_get;
using test::http_get_verbatim;

class ServerQuery : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Server>(tiny_.config);
    server_->start();
    port_ = server_->port();
  }

  // Expects a 400 whose JSON names `parameter` (absent: "") and says `part`.
  void expect_400(const std::string& target, const std::string& parameter, const std::string& part) {
    const test::Reply reply = http_get_verbatim(port_, target);
    EXPECT_EQ(reply.status, 400) << target << ": " << reply.body;
    ASSERT_TRUE(reply.json.is_object()) << target << ": " << reply.body;
    EXPECT_NE(reply.json.value("error", "").find(part), std::string::npos) << target << ": " << reply.body;
    if (parameter.empty()) EXPECT_FALSE(reply.json.contains("parameter")) << reply.body;
    else EXPECT_EQ(reply.json.value("parameter", ""), parameter) << target << ": " << reply.body;
  }

  test::TinyServing tiny_;
  std::unique_ptr<Server> server_;
  int port_ = 0;
};

// Regressions (issue 17, item 2): each of these answered 200 (for u1, with
// arm control, for user "5", and a repeat the docs call a 400).
TEST_F(ServerQuery, AnotherUsersSlateIsNeverServedFromAMalformedQuery) {
  expect_400("/v1/recommend?user=u2=u1", "user", "more than one '='");
  expect_400("/v1/recommend?user=x&arm=bogus=control", "arm", "more than one '='");
  expect_400("/v1/recommend?user=u1;n=5", "user", "more than one '='");
  expect_400("/v1/recommend?user=u1&user=u1", "user", "'user' is given 2 times");
  expect_400("/v1/recommend?n=3&user=u1&arm=control&arm=control", "arm", "'arm' is given 2 times");
}

TEST_F(ServerQuery, MalformedQueriesAre400sNamingTheParameter) {
  expect_400("/v1/recommend?user=u1&", "", "a stray '&'");
  expect_400("/v1/recommend?user", "user", "has no value");
  expect_400("/v1/recommend?user=u%1", "user", "bad percent escape '%1'");
  expect_400("/v1/recommend?user=a+b", "user", "raw '+'");
  expect_400("/v1/recommend?user=%C3%28", "user", "valid UTF-8");
  expect_400("/v1/recommend?user=\xC3\x28", "user", "valid UTF-8");  // raw, not escaped
  expect_400("/v1/recommend?user=u1&count=5", "count", "unknown query parameter 'count'");
  expect_400("/v1/recommend?user=u1&n=5x", "n", "'n' must be an integer");
  expect_400("/v1/recommend?user=u1&arm=bogus", "arm", "unknown arm \"bogus\"");
  expect_400("/v1/recommend?n=5", "user", "missing query parameter 'user'");
  expect_400("/v1/recommend?user=a%09b", "user", "control characters");
}

TEST_F(ServerQuery, PercentDecodedValuesServeTheUserTheyName) {
  const auto encoded = http_get(port_, "/v1/recommend?us%65r=%75%31&n=3&arm=control");
  ASSERT_EQ(encoded.status, 200) << encoded.body;
  EXPECT_EQ(encoded.json["user"], "u1");
  EXPECT_TRUE(encoded.json["known_user"]);
  // An escaped '=' is part of the id: "u2=u1" is nobody, not u1.
  const auto escaped = http_get(port_, "/v1/recommend?user=u2%3Du1&n=3&arm=control");
  ASSERT_EQ(escaped.status, 200) << escaped.body;
  EXPECT_EQ(escaped.json["user"], "u2=u1");
  EXPECT_FALSE(escaped.json["known_user"]);
  const auto space = http_get_verbatim(port_, "/v1/recommend?user=u%201&n=3&arm=control");
  ASSERT_EQ(space.status, 200) << space.body;
  EXPECT_EQ(space.json["user"], "u 1");
}

TEST_F(ServerQuery, EndpointsWithoutParametersRefuseAnyQuery) {
  expect_400("/healthz?verbose=1", "verbose", "this endpoint takes no query parameters");
  expect_400("/metrics?user=u2=u1", "user", "more than one '='");
  EXPECT_EQ(http_get(port_, "/healthz").status, 200);
  EXPECT_EQ(http_get(port_, "/healthz?").status, 200);  // an empty query is no parameter
  EXPECT_EQ(http_get(port_, "/metrics").status, 200);
  // /v1/events answers before reading the body.
  const auto post = test::http_post(
      port_, "/v1/events?user=u1",
      R"({"user":"u1","item":"i1","event":"click"})" "\n");
  EXPECT_EQ(post.status, 400) << post.body;
  EXPECT_EQ(post.json.value("parameter", ""), "user") << post.body;
  EXPECT_EQ(test::read_file(tiny_.dir / "events" / "events.inter"), "");  // nothing logged
}

// A request refused before its body was read leaves the body unread, which
// must not be read as the next request on a kept-alive connection: a proxy
// reusing the connection would get a response to bytes that were a body.
// Refusals with a body say Connection: close, and the server closes.
TEST_F(ServerQuery, ARefusalLeavingABodyUnreadSaysConnectionClose) {
  httplib::Client client("127.0.0.1", port_);
  client.set_keep_alive(true);  // no "Connection: close" from the client
  for (const char* target : {"/v1/events?user=u1", "/v1/recommend?user=u1", "/nowhere"}) {
    const test::Reply reply = test::to_reply(client.Post(target, "{}\n", "application/x-ndjson"));
    EXPECT_GE(reply.status, 400) << target << ": " << reply.body;
    ASSERT_EQ(reply.headers.count("Connection"), 1u) << target;
    EXPECT_EQ(reply.headers.find("Connection")->second, "close") << target;
  }
  // A refused GET has no body left behind: the connection stays usable.
  httplib::Client get_client("127.0.0.1", port_);
  get_client.set_keep_alive(true);
  const test::Reply reply = test::to_reply(get_client.Get("/healthz?x=1"));
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.headers.count("Connection"), 0u);
}

}  // namespace
}  // namespace invr
