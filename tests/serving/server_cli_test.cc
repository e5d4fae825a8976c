// `invr serve` as a process: config file + flags, the listening line on
// stdout, and a graceful exit on SIGTERM. Skips when the CLI is not built
// (this test binary does not depend on it).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "serving/server_test_util.h"

namespace invr {
namespace {
using namespace std::chrono_literals;

#define INVR_REQUIRE_CLI()                                                        \
  if (!std::filesystem::exists(INVR_CLI_PATH))                                    \
  GTEST_SKIP() << "invr CLI not built at " << INVR_CLI_PATH << " (ninja invr_cli)"

TEST(ServeCli, ServesFromAConfigFileAndStopsOnSigterm) {
  INVR_REQUIRE_CLI();
  test::TinyServing tiny;
  const auto config = tiny.dir / "invr.toml";
  test::write_file(config, fmt::format(R"([serve]
data = "{}"
name = "tiny"
model = "{}"
port = 1
access_log = "off"
now = {}

[slate]
freshness_weight = 0.0

[job]
store = "{}"
)",
                                       tiny.config.serve.data, tiny.config.serve.model,
                                       test::kTinyNow, tiny.config.serve.store));
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    // --port overrides the file's port 1; the store comes from [job] store.
    execl(INVR_CLI_PATH, "invr", "-q", "serve", "--config", config.c_str(), "--port", "0",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  FILE* stream = fdopen(out[0], "r");
  char line[256] = {};
  const bool got_line = fgets(line, sizeof line, stream) != nullptr;
  fclose(stream);
  if (!got_line) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    FAIL() << "invr serve printed no listening line";
  }
  const auto listening = nlohmann::json::parse(line)["listening"].get<std::string>();
  const int port = std::stoi(listening.substr(listening.rfind(':') + 1));
  const auto reply = test::http_get(port, "/v1/recommend?user=u1&n=8&arm=invr-user-rank");
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(test::slate_sources(reply.json), "mmimmmmi");

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = -1;
  for (int i = 0; i < 100 && waitpid(pid, &status, WNOHANG) == 0; ++i) std::this_thread::sleep_for(50ms);
  if (!WIFEXITED(status)) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    FAIL() << "invr serve did not exit on SIGTERM";
  }
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(test::http_get(port, "/healthz").status, 0) << "still listening after SIGTERM";
}

TEST(ServeCli, PrintConfigShowsTheResolvedSettings) {
  INVR_REQUIRE_CLI();
  const auto result = test::run_cli("serve --print-config --port 9999 --retrieve-k 250");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("port = 9999\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("retrieve_k = 250\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("name = \"invr-user-rank\""), std::string::npos) << result.out;
  const auto bad = test::run_cli("serve --data d --model m --http-threads 0");
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("--http-threads must be in [1, 1024]"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace invr
