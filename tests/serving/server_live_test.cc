// Live state over real loopback HTTP on the tiny world (issue 16, item 3): a
// click posted to /v1/events is in effect at the user's next request, for
// every source (main retrieval, popular, InvR insertion, /v1/insert), under
// concurrent posting, and again after a restart (the event log is replayed).
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "invr/server.h"
#include "invr/store.h"
#include "serving/server_test_util.h"

namespace invr {
namespace {
using nlohmann::json;
using test::http_get;
using test::http_post;
using test::slate_ids;
using Ids = std::vector<std::string>;

std::string click(const std::string& user, const std::string& item,
                  const std::string& event = "click") {
  return json{{"user", user}, {"item", item}, {"event", event}}.dump() + "\n";
}

Ids recommend(int port, const std::string& target) {
  const auto reply = http_get(port, target);
  EXPECT_EQ(reply.status, 200) << reply.body;
  return reply.status == 200 ? slate_ids(reply.json) : Ids{};
}

TEST(ServerLive, APostedClickLeavesTheUsersNextReplyFromEverySource) {
  test::TinyServing tiny;
  Server server(tiny.config);
  server.start();
  const int port = server.port();
  const std::string u0 = "/v1/recommend?user=u0&n=8&arm=invr-user-rank";
  // Before (server_http_test): i2 main at 1, i12 and i11 inserted at 3 and 8.
  ASSERT_EQ(recommend(port, u0), (Ids{"i2", "i3", "i12", "i4", "i5", "i6", "i7", "i11"}));

  // A main item and an InvR candidate clicked; an impression is not "seen"
  // (the job's definition, is_positive), so i3 stays.
  ASSERT_EQ(http_post(port, "/v1/events", click("u0", "i2") + click("u0", "i12") +
                                              click("u0", "i3", "impression"))
                .status,
            200);
  EXPECT_EQ(recommend(port, u0), (Ids{"i3", "i4", "i11", "i5", "i6", "i7", "i8", "i9"}));

  // Popular: a user neither the dataset nor the (precomputed) model knows
  // keeps the fallback after clicking (the model gives them a zero vector).
  const std::string newcomer = "/v1/recommend?user=newcomer&n=4&arm=control";
  ASSERT_EQ(recommend(port, newcomer), (Ids{"i7", "i5", "i1", "i2"}));
  ASSERT_EQ(http_post(port, "/v1/events", click("newcomer", "i7")).status, 200);
  auto reply = http_get(port, newcomer);
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i5", "i1", "i2", "i3"}));
  EXPECT_EQ(reply.json["fallback"], true);

  // u2 is in the dataset without a positive event: popular until a click,
  // then embedded from the posted history (a precomputed model answers with
  // its stored u2 row, (0, 1): every item scores 0, index order).
  const std::string u2 = "/v1/recommend?user=u2&n=4&arm=control";
  ASSERT_EQ(recommend(port, u2), (Ids{"i7", "i5", "i1", "i2"}));
  ASSERT_EQ(http_post(port, "/v1/events", click("u2", "i1")).status, 200);
  reply = http_get(port, u2);
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i2", "i3", "i4", "i5"}));
  EXPECT_EQ(reply.json["fallback"], false);
  EXPECT_EQ(test::slate_sources(reply.json), "mmmm");

  // /v1/insert: u0's remaining candidate i11 is inserted until clicked; the
  // platform's own items are kept as given (its ranking's business).
  const json insert = {{"user", "u0"},
                       {"arm", "invr-user-rank"},
                       {"slate", json::array({json{{"id", "i2"}}, json{{"id", "i4"}}, json{{"id", "i5"}}})}};
  reply = http_post(port, "/v1/insert", insert.dump(), "application/json");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i2", "i4", "i11", "i5"}));
  ASSERT_EQ(http_post(port, "/v1/events", click("u0", "i11")).status, 200);
  reply = http_post(port, "/v1/insert", insert.dump(), "application/json");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i2", "i4", "i5"}));
  EXPECT_EQ(reply.json["inserted"], 0);

}

TEST(ServerLive, ClicksPostedConcurrentlyWithRequestsAllTakeEffect) {
  test::TinyServing tiny;
  Server server(tiny.config);
  server.start();
  const int port = server.port();
  // Four posters click every item but i12 for their own users while four
  // readers request slates of the same users.
  std::atomic<int> failures{0};
  std::atomic<bool> posting{true};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int item = 1; item <= 11; ++item)
        if (http_post(port, "/v1/events", click(fmt::format("c{}", t), fmt::format("i{}", item))).status != 200)
          ++failures;
    });
  }
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      while (posting)
        if (http_get(port, fmt::format("/v1/recommend?user=c{}&n=3&arm=control", t)).status != 200)
          ++failures;
    });
  }
  for (auto& thread : threads) thread.join();
  posting = false;
  for (auto& thread : readers) thread.join();
  EXPECT_EQ(failures, 0);
  for (int t = 0; t < 4; ++t)
    EXPECT_EQ(recommend(port, fmt::format("/v1/recommend?user=c{}&n=3&arm=control", t)), (Ids{"i12"}));
}

TEST(ServerLive, ClicksStayInEffectAfterARestart) {
  test::TinyServing tiny;
  const std::string u0 = "/v1/recommend?user=u0&n=8&arm=invr-user-rank";
  {
    Server server(tiny.config);
    server.start();
    ASSERT_EQ(http_post(server.port(), "/v1/events", click("u0", "i2") + click("u0", "i12")).status, 200);
  }
  Server restarted(tiny.config);
  restarted.start();
  EXPECT_EQ(recommend(restarted.port(), u0), (Ids{"i3", "i4", "i11", "i5", "i6", "i7", "i8", "i9"}));
}

TEST(ServerLive, ARollbackIsServedAtTheNextRefreshWithoutARestart) {
  test::TinyServing tiny;
  {
    auto store = open_store(tiny.config.serve.store);
    test::commit_generation(*store, "g2", {{"u0", test::candidates({}, {}, {{"i10", 0.5f, 1}})}});
  }
  Server server(tiny.config);
  server.start();
  const std::string u0 = "/v1/recommend?user=u0&n=4&arm=invr-user-rank";
  auto reply = http_get(server.port(), u0);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json["generation"], "g2");
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i2", "i3", "i10", "i4"}));
  const auto result = test::run_cli("candidates --store " + tiny.config.serve.store + " --rollback");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(server.refresh());
  reply = http_get(server.port(), u0);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json["generation"], "g1");
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i2", "i3", "i12", "i4"}));
}

}  // namespace
}  // namespace invr
