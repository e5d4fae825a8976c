// Helpers for store tests: deterministic candidate data, one factory of store
// URIs per backend, and forked children (stand-ins for the job or a server).
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "invr/error.h"
#include "invr/store.h"
#include "redis_server.h"
#include "test_util.h"

namespace invr::test {

// Every 7th user id is non-ASCII; user 0 has no candidates at all.
inline std::string user_name(int user) {
  return user % 7 == 3 ? "usér-" + std::to_string(user) + "-日本" : "user-" + std::to_string(user);
}

// Deterministic lists that differ by `tag` (one tag per generation), with
// unicode item ids, a varying length and an empty ordering now and then.
inline StoredCandidates sample_candidates(int user, int tag) {
  StoredCandidates c;
  if (user == 0) return c;
  const int length = (user * 7 + tag * 3) % 13;
  std::vector<StoredCandidate> base;
  for (int k = 0; k < length; ++k) {
    const int item = (user * 31 + k * 17 + tag * 5) % 997;
    base.push_back({(k % 4 == 1 ? "ítem-" : "item-") + std::to_string(item), 0.25f * static_cast<float>(length - k) + tag,
                    k + 1 + tag});
  }
  c.by_ordering[1] = base;  // score order
  c.by_ordering[2].assign(base.rbegin(), base.rend());
  if (user % 5 != 2) {  // some users have no random list
    c.by_ordering[0] = base;
    std::rotate(c.by_ordering[0].begin(), c.by_ordering[0].begin() + (length ? (user % length) : 0),
                c.by_ordering[0].end());
  }
  return c;
}

inline void write_generation(CandidateStore& store, const std::string& id, int users, int tag,
                             const std::string& manifest = "{}") {
  auto writer = store.begin_generation(id);
  for (int u = 0; u < users; ++u) writer->put(user_name(u), sample_candidates(u, tag));
  writer->commit(manifest);
}

// Checks that `generation` holds exactly users [0, users) with `tag` content.
inline ::testing::AssertionResult holds_generation(const CandidateStore& store, const std::string& generation,
                                                   int users, int tag) {
  for (int u = 0; u < users; ++u) {
    const auto got = store.get(generation, user_name(u));
    if (!got) return ::testing::AssertionFailure() << generation << ": user " << user_name(u) << " missing";
    if (*got != sample_candidates(u, tag)) {
      return ::testing::AssertionFailure() << generation << ": user " << user_name(u) << " differs from tag " << tag;
    }
  }
  if (store.get(generation, user_name(users))) {
    return ::testing::AssertionFailure() << generation << ": has a user beyond " << users;
  }
  return ::testing::AssertionSuccess();
}

// Store URIs for one backend: a fresh directory, or a fresh prefix on one
// redis-server shared by the whole test binary.
class StoreFactory {
 public:
  explicit StoreFactory(std::string backend) : backend_(std::move(backend)) {}
  bool is_redis() const { return backend_ == "redis"; }
  static RedisServer& shared_redis() {
    static RedisServer server;  // stopped at process exit (children _exit, so never by them)
    return server;
  }
  std::string new_uri() {
    static std::atomic<int> counter{0};
    const int n = counter++;
    if (is_redis()) return shared_redis().uri("?prefix=t" + std::to_string(::getpid()) + "_" + std::to_string(n));
    return "rocksdb:" + (dir_ / ("store" + std::to_string(n))).string();
  }

 private:
  std::string backend_;
  TempDir dir_;
};

#define INVR_STORE_BACKEND_SETUP(factory)                                    \
  if (GetParam() == "redis") {                                               \
    INVR_REQUIRE_REDIS();                                                    \
  }                                                                          \
  ::invr::test::StoreFactory factory(GetParam())

// A forked child running `body`; it reports through `pipe` and always leaves
// with _exit (no atexit handlers: the shared redis-server must survive).
// Exit code 0: body returned; 3: invr::Error (message written to the pipe);
// 4: another exception.
struct Child {
  pid_t pid = -1;
  int from_child = -1;  // read end of the child's report pipe
};

inline Child fork_child(const std::function<void(int to_parent)>& body) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::close(fds[0]);
    int code = 0;
    try {
      body(fds[1]);
    } catch (const Error& e) {
      const std::string text = std::string("ERROR ") + e.what();
      [[maybe_unused]] auto n = ::write(fds[1], text.data(), text.size());
      code = 3;
    } catch (...) {
      code = 4;
    }
    ::_exit(code);
  }
  ::close(fds[1]);
  return {pid, fds[0]};
}

inline void report(int to_parent, char what) { [[maybe_unused]] auto n = ::write(to_parent, &what, 1); }

// Exit code, or 128 + signal number.
inline int wait_child(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

inline std::string read_all(int fd) {
  std::string out;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

}  // namespace invr::test
