// The server when the store loses what it serves, and one pin per request:
//  - issue 17, item 6: after a FLUSHALL, deleted keys or a removed RocksDB
//    generation folder, /healthz says "degraded" with a short reason (no URI
//    or path), the server falls back to the newest readable generation (or
//    serves InvR arms without candidates), logs it and counts it in /metrics;
//  - issue 16, item 2: a reply's generation is the one its candidates came
//    from, even when a refresh switches generations during the request.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>

#include "invr/error.h"
#include "invr/server.h"
#include "redis_server.h"
#include "serving/server_test_util.h"
#include "store/read_hook.h"

namespace invr {
namespace {
namespace fs = std::filesystem;
using test::http_get;
using test::slate_ids;

const std::string kInvrTarget = "/v1/recommend?user=u1&n=8&arm=invr-user-rank";
const std::vector<std::string> kG1Slate{"i1", "i3", "i12", "i4", "i5", "i6", "i7", "i11"};

// Generation k (k >= 2) gives u1 user-rank candidates outside u1's main slate
// of 8 (i10, i11, i12), a different set in each generation; g1 is the
// hand-computed tiny one, whose InvR items for u1 are i12 and i11.
const std::map<int, std::vector<std::string>> kInvrItems{
    {1, {"i11", "i12"}}, {2, {"i10"}}, {3, {"i11"}}, {4, {"i12"}}, {5, {"i10", "i12"}}};

std::map<std::string, StoredCandidates> generation(int k) {
  if (k == 1) return test::tiny_generation_g1();
  test::CandidateRows rows;
  for (const std::string& item : kInvrItems.at(k)) rows.push_back({item, 0.5f, 1});
  return {{"u1", test::candidates({}, {}, rows)}};
}

// The InvR items of a reply are exactly those of the generation it names.
::testing::AssertionResult candidates_match_generation(const test::Reply& reply) {
  if (reply.status != 200) return ::testing::AssertionFailure() << reply.status << ": " << reply.body;
  if (!reply.json["generation"].is_string()) return ::testing::AssertionFailure() << "no generation: " << reply.body;
  const std::string id = reply.json["generation"];
  std::vector<std::string> invr;
  for (const auto& item : reply.json["items"])
    if (item["source"] == "invr") invr.push_back(item["id"]);
  std::sort(invr.begin(), invr.end());
  if (invr != kInvrItems.at(std::stoi(id.substr(1))))
    return ::testing::AssertionFailure() << "InvR items " << nlohmann::json(invr) << " are not those of " << id
                                         << ": " << reply.body;
  return ::testing::AssertionSuccess();
}

std::string metric_line(int port, const std::string& name) {
  const std::string body = http_get(port, "/metrics").body;
  const std::size_t at = body.find("\n" + name + " ");
  if (at == std::string::npos) return "(absent)";
  return body.substr(at + 1, body.find('\n', at + 1) - at - 1);
}

// The healthz body names neither the store's URI nor its parts.
void expect_no_store_location(const std::string& body, const std::string& uri) {
  for (const std::string& secret : {std::string("redis://"), std::string("127.0.0.1"),
                                    std::string("rocksdb:"), std::string("/tmp"), uri})
    EXPECT_EQ(body.find(secret), std::string::npos) << secret << " in " << body;
}

struct RedisTiny {
  test::RedisServer redis;
  test::TinyServing tiny;
  std::unique_ptr<CandidateStore> store;

  RedisTiny() {
    const std::string uri = redis.uri("?prefix=health");
    store = open_store(uri);
    test::commit_generation(*store, "g1", generation(1));
    tiny.config.serve.store = uri;
    tiny.config.serve.store_timeout_ms = 300;
  }

  void delete_generation(const std::string& id) {
    const std::string keys = redis.command({"KEYS", "health:gen:" + id + ":*"});
    std::vector<std::string> del{"DEL"};
    for (std::size_t start = 0; start <= keys.size();) {
      const std::size_t end = std::min(keys.find('\n', start), keys.size());
      del.push_back(keys.substr(start, end - start));
      start = end + 1;
    }
    ASSERT_EQ(redis.command(del), std::to_string(del.size() - 1));
  }
};

// Reproducer: FLUSHALL, then every InvR request got 503 while /healthz said ok.
TEST(ServerStoreHealth, AFlushedRedisIsDegradedAndInvrArmsServeWithoutCandidates) {
  INVR_REQUIRE_REDIS();
  RedisTiny setup;
  Server server(setup.tiny.config);
  server.start();
  ASSERT_EQ(slate_ids(http_get(server.port(), kInvrTarget).json), kG1Slate);
  ASSERT_EQ(setup.redis.command({"FLUSHALL"}), "OK");

  // Before the next refresh: the read fails (503) and health says so at once.
  EXPECT_EQ(http_get(server.port(), kInvrTarget).status, 503);
  auto health = http_get(server.port(), "/healthz");
  EXPECT_EQ(health.json["status"], "degraded") << health.body;
  EXPECT_EQ(health.json["store"], "degraded");
  EXPECT_NE(health.body.find("candidate reads are failing"), std::string::npos) << health.body;

  // The refresh finds g1 gone and nothing else readable: no pin.
  EXPECT_TRUE(server.refresh());
  EXPECT_EQ(server.generation(), std::nullopt);
  const auto reply = http_get(server.port(), kInvrTarget);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_TRUE(reply.json["generation"].is_null());
  EXPECT_EQ(test::slate_sources(reply.json), "mmmmmmmm");
  health = http_get(server.port(), "/healthz");
  EXPECT_EQ(health.json["status"], "degraded") << health.body;
  EXPECT_TRUE(health.json["generation"].is_null());
  EXPECT_EQ(health.json["reasons"],
            nlohmann::json::array({"generation g1 can no longer be read and no other generation can; "
                                   "InvR arms serve without candidates"}))
      << health.body;
  expect_no_store_location(health.body, setup.tiny.config.serve.store);
  EXPECT_EQ(metric_line(server.port(), "invr_generation_fallbacks_total{to=\"none\"}"),
            "invr_generation_fallbacks_total{to=\"none\"} 1");

  // Still degraded at the next refresh; healthy again once the job commits.
  EXPECT_FALSE(server.refresh());
  EXPECT_EQ(http_get(server.port(), "/healthz").json["status"], "degraded");
  test::commit_generation(*setup.store, "g2", generation(2));
  EXPECT_TRUE(server.refresh());
  health = http_get(server.port(), "/healthz");
  EXPECT_EQ(health.json["status"], "ok") << health.body;
  EXPECT_EQ(health.json["reasons"], nlohmann::json::array());
  EXPECT_TRUE(candidates_match_generation(http_get(server.port(), kInvrTarget)));
}

TEST(ServerStoreHealth, DeletedKeysOfTheServedGenerationFallBackToTheNewestReadable) {
  INVR_REQUIRE_REDIS();
  RedisTiny setup;
  test::commit_generation(*setup.store, "g2", generation(2));
  test::commit_generation(*setup.store, "g3", generation(3));
  Server server(setup.tiny.config);
  server.start();
  ASSERT_EQ(server.generation(), "g3");
  setup.delete_generation("g3");
  setup.delete_generation("g2");
  EXPECT_TRUE(server.refresh());
  EXPECT_EQ(server.generation(), "g1");
  const auto reply = http_get(server.port(), kInvrTarget);
  EXPECT_EQ(reply.json["generation"], "g1") << reply.body;
  EXPECT_EQ(slate_ids(reply.json), kG1Slate);
  const auto health = http_get(server.port(), "/healthz");
  EXPECT_EQ(health.json["status"], "degraded") << health.body;
  EXPECT_EQ(health.json["generation"], "g1");
  EXPECT_EQ(health.json["reasons"],
            nlohmann::json::array({"generation g3 can no longer be read; serving g1, the newest readable generation"}));
  expect_no_store_location(health.body, setup.tiny.config.serve.store);
  EXPECT_FALSE(server.refresh());  // counted once, not at every refresh
  EXPECT_EQ(metric_line(server.port(), "invr_generation_fallbacks_total{to=\"older\"}"),
            "invr_generation_fallbacks_total{to=\"older\"} 1");
}

// RocksDB keeps a pinned generation readable through its open files, so the
// loss shows when a server opens the store: it starts on the newest readable
// generation instead of failing to start.
TEST(ServerStoreHealth, ARemovedRocksDbGenerationFolderFallsBackToTheNewestReadable) {
  test::TinyServing tiny;
  auto store = open_store(tiny.config.serve.store);
  test::commit_generation(*store, "g2", generation(2));
  fs::remove_all(tiny.dir / "store" / "generations" / "g2");
  Server server(tiny.config);
  server.start();
  EXPECT_EQ(server.generation(), "g1");
  const auto reply = http_get(server.port(), kInvrTarget);
  EXPECT_EQ(reply.json["generation"], "g1") << reply.body;
  EXPECT_EQ(slate_ids(reply.json), kG1Slate);
  const auto health = http_get(server.port(), "/healthz");
  EXPECT_EQ(health.json["status"], "degraded") << health.body;
  EXPECT_EQ(health.json["reasons"],
            nlohmann::json::array({"generation g2 can no longer be read; serving g1, the newest readable generation"}));
  expect_no_store_location(health.body, tiny.config.serve.store);
  EXPECT_EQ(metric_line(server.port(), "invr_generation_fallbacks_total{to=\"older\"}"),
            "invr_generation_fallbacks_total{to=\"older\"} 1");
  test::commit_generation(*store, "g3", generation(3));
  EXPECT_TRUE(server.refresh());
  EXPECT_EQ(http_get(server.port(), "/healthz").json["status"], "ok");
  EXPECT_TRUE(candidates_match_generation(http_get(server.port(), kInvrTarget)));
}

// Leftover of issue 17, item 9: /healthz showed a failing refresh's error,
// which names the Redis URI.
TEST(ServerStoreHealth, AFailingRefreshIsDegradedWithoutTheStoresUri) {
  INVR_REQUIRE_REDIS();
  RedisTiny setup;
  Server server(setup.tiny.config);
  server.start();
  ASSERT_EQ(::kill(setup.redis.pid(), SIGSTOP), 0);
  EXPECT_THROW(server.refresh(), Error);
  ASSERT_EQ(::kill(setup.redis.pid(), SIGCONT), 0);
  const auto health = http_get(server.port(), "/healthz");
  EXPECT_EQ(health.json["status"], "degraded") << health.body;
  EXPECT_EQ(health.json["generation"], "g1");
  EXPECT_EQ(health.json["reasons"],
            nlohmann::json::array({"the last store refresh failed; the pinned generation is still served (the reason "
                                   "is in the server log)"}));
  expect_no_store_location(health.body, setup.tiny.config.serve.store);
}

// Issue 16, item 2, over HTTP on both backends: a refresh forced into the
// request (just before the store read takes its pin, and just after) never
// makes the reply's generation disagree with its candidates; nor do refreshes
// racing a client loop.
class ServerPin : public ::testing::TestWithParam<std::string> {};

TEST_P(ServerPin, AReplysGenerationAlwaysMatchesItsCandidates) {
  std::unique_ptr<test::RedisServer> redis;
  test::TinyServing tiny;
  if (GetParam() == "redis") {
    INVR_REQUIRE_REDIS();
    redis = std::make_unique<test::RedisServer>();
    tiny.config.serve.store = redis->uri("?prefix=pin");
    test::commit_generation(*open_store(tiny.config.serve.store), "g1", generation(1));
  }
  auto store = open_store(tiny.config.serve.store);
  Server server(tiny.config);
  server.start();

  std::atomic<int> next{2};
  std::atomic<bool> armed{false};
  store::ReadPoint switch_at = store::ReadPoint::before_pin;
  store::set_read_hook([&](store::ReadPoint point, std::string_view) {
    if (point != switch_at || !armed.exchange(false)) return;
    test::commit_generation(*store, fmt::format("g{}", next.load()), generation(next.load()));
    EXPECT_TRUE(server.refresh());
    ++next;
  });
  for (const auto point : {store::ReadPoint::before_pin, store::ReadPoint::after_pin}) {
    switch_at = point;
    armed = true;
    const auto reply = http_get(server.port(), kInvrTarget);
    EXPECT_FALSE(armed) << "the hook did not run";
    EXPECT_TRUE(candidates_match_generation(reply));
    EXPECT_EQ(reply.json["generation"], "g2") << "switched to g2 before the pin; to g3 after it";
  }
  store::set_read_hook({});
  EXPECT_EQ(server.generation(), "g3");

  std::atomic<bool> stop{false};
  std::atomic<int> checked{0};
  std::atomic<int> mismatched{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 2; ++c)
    clients.emplace_back([&] {
      while (!stop) {
        if (!candidates_match_generation(http_get(server.port(), kInvrTarget))) ++mismatched;
        ++checked;
      }
    });
  for (int k = 4; k <= 5; ++k) {
    test::commit_generation(*store, fmt::format("g{}", k), generation(k));
    EXPECT_TRUE(server.refresh());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  while (checked < 40) std::this_thread::yield();
  stop = true;
  for (auto& client : clients) client.join();
  EXPECT_EQ(mismatched, 0);
  EXPECT_EQ(http_get(server.port(), kInvrTarget).json["generation"], "g5");
}

INSTANTIATE_TEST_SUITE_P(Backends, ServerPin, ::testing::Values("rocksdb", "redis"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace invr
