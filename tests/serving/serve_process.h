// The real `invr serve` in a child process, for the fault-suite tests
// (docs/fuzzing.md, "Fault suite"): started with a config file on a free
// port, its stderr in a file; SIGKILLed at destruction if still running.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "invr/server.h"
#include "test_util.h"

namespace invr::test {

#define INVR_REQUIRE_CLI()                       \
  if (!std::filesystem::exists(INVR_CLI_PATH)) \
  GTEST_SKIP() << "invr CLI not built at " << INVR_CLI_PATH << " (ninja invr_cli)"

// An invr.toml with the [serve] settings of `config` that the fault tests
// set (the tiny world's data, model and store, its fixed time, the event
// log, refresh and store timeout) and [slate] freshness_weight 0.
inline void write_serve_config(const std::filesystem::path& path, const ServerConfig& config) {
  const ServeSettings& s = config.serve;
  write_file(path, fmt::format(R"([serve]
data = "{}"
name = "{}"
model = "{}"
store = "{}"
access_log = "off"
now = {}
event_log = "{}"
event_fsync_seconds = 0
refresh_seconds = {}
store_timeout_ms = {}

[slate]
freshness_weight = 0.0
)",
                               s.data, s.name, s.model, s.store, s.now, s.event_log, s.refresh_seconds,
                               s.store_timeout_ms));
}

struct ServeProcess {
  pid_t pid = -1;
  int port = 0;

  // file_size_limit: RLIMIT_FSIZE soft limit in bytes (0: none); the hard
  // limit stays unlimited so prlimit can raise it again.
  ServeProcess(const std::filesystem::path& config, const std::filesystem::path& log_file,
               rlim_t file_size_limit = 0) {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      const int err = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(err, STDERR_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      if (file_size_limit) {
        const rlimit limit{file_size_limit, RLIM_INFINITY};
        if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(126);
      }
      // -q: warnings and errors only, so a log under a file-size limit stays small.
      ::execl(INVR_CLI_PATH, "invr", "-q", "serve", "--config", config.c_str(), "--port", "0",
              static_cast<char*>(nullptr));
      const std::string failed = "exec failed: errno " + std::to_string(errno) + "\n";
      [[maybe_unused]] auto n = ::write(STDERR_FILENO, failed.data(), failed.size());
      ::_exit(127);
    }
    ::close(out[1]);
    FILE* stream = ::fdopen(out[0], "r");
    char line[256] = {};
    const bool got_line = std::fgets(line, sizeof line, stream) != nullptr;
    std::fclose(stream);
    if (!got_line) {
      int status = 0;
      ::waitpid(pid, &status, 0);
      pid = -1;
      throw std::runtime_error(fmt::format("invr serve printed no listening line (wait status {:#x}); its log:\n{}",
                                           status, read_file(log_file)));
    }
    const auto listening = nlohmann::json::parse(line)["listening"].get<std::string>();
    port = std::stoi(listening.substr(listening.rfind(':') + 1));
  }
  ~ServeProcess() { kill_now(); }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  // True while the process has not exited (it did not crash).
  bool alive() const { return pid > 0 && ::waitpid(pid, nullptr, WNOHANG) == 0; }
  // SIGTERM, then its exit code (or 128 + signal; -1 if it took over 10 s and was killed).
  int terminate() {
    ::kill(pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 200; ++i) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill_now();
    return -1;
  }
  // SIGKILL: the harshest end.
  void kill_now() {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    pid = -1;
  }
};

}  // namespace invr::test
