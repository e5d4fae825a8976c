// deploy/*.service and *.timer parse as systemd units (systemd-analyze
// verify, run on copies whose ExecStart names the built invr), and the job
// unit's command line is one the built invr accepts.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "test_util.h"

namespace invr {
namespace {
namespace fs = std::filesystem;

const fs::path kDeploy = test::testdata_dir() / ".." / ".." / "deploy";
const char* const kUnits[] = {"invr-serve.service", "invr-job.service", "invr-job.timer"};

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

TEST(DeployUnits, ParseAsSystemdUnits) {
  if (test::run_shell("command -v systemd-analyze").exit_code != 0)
    GTEST_SKIP() << "systemd-analyze is not installed (apt-get install systemd); the units are unchecked";
  test::TempDir dir;
  std::string names;
  for (const char* unit : kUnits) {
    const std::string text = test::read_file(kDeploy / unit);
    ASSERT_FALSE(text.empty()) << unit;
    // verify refuses an ExecStart that is not executable here.
    test::write_file(dir / unit, replace_all(text, "/usr/local/bin/invr", fs::absolute(INVR_CLI_PATH).string()));
    names += " " + (dir / unit).string();
  }
  const auto result = test::run_shell("cd " + dir.path().string() + " && systemd-analyze verify" + names);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  // A broken unit fails: the check can fail.
  test::write_file(dir / "broken.service", "[Service]\nType=bogus\n");
  EXPECT_NE(test::run_shell("cd " + dir.path().string() + " && systemd-analyze verify broken.service").exit_code, 0);
}

TEST(DeployUnits, TheServiceCommandsAreOnesInvrAccepts) {
  // --help after the unit's arguments: CLI11 checks the flag names and stops.
  for (const char* unit : {"invr-serve.service", "invr-job.service"}) {
    const std::string text = test::read_file(kDeploy / unit);
    const auto start = text.find("\nExecStart=/usr/local/bin/invr ");
    ASSERT_NE(start, std::string::npos) << unit;
    const auto args_begin = start + std::string("\nExecStart=/usr/local/bin/invr ").size();
    const std::string args = text.substr(args_begin, text.find('\n', args_begin) - args_begin);
    const auto result = test::run_cli(args + " --help");
    EXPECT_EQ(result.exit_code, 0) << unit << ": " << args << "\n" << result.err;
  }
}

}  // namespace
}  // namespace invr
