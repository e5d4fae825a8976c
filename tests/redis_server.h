// A real redis-server for tests: started on a free loopback port with no
// persistence, ready (answers PING) when the constructor returns, stopped and
// its folder removed at destruction. Any test binary may use it.
//
//   INVR_REQUIRE_REDIS();                 // skips with a reason if absent
//   invr::test::RedisServer redis;        // or RedisServer({"--maxmemory", "2mb"})
//   auto store = invr::open_store(redis.uri("?prefix=t"));
//
// The server dies with the test process (PR_SET_PDEATHSIG), so a crashed test
// leaves no server behind. Construct it on a thread that outlives it.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "build_features.h"

namespace invr::test {

class TempDir;

class RedisServer {
 public:
  // $INVR_REDIS_SERVER, else /usr/bin/redis-server; empty if neither exists.
  static std::string binary();
  static bool available() { return !binary().empty(); }

  // Extra redis-server arguments, e.g. {"--maxmemory", "2mb"}.
  // std::runtime_error (with the server log's tail) if it does not start.
  explicit RedisServer(std::vector<std::string> extra_args = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // "redis://127.0.0.1:PORT" followed by `suffix` (e.g. "/1?prefix=x").
  std::string uri(std::string_view suffix = "") const;

  // Sends one command over a fresh socket and returns the reply as text:
  // status and bulk strings as-is, integers in decimal, nil as "(nil)",
  // errors as "(error) MESSAGE", arrays as their elements joined by '\n'.
  std::string command(const std::vector<std::string>& args) const;

  // Kills the server with SIGKILL (as a crash: nothing saved) and waits for it.
  void crash();
  // Crashes it if it runs, then starts it again on the same port, folder and
  // arguments (a new pid); without persistence it comes back empty.
  // std::runtime_error if it does not start.
  void restart();

 private:
  bool start(const std::vector<std::string>& extra_args, std::string& failure, int port = 0);
  void stop();

  std::unique_ptr<TempDir> dir_;
  std::vector<std::string> extra_args_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// A loopback TCP port with nothing listening, for unreachable-server tests.
int unused_loopback_port();

}  // namespace invr::test

#define INVR_REQUIRE_REDIS()                                                   \
  do {                                                                         \
    INVR_REQUIRE_REDIS_CLIENT();                                               \
    if (!::invr::test::RedisServer::available()) {                             \
      GTEST_SKIP() << "redis-server not found (set INVR_REDIS_SERVER)";        \
    }                                                                          \
  } while (false)
