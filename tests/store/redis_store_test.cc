// Redis-only behaviour: connection failures, server-side refusals, key
// layout, several independent clients.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "build_features.h"
#include "store_test_util.h"

namespace invr::test {
namespace {

std::string message_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(RedisStore, AnUnreachableServerIsAnIoErrorNamingTheUriAndReason) {
  INVR_REQUIRE_REDIS_CLIENT();
  const std::string uri = "redis://127.0.0.1:" + std::to_string(unused_loopback_port()) + "?prefix=x";
  const std::string message = message_of([&] { open_store(uri); });
  EXPECT_NE(message.find(uri + ": cannot connect to 127.0.0.1:"), std::string::npos) << message;
  EXPECT_NE(message.find("Connection refused"), std::string::npos) << message;
  EXPECT_THROW(open_store(uri), IoError);
}

TEST(RedisStore, AServerThatGoesAwayGivesIoErrorsAndReadersKeepTheirPin) {
  INVR_REQUIRE_REDIS();
  auto server = std::make_unique<RedisServer>();
  const std::string uri = server->uri("?prefix=gone");
  auto store = open_store(uri);
  write_generation(*store, "a", 5, 1);
  auto reader = store->reader();
  server.reset();  // stopped
  EXPECT_NE(message_of([&] { reader->get(user_name(1)); }).find(uri), std::string::npos);
  EXPECT_THROW(reader->refresh(), IoError);
  EXPECT_THROW(store->current(), IoError);
  EXPECT_EQ(reader->generation(), "a");  // still pinned
}

TEST(RedisStore, KeysFollowTheDocumentedLayout) {
  INVR_REQUIRE_REDIS();
  RedisServer& redis = StoreFactory::shared_redis();
  auto store = open_store(redis.uri("?prefix=layout"));
  write_generation(*store, "g1", 3, 1);
  EXPECT_EQ(redis.command({"GET", "layout:current"}), "g1");
  EXPECT_EQ(redis.command({"ZRANGE", "layout:generations", "0", "-1"}), "g1");
  EXPECT_EQ(redis.command({"EXISTS", "layout:gen:g1:u:" + user_name(1)}), "1");
  EXPECT_EQ(redis.command({"GET", "layout:gen:g1:manifest"}), store->manifest("g1"));
  EXPECT_EQ(redis.command({"SCARD", "layout:writing"}), "0");
  EXPECT_EQ(redis.command({"EXISTS", "layout:pending:g1"}), "0");
  const std::string all = redis.command({"KEYS", "layout:*"});
  EXPECT_EQ(std::count(all.begin(), all.end(), '\n') + 1, 3 + 1 + 2);  // 3 users, manifest, generations, current
}

TEST(RedisStore, DatabasesAndPrefixesAreIsolated) {
  INVR_REQUIRE_REDIS();
  RedisServer& redis = StoreFactory::shared_redis();
  auto a = open_store(redis.uri("?prefix=iso_a"));
  auto b = open_store(redis.uri("?prefix=iso_b"));
  auto c = open_store(redis.uri("/2?prefix=iso_a"));
  write_generation(*a, "g", 5, 1);
  EXPECT_EQ(b->current(), std::nullopt);
  EXPECT_EQ(c->current(), std::nullopt);
  write_generation(*c, "g", 5, 2);
  EXPECT_TRUE(holds_generation(*a, "g", 5, 1));
  EXPECT_TRUE(holds_generation(*c, "g", 5, 2));
}

TEST(RedisStore, TwoServersOnOneRedisReturnIdenticalLists) {
  INVR_REQUIRE_REDIS();
  StoreFactory factory("redis");
  const std::string uri = factory.new_uri();
  write_generation(*open_store(uri), "g", 300, 5);
  auto server_one = open_store(uri)->reader();
  auto server_two = open_store(uri)->reader();
  EXPECT_EQ(server_one->generation(), server_two->generation());
  for (int u = 0; u < 301; ++u) {
    const auto one = server_one->get(user_name(u));
    ASSERT_EQ(one, server_two->get(user_name(u))) << u;
    if (u < 300) {
      EXPECT_EQ(one, sample_candidates(u, 5));
    }
  }
}

TEST(RedisStore, AReaderWhoseGenerationWasRemovedGetsAnIoErrorNotAnEmptyList) {
  INVR_REQUIRE_REDIS();
  StoreFactory factory("redis");
  StoreOptions no_grace;
  no_grace.grace_seconds = 0;
  auto store = open_store(factory.new_uri(), no_grace);
  write_generation(*store, "a", 5, 1);
  auto reader = store->reader();
  write_generation(*store, "b", 5, 2);  // removes a at once
  EXPECT_NE(message_of([&] { reader->get(user_name(1)); }).find("generation a is no longer in the store"),
            std::string::npos);
  EXPECT_TRUE(reader->refresh());
  EXPECT_EQ(reader->get(user_name(1)), sample_candidates(1, 2));
  EXPECT_EQ(reader->get("nobody"), std::nullopt);  // a real miss stays a miss
}

TEST(RedisStore, OutOfMemoryIsAnIoErrorAndThePreviousGenerationStaysServed) {
  INVR_REQUIRE_REDIS();
  RedisServer small({"--maxmemory", "4mb", "--maxmemory-policy", "noeviction"});
  auto store = open_store(small.uri("?prefix=oom"));
  write_generation(*store, "small", 100, 1);
  auto writer = store->begin_generation("huge");
  const std::string message = message_of([&] {
    for (int u = 0; u < 2000; ++u) {
      StoredCandidates big;  // ~20 KB encoded: distinct items, so the codec cannot share entries
      for (int k = 0; k < 200; ++k) big.by_ordering[0].push_back({fmt::format("{}-{}-{:x>90}", u, k, ""), 1.0f, k});
      writer->put(user_name(u), big);
    }
    writer->commit("{}");
  });
  EXPECT_NE(message.find("cannot write generation huge"), std::string::npos) << message;
  EXPECT_NE(message.find("OOM"), std::string::npos) << message;
  EXPECT_THROW(writer->put("late", {}), UsageError);  // a failed writer only aborts
  EXPECT_THROW(writer->commit("{}"), UsageError);
  writer.reset();
  EXPECT_EQ(store->current(), "small");
  EXPECT_TRUE(holds_generation(*store, "small", 100, 1));
  EXPECT_TRUE(small.command({"KEYS", "oom:gen:huge:*"}).empty());  // the aborted writer freed its keys
  write_generation(*store, "next", 100, 2);
  EXPECT_EQ(store->current(), "next");
}

TEST(RedisStore, ADeadWritersPartialGenerationIsCleanedOnceItsHeartbeatIsGone) {
  INVR_REQUIRE_REDIS();
  StoreFactory factory("redis");
  const std::string uri = factory.new_uri();
  const std::string prefix = uri.substr(uri.find("prefix=") + 7);
  RedisServer& redis = StoreFactory::shared_redis();
  StoreOptions options;
  options.batch_users = 4;  // so the puts below reach the server before the checks
  auto store = open_store(uri, options);
  write_generation(*store, "a", 5, 1);
  auto writer = store->begin_generation("stalled");
  for (int u = 0; u < 10; ++u) writer->put(user_name(u), sample_candidates(u, 2));
  writer->commit("{\"unused\":1}");  // commit works while the heartbeat lives...
  auto stalled = store->begin_generation("stalled-2");
  for (int u = 0; u < 10; ++u) stalled->put(user_name(u), sample_candidates(u, 3));
  EXPECT_THROW(store->begin_generation("stalled-2"), UsageError);  // a live writer owns it
  store->remove_expired();
  EXPECT_FALSE(redis.command({"KEYS", prefix + ":gen:stalled-2:*"}).empty());  // live: kept
  redis.command({"DEL", prefix + ":pending:stalled-2"});  // ...as if the heartbeat expired
  store->remove_expired();
  EXPECT_TRUE(redis.command({"KEYS", prefix + ":gen:stalled-2:*"}).empty());
  // The heartbeat is never renewed once lost, so neither the commit nor more
  // puts can resurrect a half-deleted generation.
  EXPECT_NE(message_of([&] { stalled->commit("{}"); }).find("heartbeat expired"), std::string::npos);
  EXPECT_EQ(store->current(), "stalled");
  auto late = store->begin_generation("stalled-3");
  redis.command({"DEL", prefix + ":pending:stalled-3"});
  EXPECT_NE(message_of([&] {
              for (int u = 0; u < 8; ++u) late->put(user_name(u), sample_candidates(u, 4));
            }).find("heartbeat expired"),
            std::string::npos);
  EXPECT_EQ(redis.command({"EXISTS", prefix + ":pending:stalled-3"}), "0");
}

}  // namespace
}  // namespace invr::test
