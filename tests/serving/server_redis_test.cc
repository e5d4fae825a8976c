// The server on a real redis-server: two servers sharing one Redis serve
// identical slates; a Redis that stops answering gives 503 on InvR arms
// (control keeps serving) and the server recovers when it answers again.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "invr/error.h"
#include "invr/server.h"
#include "redis_server.h"
#include "serving/server_test_util.h"

namespace invr {
namespace {
using namespace std::chrono_literals;
using test::http_get;
using test::slate_ids;

// The reply without its timing, which differs between any two requests.
nlohmann::json without_timing(nlohmann::json reply) {
  reply.erase("timing");
  return reply;
}

struct RedisTiny {
  test::RedisServer redis;
  test::TinyServing tiny;

  RedisTiny() {
    const std::string uri = redis.uri("?prefix=serve");
    test::commit_generation(*open_store(uri), "g1", test::tiny_generation_g1());
    tiny.config.serve.store = uri;
    tiny.config.serve.store_timeout_ms = 300;
  }
};

TEST(ServerRedis, TwoServersOnOneRedisServeIdenticalSlates) {
  INVR_REQUIRE_REDIS();
  RedisTiny setup;
  Server first(setup.tiny.config);
  Server second(setup.tiny.config);
  first.start();
  second.start();
  int compared = 0;
  for (const char* user : {"u0", "u1", "u2", "u3", "nobody"})
    for (const char* arm : {"control", "invr-random", "invr-score", "invr-user-rank"}) {
      const std::string target = fmt::format("/v1/recommend?user={}&n=8&arm={}", user, arm);
      const auto a = http_get(first.port(), target);
      const auto b = http_get(second.port(), target);
      ASSERT_EQ(a.status, 200) << target << ": " << a.body;
      ASSERT_EQ(b.status, 200) << target << ": " << b.body;
      EXPECT_EQ(without_timing(a.json), without_timing(b.json)) << target;
      ++compared;
    }
  EXPECT_EQ(compared, 20);
  // And they are the hand-computed slates.
  const auto reply = http_get(first.port(), "/v1/recommend?user=u1&n=8&arm=invr-user-rank");
  EXPECT_EQ(slate_ids(reply.json),
            (std::vector<std::string>{"i1", "i3", "i12", "i4", "i5", "i6", "i7", "i11"}));
  EXPECT_EQ(reply.json["generation"], "g1");
}

TEST(ServerRedis, AStalledStoreGives503OnInvrArmsAndTheServerRecovers) {
  INVR_REQUIRE_REDIS();
  RedisTiny setup;
  Server server(setup.tiny.config);
  server.start();
  const std::string invr_target = "/v1/recommend?user=u1&n=8&arm=invr-user-rank";
  ASSERT_EQ(http_get(server.port(), invr_target).status, 200);

  // A stopped process keeps its socket: commands time out (store_timeout_ms).
  ASSERT_EQ(::kill(setup.redis.pid(), SIGSTOP), 0);
  const auto stalled = http_get(server.port(), invr_target);
  const auto control = http_get(server.port(), "/v1/recommend?user=u1&n=8&arm=control");
  EXPECT_THROW(server.refresh(), Error);
  ASSERT_EQ(::kill(setup.redis.pid(), SIGCONT), 0);

  EXPECT_EQ(stalled.status, 503) << stalled.body;
  ASSERT_TRUE(stalled.json.is_object()) << stalled.body;
  EXPECT_NE(stalled.json["error"].get<std::string>().find("candidate store unavailable"),
            std::string::npos)
      << stalled.body;
  EXPECT_EQ(control.status, 200) << "control arms do not read the store: " << control.body;
  EXPECT_EQ(http_get(server.port(), "/healthz").json["status"], "degraded");

  // Recovery: the broken connection was dropped; the next get reconnects.
  test::Reply recovered;
  int failed_retries = 0;
  for (int attempt = 0; attempt < 50 && recovered.status != 200; ++attempt) {
    recovered = http_get(server.port(), invr_target);
    if (recovered.status != 200) {
      ++failed_retries;
      std::this_thread::sleep_for(100ms);
    }
  }
  ASSERT_EQ(recovered.status, 200) << recovered.body;
  EXPECT_EQ(slate_ids(recovered.json),
            (std::vector<std::string>{"i1", "i3", "i12", "i4", "i5", "i6", "i7", "i11"}));
  EXPECT_NO_THROW(server.refresh());
  EXPECT_EQ(http_get(server.port(), "/healthz").json["status"], "ok");
  const auto metrics = http_get(server.port(), "/metrics").body;
  EXPECT_NE(metrics.find(fmt::format("invr_store_errors_total{{op=\"get\"}} {}\n", 1 + failed_retries)),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("invr_store_errors_total{op=\"refresh\"} 1\n"), std::string::npos) << metrics;
}

// Regression (issue 17, item 9): the 503 carried the store error's text, the
// Redis URI (host, port, prefix) included. The log keeps it; the client gets
// a short reason.
TEST(ServerRedis, AStoreOutages503DoesNotRevealTheRedisUri) {
  INVR_REQUIRE_REDIS();
  RedisTiny setup;
  Server server(setup.tiny.config);
  server.start();
  ASSERT_EQ(::kill(setup.redis.pid(), SIGSTOP), 0);
  const auto stalled = http_get(server.port(), "/v1/recommend?user=u1&n=8&arm=invr-user-rank");
  ASSERT_EQ(::kill(setup.redis.pid(), SIGCONT), 0);
  EXPECT_EQ(stalled.status, 503) << stalled.body;
  ASSERT_TRUE(stalled.json.is_object()) << stalled.body;
  EXPECT_EQ(stalled.json["error"], "candidate store unavailable (the reason is in the server log)");
  const std::string uri = setup.tiny.config.serve.store;  // redis://127.0.0.1:PORT?prefix=serve
  const std::string port = uri.substr(uri.rfind(':') + 1, uri.find('?') - uri.rfind(':') - 1);
  for (const std::string& secret : {std::string("redis://"), std::string("127.0.0.1"), port,
                                    std::string("prefix")})
    EXPECT_EQ(stalled.body.find(secret), std::string::npos) << secret << " in " << stalled.body;
}

TEST(ServerRedis, StopLetsAnInFlightRequestFinish) {
  INVR_REQUIRE_REDIS();
  RedisTiny setup;
  setup.tiny.config.serve.store_timeout_ms = 5000;
  Server server(setup.tiny.config);
  server.start();
  const int port = server.port();
  // A stopped Redis holds the request inside the handler (waiting on its get).
  ASSERT_EQ(::kill(setup.redis.pid(), SIGSTOP), 0);
  test::Reply in_flight;
  std::thread client([&] { in_flight = http_get(port, "/v1/recommend?user=u1&n=8&arm=invr-user-rank"); });
  std::this_thread::sleep_for(300ms);
  std::thread stopper([&] { server.stop(); });
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(http_get(port, "/healthz").status, 0) << "still accepting after stop()";
  ASSERT_EQ(::kill(setup.redis.pid(), SIGCONT), 0);
  client.join();
  stopper.join();
  EXPECT_EQ(in_flight.status, 200) << in_flight.body;
  EXPECT_EQ(slate_ids(in_flight.json),
            (std::vector<std::string>{"i1", "i3", "i12", "i4", "i5", "i6", "i7", "i11"}));
}

}  // namespace
}  // namespace invr
