// The server over real loopback HTTP on the hand-made tiny world; every
// expected slate is computed by hand in server_test_util.h's comment.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "invr/atomic_io.h"
#include "invr/error.h"
#include "invr/server.h"
#include "serving/server_test_util.h"

namespace invr {
namespace {
using test::http_get;
using test::http_post;
using test::slate_ids;
using test::slate_sources;
using Ids = std::vector<std::string>;

class ServerHttp : public ::testing::Test {
 protected:
  void start() {
    server_ = std::make_unique<Server>(tiny_.config);
    server_->start();
    port_ = server_->port();
  }
  void SetUp() override { start(); }

  test::TinyServing tiny_;
  std::unique_ptr<Server> server_;
  int port_ = 0;
};

TEST_F(ServerHttp, ControlArmServesTheMainSlate) {
  const auto reply = http_get(port_, "/v1/recommend?user=u1&n=8&arm=control");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.headers.find("Content-Type")->second, "application/json");
  const auto& json = reply.json;
  // u1 clicked i2 (seen); the impression of i3 does not hide it.
  EXPECT_EQ(slate_ids(json), (Ids{"i1", "i3", "i4", "i5", "i6", "i7", "i8", "i9"}));
  EXPECT_EQ(slate_sources(json), "mmmmmmmm");
  EXPECT_EQ(json["user"], "u1");
  EXPECT_EQ(json["arm"], "control");
  EXPECT_EQ(json["generation"], "g1");
  EXPECT_EQ(json["fallback"], false);
  EXPECT_EQ(json["known_user"], true);
  EXPECT_EQ(json["items"][0]["producer"], "p1");
  EXPECT_EQ(json["items"][1]["producer"], "p3");
  EXPECT_NEAR(json["items"][0]["score"].get<double>(), 1.0, 1e-6);
  EXPECT_NEAR(json["items"][7]["score"].get<double>(), 0.2, 1e-6);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(json["items"][i]["position"], i + 1);
  for (const char* stage : {"lookup_us", "candidates_us", "assemble_us", "total_us"})
    EXPECT_GE(json["timing"][stage].get<std::int64_t>(), 0) << stage;
}

TEST_F(ServerHttp, InvrArmsInsertTheirOrderingAtSlots3And8) {
  // user_rank [i1, i12, i2, i11]: i1 is in the main slate, i2 was seen.
  auto reply = http_get(port_, "/v1/recommend?user=u1&n=8&arm=invr-user-rank");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i1", "i3", "i12", "i4", "i5", "i6", "i7", "i11"}));
  EXPECT_EQ(slate_sources(reply.json), "mmimmmmi");
  EXPECT_EQ(reply.json["items"][2]["score"], 0.25);  // the stored candidate score
  EXPECT_EQ(reply.json["items"][7]["score"], 0.5);
  EXPECT_EQ(reply.json["items"][2]["producer"], "p3");
  EXPECT_EQ(reply.json["items"][2]["position"], 3);
  EXPECT_EQ(reply.json["items"][7]["position"], 8);

  reply = http_get(port_, "/v1/recommend?user=u1&n=8&arm=invr-score");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i1", "i3", "i11", "i4", "i5", "i6", "i7", "i12"}));
  EXPECT_EQ(slate_sources(reply.json), "mmimmmmi");

  reply = http_get(port_, "/v1/recommend?user=u1&n=8&arm=invr-random");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i1", "i3", "i10", "i4", "i5", "i6", "i7", "i12"}));
}

TEST_F(ServerHttp, WithoutArmTheUserIsBucketedBySaltAndId) {
  // docs/serving.md reference values: u1 -> invr-score, u0 -> invr-user-rank.
  auto reply = http_get(port_, "/v1/recommend?user=u1&n=8");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json["arm"], "invr-score");
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i1", "i3", "i11", "i4", "i5", "i6", "i7", "i12"}));
  reply = http_get(port_, "/v1/recommend?user=u0&n=8");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json["arm"], "invr-user-rank");
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i2", "i3", "i12", "i4", "i5", "i6", "i7", "i11"}));
}

TEST_F(ServerHttp, HistoryLessUserGetsPopularItemsAndStillItsCandidates) {
  const auto reply = http_get(port_, "/v1/recommend?user=u2&n=4&arm=invr-user-rank");
  ASSERT_EQ(reply.status, 200) << reply.body;
  // Popularity i7 3, i5 2, i1 1, i2 1 (tie: smaller index); i12 at slot 3.
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i7", "i5", "i12", "i1"}));
  EXPECT_EQ(slate_sources(reply.json), "ppip");
  EXPECT_EQ(reply.json["fallback"], true);
  EXPECT_EQ(reply.json["known_user"], true);
  EXPECT_EQ(reply.json["items"][0]["score"], 3.0);
}

TEST_F(ServerHttp, UnknownUserGetsTheFallback) {
  const auto reply = http_get(port_, "/v1/recommend?user=nobody&n=4&arm=invr-user-rank");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i7", "i5", "i1", "i2"}));
  EXPECT_EQ(slate_sources(reply.json), "pppp");
  EXPECT_EQ(reply.json["fallback"], true);
  EXPECT_EQ(reply.json["known_user"], false);
  EXPECT_EQ(reply.json["generation"], "g1");
}

TEST_F(ServerHttp, NDefaultsTo20AndTheSlateEndsWithTheCatalog) {
  const auto reply = http_get(port_, "/v1/recommend?user=u1&arm=control");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json["items"].size(), 11u);  // 12 items, one seen
}

TEST_F(ServerHttp, EveryBadRequestGetsAJsonErrorNamingTheProblem) {
  struct Case {
    std::string target;
    int status;
    std::string error_part;
  };
  const std::vector<Case> cases = {
      {"/v1/recommend", 400, "missing query parameter 'user'"},
      {"/v1/recommend?n=5", 400, "missing query parameter 'user'"},
      {"/v1/recommend?user=", 400, "'user' must not be empty"},
      {"/v1/recommend?user=a%09b", 400, "control characters"},
      {"/v1/recommend?user=%FF%FE", 400, "valid UTF-8"},
      {"/v1/recommend?user=" + std::string(257, 'x'), 400, "longer than 256 bytes"},
      {"/v1/recommend?user=u1&user=u2", 400, "'user' is given 2 times"},
      {"/v1/recommend?user=u1&n=0", 400, "'n' must be an integer in [1, 100], got \"0\""},
      {"/v1/recommend?user=u1&n=101", 400, "'n' must be an integer in [1, 100]"},
      {"/v1/recommend?user=u1&n=abc", 400, "got \"abc\""},
      {"/v1/recommend?user=u1&n=5x", 400, "got \"5x\""},
      {"/v1/recommend?user=u1&n=-3", 400, "'n' must be an integer"},
      {"/v1/recommend?user=u1&n=1e1", 400, "'n' must be an integer"},
      {"/v1/recommend?user=u1&n=", 400, "'n' must be an integer"},
      {"/v1/recommend?user=u1&arm=bogus", 400,
       "unknown arm \"bogus\"; configured arms: control, invr-random, invr-score, invr-user-rank"},
      {"/v1/recommend?user=u1&arm=", 400, "unknown arm \"\""},
      {"/v1/recommend?user=u1&count=5", 400, "unknown query parameter 'count'; expected user, n, arm"},
      {"/v1/recommendations?user=u1", 404, "no endpoint GET /v1/recommendations"},
      {"/", 404, "no endpoint GET /"},
      {"/v1/events", 405, "/v1/events takes POST, not GET"},
  };
  for (const auto& c : cases) {
    const auto reply = http_get(port_, c.target);
    EXPECT_EQ(reply.status, c.status) << c.target << ": " << reply.body;
    ASSERT_TRUE(reply.json.is_object()) << c.target << ": " << reply.body;
    ASSERT_TRUE(reply.json["error"].is_string()) << c.target;
    EXPECT_NE(reply.json["error"].get<std::string>().find(c.error_part), std::string::npos)
        << c.target << ": " << reply.json["error"];
  }
  const auto post = http_post(port_, "/v1/recommend?user=u1", "x", "text/plain");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers.find("Allow")->second, "GET");
  EXPECT_TRUE(post.json["error"].is_string());
}

TEST_F(ServerHttp, HealthzReportsTheGenerationAndSizes) {
  const auto reply = http_get(port_, "/healthz");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json["status"], "ok");
  EXPECT_EQ(reply.json["generation"], "g1");
  EXPECT_EQ(reply.json["store"], "ok");
  EXPECT_EQ(reply.json["reasons"], nlohmann::json::array());
  EXPECT_EQ(reply.json["users"], 6);
  EXPECT_EQ(reply.json["items"], 12);
  EXPECT_EQ(reply.json["arms"].size(), 4u);
  EXPECT_GE(reply.json["generation_age_seconds"].get<double>(), 0.0);
}

TEST_F(ServerHttp, MetricsCountRequestsItemsAndEvents) {
  // One keep-alive connection is served by one worker, whose logger records
  // each request before it reads the next: the counts below are exact.
  httplib::Client client("127.0.0.1", port_);
  client.set_keep_alive(true);
  ASSERT_EQ(client.Get("/v1/recommend?user=u1&n=8&arm=invr-user-rank")->status, 200);
  ASSERT_EQ(client.Get("/v1/recommend?user=u1&n=8&arm=invr-user-rank")->status, 200);
  ASSERT_EQ(client.Get("/v1/recommend?user=nobody&n=3&arm=control")->status, 200);
  ASSERT_EQ(client.Get("/v1/recommend?user=u1&n=0")->status, 400);
  ASSERT_EQ(client.Post("/v1/events", R"({"user":"u1","item":"i3","event":"click"})",
                        "application/x-ndjson")->status, 200);
  const auto result = client.Get("/metrics");
  ASSERT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = result->body;
  for (const char* line : {
           "invr_http_requests_total{route=\"/v1/recommend\",status=\"200\"} 3\n",
           "invr_http_requests_total{route=\"/v1/recommend\",status=\"400\"} 1\n",
           "invr_http_requests_total{route=\"/v1/events\",status=\"200\"} 1\n",
           "invr_http_request_duration_seconds_count{route=\"/v1/recommend\"} 4\n",
           "invr_http_request_duration_seconds_bucket{route=\"/v1/recommend\",le=\"+Inf\"} 4\n",
           "invr_slates_total{arm=\"invr-user-rank\"} 2\n",
           "invr_slates_total{arm=\"control\"} 1\n",
           "invr_invr_items_served_total{arm=\"invr-user-rank\"} 4\n",
           "invr_invr_items_served_total{arm=\"control\"} 0\n",
           "invr_fallback_slates_total{arm=\"control\"} 1\n",
           "invr_store_errors_total{op=\"get\"} 0\n",
           "invr_generation_info{generation=\"g1\"} 1\n",
           "invr_events_logged_total{event=\"click\"} 1\n",
           "invr_events_logged_total{event=\"impression\"} 0\n",
           "invr_catalog_items 12\n",
           "invr_retrieval_recall 1.0000\n",  // exact retrieval
           "# TYPE invr_http_request_duration_seconds histogram\n",
       })
    EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line << "\nin:\n" << text;
  EXPECT_NE(text.find("invr_generation_age_seconds "), std::string::npos);
}

TEST_F(ServerHttp, ARefreshSwitchesToTheNewGeneration) {
  auto store = open_store(tiny_.config.serve.store);
  test::commit_generation(*store, "g2",
                          {{"u1", test::candidates({}, {}, {{"i10", 0.125f, 1}})}});
  EXPECT_EQ(server_->generation(), "g1");  // pinned until a refresh
  EXPECT_TRUE(server_->refresh());
  EXPECT_FALSE(server_->refresh());
  EXPECT_EQ(server_->generation(), "g2");
  auto reply = http_get(port_, "/v1/recommend?user=u1&n=8&arm=invr-user-rank");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json["generation"], "g2");
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i1", "i3", "i10", "i4", "i5", "i6", "i7", "i8"}));
  EXPECT_EQ(slate_sources(reply.json), "mmimmmmm");
  // u0 has no lists in g2: the main slate.
  reply = http_get(port_, "/v1/recommend?user=u0&n=8&arm=invr-user-rank");
  EXPECT_EQ(slate_sources(reply.json), "mmmmmmmm");
}

TEST(ServerStartup, AMissingStoreDirectoryIsAnErrorNotAnEmptyStore) {
  test::TinyServing tiny;
  tiny.config.serve.store = "rocksdb:" + (tiny.dir / "no-such-store").string();
  EXPECT_THROW(Server server(tiny.config), IoError);
}

TEST(ServerStartup, WithoutAStoreInvrArmsServeTheMainSlate) {
  test::TinyServing tiny;
  tiny.config.serve.store.clear();
  Server server(tiny.config);
  server.start();
  const auto reply = http_get(server.port(), "/v1/recommend?user=u1&n=8&arm=invr-user-rank");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_TRUE(reply.json["generation"].is_null());
  EXPECT_EQ(slate_sources(reply.json), "mmmmmmmm");
  EXPECT_EQ(http_get(server.port(), "/healthz").json["store"], "none");
}

TEST(ServerStartup, ATakenPortIsAnIoError) {
  test::TinyServing tiny;
  Server first(tiny.config);
  first.start();
  tiny.config.serve.port = first.port();
  Server second(tiny.config);
  EXPECT_THROW(second.start(), IoError);
  EXPECT_EQ(http_get(first.port(), "/healthz").status, 200);
}

TEST(ServerStartup, ASlowClientDoesNotBlockOthers) {
  test::TinyServing tiny;
  tiny.config.serve.http_threads = 2;
  Server server(tiny.config);
  server.start();
  // A client that sends half a request and then stalls holds no thread (the
  // front end is event-driven; server_slow_clients_test.cc has 120 of them)...
  const int slow = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(server.port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(slow, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  const std::string half = "GET /v1/recommend?user=u1 HTTP/1.1\r\nHost: x\r\n";
  ASSERT_EQ(::send(slow, half.data(), half.size(), 0), static_cast<ssize_t>(half.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // ... and the two workers serve everyone else meanwhile.
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(http_get(server.port(), "/v1/recommend?user=u0&n=3&arm=control").status, 200);
  ::close(slow);
}

TEST(ServerStartup, AccessLogHasOneJsonLinePerRequest) {
  test::TinyServing tiny;
  tiny.config.serve.access_log = (tiny.dir / "access.log").string();
  {
    Server server(tiny.config);
    server.start();
    EXPECT_EQ(http_get(server.port(), "/v1/recommend?user=u1&n=3&arm=control").status, 200);
    EXPECT_EQ(http_get(server.port(), "/nowhere").status, 404);
    server.stop();
  }
  const std::string text = test::read_file(tiny.dir / "access.log");
  std::vector<nlohmann::json> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    lines.push_back(nlohmann::json::parse(text.substr(start, end - start)));
    start = end + 1;
  }
  ASSERT_EQ(lines.size(), 2u) << text;
  // Each line is written after its response is sent, on the worker thread that
  // served it, so the two lines may land in either order.
  if (lines[0]["status"] == 404) std::swap(lines[0], lines[1]);
  EXPECT_EQ(lines[0]["target"], "/v1/recommend?user=u1&n=3&arm=control");
  EXPECT_EQ(lines[0]["status"], 200);
  EXPECT_EQ(lines[0]["method"], "GET");
  EXPECT_EQ(lines[0]["arm"], "control");
  EXPECT_GE(lines[0]["duration_us"].get<std::int64_t>(), 0);
  EXPECT_EQ(lines[1]["status"], 404);
  EXPECT_EQ(lines[1]["target"], "/nowhere");
}

// An approximate item index: the server measures its recall against exact
// search at start and reports it in /metrics (docs/serving_http.md).
TEST(ServerRetrievalRecall, AnIvfIndexReportsItsRecallInMetrics) {
  test::TinyServing tiny;
  tiny.config.serve.retrieval = "ivf2";
  tiny.config.slate.nprobe = 1;  // one of the two lists: some of the 12 items are missed
  Server server(tiny.config);
  server.start();
  httplib::Client client("127.0.0.1", server.port());
  ASSERT_EQ(client.Get("/v1/recommend?user=u1&n=3&arm=control")->status, 200);
  const auto metrics = client.Get("/metrics");
  ASSERT_EQ(metrics->status, 200);
  const std::string& text = metrics->body;
  const auto at = text.find("\ninvr_retrieval_recall ");
  ASSERT_NE(at, std::string::npos) << text;
  const double recall = std::stod(text.substr(at + 23));
  EXPECT_GT(recall, 0.0);
  EXPECT_LT(recall, 1.0);
}

}  // namespace
}  // namespace invr
