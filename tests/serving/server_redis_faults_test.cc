// Fault suite (docs/fuzzing.md, "Fault suite"): a server on a real
// redis-server while two clients keep requesting, and Redis is frozen
// (SIGSTOP), crashed and restarted empty, loses the served generation's keys,
// and is flushed (FLUSHALL). The periodic refresh runs every 0.2 s; the test
// never calls refresh() itself. The server runs in this process and as the
// real `invr serve` binary, which must still run at the end. Throughout:
//  - every request is answered: control always 200; InvR arms 200 with the
//    lists of the generation the reply names (or no candidates when it names
//    none), or 503 with the short reason, never the store's URI;
//  - /healthz says degraded with a reason while Redis is unavailable or the
//    served generation is lost, and ok again after recovery;
//  - after the loss of a generation the server falls back to the newest
//    readable one, and moves forward when a new one is committed.
// And the fallback pinned: with no periodic refresh, a server that fell back
// keeps serving the fallback after a newer commit until the next refresh.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include "invr/server.h"
#include "redis_server.h"
#include "serving/serve_process.h"
#include "serving/server_test_util.h"

namespace invr {
namespace {
using namespace std::chrono_literals;
using test::http_get;

const std::string kInvrTarget = "/v1/recommend?user=u1&n=8&arm=invr-user-rank";
const std::string kControlTarget = "/v1/recommend?user=u1&n=8&arm=control";
// The tiny g1 lists' slate for u1; every generation here holds those lists.
const std::vector<std::string> kSlate{"i1", "i3", "i12", "i4", "i5", "i6", "i7", "i11"};
const std::string kUnavailable = "candidate store unavailable (the reason is in the server log)";

// Polls `done` for up to 20 s (a bound for a slow machine, not a timing assertion).
bool eventually(const std::function<bool()>& done) {
  for (auto deadline = std::chrono::steady_clock::now() + 20s; std::chrono::steady_clock::now() < deadline;) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

// Two clients requesting an InvR arm and control in a loop, checking every reply.
class Clients {
 public:
  explicit Clients(int port) : port_(port) {
    for (int c = 0; c < 2; ++c) threads_.emplace_back([this] { run(); });
  }
  ~Clients() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& thread : threads_)
      if (thread.joinable()) thread.join();
  }
  std::atomic<int> ok_with{0}, ok_without{0}, unavailable{0};
  std::string last_generation() {
    std::lock_guard lock(mutex_);
    return last_generation_;
  }
  std::vector<std::string> problems() {
    std::lock_guard lock(mutex_);
    return problems_;
  }

 private:
  void problem(const std::string& what) {
    std::lock_guard lock(mutex_);
    if (problems_.size() < 10) problems_.push_back(what);
  }
  void run() {
    while (!stop_) {
      const auto control = http_get(port_, kControlTarget);
      if (control.status != 200) problem("control: " + std::to_string(control.status) + " " + control.body);
      const auto reply = http_get(port_, kInvrTarget);
      if (reply.status == 503) {
        if (reply.json.value("error", "") != kUnavailable) problem("503 body: " + reply.body);
        ++unavailable;
      } else if (reply.status != 200) {
        problem("invr: " + std::to_string(reply.status) + " " + reply.body);
      } else if (reply.json["generation"].is_null()) {
        if (test::slate_sources(reply.json) != "mmmmmmmm") problem("no generation but InvR items: " + reply.body);
        ++ok_without;
      } else {
        if (test::slate_ids(reply.json) != kSlate) problem("not the generation's lists: " + reply.body);
        std::lock_guard lock(mutex_);
        last_generation_ = reply.json["generation"];
        ++ok_with;
      }
    }
  }

  int port_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::string last_generation_;
  std::vector<std::string> problems_;
  std::vector<std::thread> threads_;
};

struct Health {
  std::string status;
  std::string generation;  // "" for none
  std::string reasons;     // joined
};
Health health(int port, const std::string& uri) {
  const auto reply = http_get(port, "/healthz");
  Health out;
  if (!reply.json.is_object()) return out;
  out.status = reply.json.value("status", "");
  out.generation = reply.json["generation"].is_string() ? reply.json["generation"].get<std::string>() : "";
  for (const auto& reason : reply.json["reasons"]) out.reasons += reason.get<std::string>() + "; ";
  EXPECT_EQ(reply.body.find(uri.substr(0, uri.find('?'))), std::string::npos) << reply.body;
  EXPECT_EQ(reply.body.find("127.0.0.1"), std::string::npos) << reply.body;
  return out;
}

struct RedisSetup {
  test::RedisServer redis;
  test::TinyServing tiny;
  std::string uri = redis.uri("?prefix=faults");

  RedisSetup(double refresh_seconds) {
    test::commit_generation(*open_store(uri), "g1", test::tiny_generation_g1());
    tiny.config.serve.store = uri;
    tiny.config.serve.store_timeout_ms = 300;
    tiny.config.serve.refresh_seconds = refresh_seconds;
  }
  void commit(const std::string& id) { test::commit_generation(*open_store(uri), id, test::tiny_generation_g1()); }
  void delete_generation(const std::string& id) {
    const std::string keys = redis.command({"KEYS", "faults:gen:" + id + ":*"});
    std::vector<std::string> del{"DEL"};
    for (std::size_t start = 0; start <= keys.size();) {
      const std::size_t end = std::min(keys.find('\n', start), keys.size());
      del.push_back(keys.substr(start, end - start));
      start = end + 1;
    }
    ASSERT_EQ(redis.command(del), std::to_string(del.size() - 1));
  }
};

// In this process (Server) and as the real `invr serve` binary, which must
// also still run at the end and exit 0 on SIGTERM.
class ServerRedisFaults : public ::testing::TestWithParam<std::string> {};

TEST_P(ServerRedisFaults, FreezeCrashLossAndFlushWhileRequestsFlow) {
  INVR_REQUIRE_REDIS();
  const bool binary = GetParam() == "invr_serve";
  if (binary) {
    INVR_REQUIRE_CLI();
  }
  RedisSetup setup(0.2);
  std::unique_ptr<Server> server;
  std::unique_ptr<test::ServeProcess> process;
  if (binary) {
    test::write_serve_config(setup.tiny.dir / "invr.toml", setup.tiny.config);
    process = std::make_unique<test::ServeProcess>(setup.tiny.dir / "invr.toml", setup.tiny.dir / "serve.log");
  } else {
    server = std::make_unique<Server>(setup.tiny.config);
    server->start();
  }
  const int port = binary ? process->port : server->port();
  Clients clients(port);
  auto health_is = [&](const std::string& status, const std::string& generation, const std::string& reason) {
    return eventually([&] {
      const Health h = health(port, setup.uri);
      return h.status == status && h.generation == generation && h.reasons.find(reason) != std::string::npos;
    });
  };
  ASSERT_TRUE(eventually([&] { return clients.ok_with > 5; }));

  // Frozen: requests wait store_timeout_ms and get 503s; health says why.
  ASSERT_EQ(::kill(setup.redis.pid(), SIGSTOP), 0);
  const int unavailable_before_freeze = clients.unavailable;
  EXPECT_TRUE(eventually([&] { return clients.unavailable > unavailable_before_freeze + 3; }));
  EXPECT_TRUE(health_is("degraded", "g1", "the last store refresh failed")) << health(port, setup.uri).reasons;
  ASSERT_EQ(::kill(setup.redis.pid(), SIGCONT), 0);
  int ok_before = clients.ok_with;
  EXPECT_TRUE(eventually([&] { return clients.ok_with > ok_before + 5; })) << "no recovery after SIGCONT";
  EXPECT_TRUE(health_is("ok", "g1", ""));

  // Crashed: 503s; restarted without persistence: g1 is gone and nothing
  // else can be read, so InvR arms serve without candidates until a commit.
  setup.redis.crash();
  const int unavailable_before_crash = clients.unavailable;
  EXPECT_TRUE(eventually([&] { return clients.unavailable > unavailable_before_crash + 3; }));
  EXPECT_TRUE(health_is("degraded", "g1", ""));
  setup.redis.restart();
  EXPECT_TRUE(health_is("degraded", "", "generation g1 can no longer be read and no other generation can"))
      << health(port, setup.uri).reasons;
  const int without_before = clients.ok_without;
  EXPECT_TRUE(eventually([&] { return clients.ok_without > without_before + 3; }));
  setup.commit("g2");
  EXPECT_TRUE(health_is("ok", "g2", ""));
  EXPECT_TRUE(eventually([&] { return clients.last_generation() == "g2"; }));

  // The served generation's keys lost: back to the newest readable one.
  setup.commit("g3");
  EXPECT_TRUE(eventually([&] { return clients.last_generation() == "g3"; }));
  setup.delete_generation("g3");
  EXPECT_TRUE(health_is("degraded", "g2", "generation g3 can no longer be read; serving g2"))
      << health(port, setup.uri).reasons;
  ok_before = clients.ok_with;
  EXPECT_TRUE(eventually([&] { return clients.ok_with > ok_before + 3 && clients.last_generation() == "g2"; }));

  // Flushed: nothing readable; then a commit brings it back.
  ASSERT_EQ(setup.redis.command({"FLUSHALL"}), "OK");
  EXPECT_TRUE(health_is("degraded", "", "can no longer be read and no other generation can"))
      << health(port, setup.uri).reasons;
  setup.commit("g4");
  EXPECT_TRUE(health_is("ok", "g4", ""));
  ok_before = clients.ok_with;
  EXPECT_TRUE(eventually([&] { return clients.ok_with > ok_before + 3 && clients.last_generation() == "g4"; }));

  clients.stop();
  EXPECT_EQ(clients.problems(), std::vector<std::string>{});
  RecordProperty("replies_503", clients.unavailable.load());
  if (binary) {
    EXPECT_TRUE(process->alive()) << test::read_file(setup.tiny.dir / "serve.log");
    EXPECT_EQ(process->terminate(), 0);
  } else {
    server->stop();
  }
}

INSTANTIATE_TEST_SUITE_P(Servers, ServerRedisFaults, ::testing::Values("in_process", "invr_serve"),
                         [](const auto& info) { return info.param; });

// The fallback moves forward only at a refresh: with refresh_seconds 0 (no
// periodic refresh), a server that fell back to g1 after losing g2 still
// serves g1, degraded, after g3 is committed, until refresh() runs.
TEST(ServerRedisFallback, MovesForwardOnlyAtTheNextRefresh) {
  INVR_REQUIRE_REDIS();
  RedisSetup setup(0);
  setup.commit("g2");
  Server server(setup.tiny.config);
  server.start();
  ASSERT_EQ(server.generation(), "g2");
  setup.delete_generation("g2");
  EXPECT_TRUE(server.refresh());
  ASSERT_EQ(server.generation(), "g1");

  setup.commit("g3");
  for (int request = 0; request < 5; ++request) {
    const auto reply = http_get(server.port(), kInvrTarget);
    EXPECT_EQ(reply.json["generation"], "g1") << reply.body;
  }
  Health h = health(server.port(), setup.uri);
  EXPECT_EQ(h.status, "degraded");
  EXPECT_EQ(h.reasons, "generation g2 can no longer be read; serving g1, the newest readable generation; ");

  EXPECT_TRUE(server.refresh());
  EXPECT_EQ(http_get(server.port(), kInvrTarget).json["generation"], "g3");
  h = health(server.port(), setup.uri);
  EXPECT_EQ(h.status, "ok");
  EXPECT_EQ(h.generation, "g3");
}

}  // namespace
}  // namespace invr
