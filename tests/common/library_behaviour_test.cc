// The common stage as a guest in its caller's process (issue 15, item 2):
// progress goes to a per-call callback and nowhere by default; logs go to the
// named "invr" logger on stderr, never to spdlog's default logger; a bad row
// index is a UsageError, not an abort.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "invr/error.h"
#include "invr/log.h"
#include "invr/matrix.h"
#include "invr/progress.h"
#include "test_util.h"

namespace invr {
namespace {

// What `work` writes to file descriptor `fd` (stdout or stderr).
template <class Work>
std::string captured(int fd, Work work) {
  test::TempDir dir;
  const auto path = dir.path() / "captured";
  std::fflush(nullptr);
  const int saved = dup(fd);
  std::FILE* file = std::fopen(path.c_str(), "w");
  dup2(fileno(file), fd);
  work();
  std::fflush(nullptr);
  dup2(saved, fd);
  close(saved);
  std::fclose(file);
  return test::read_file(path);
}

TEST(LibraryProgress, NothingIsPrintedByDefault) {
  ASSERT_FALSE(Progress::enabled());  // a library default, before any set_enabled
  const std::string err = captured(STDERR_FILENO, [] {
    Progress progress("quiet work", 10, "steps");
    for (int i = 0; i < 10; ++i) progress.add();
  });
  EXPECT_EQ(err, "");
}

TEST(LibraryProgress, AScopeRoutesOneCallsProgressToItsCallbackFromEveryThread) {
  std::vector<ProgressUpdate> updates;
  std::vector<std::string> labels;
  {
    ProgressScope scope([&](const ProgressUpdate& update) {
      updates.push_back(update);
      labels.emplace_back(update.label);
    });
    EXPECT_TRUE(Progress::enabled());
    Progress progress("scoped work", 8, "rows");
    std::vector<std::thread> workers;  // workers of the call report into the same object
    for (int t = 0; t < 4; ++t) workers.emplace_back([&] { progress.add(2); });
    for (auto& worker : workers) worker.join();
    progress.finish();
  }
  ASSERT_FALSE(updates.empty());
  EXPECT_TRUE(updates.back().finished);
  EXPECT_EQ(updates.back().done, 8u);
  EXPECT_EQ(updates.back().total, 8u);
  EXPECT_EQ(labels.back(), "scoped work");
  EXPECT_FALSE(Progress::enabled());  // the scope ended: back to the default
}

TEST(LibraryProgress, ScopesNestAndAnEmptyCallbackSilences) {
  int outer = 0, inner = 0;
  ProgressScope outer_scope([&](const ProgressUpdate&) { ++outer; });
  {
    ProgressScope inner_scope([&](const ProgressUpdate&) { ++inner; });
    Progress("inner", 1).finish();
    {
      ProgressScope silent{ProgressCallback{}};
      EXPECT_FALSE(Progress::enabled());
      Progress("silenced", 1).finish();
    }
  }
  Progress("outer", 1).finish();
  EXPECT_EQ(inner, 1);
  EXPECT_EQ(outer, 1);
}

TEST(LibraryLogging, TheInvrLoggerWritesToStderrAndNotToTheDefaultLogger) {
  // spdlog's default logger in a program that set none writes to stdout.
  std::ostringstream default_out;
  auto previous_default = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "consumer", std::make_shared<spdlog::sinks::ostream_sink_mt>(default_out)));
  EXPECT_EQ(logger().name(), "invr");
  EXPECT_EQ(spdlog::get("invr").get(), &logger());
  const std::string out = captured(STDOUT_FILENO, [] { logger().warn("a library line"); });
  spdlog::set_default_logger(previous_default);
  EXPECT_EQ(out, "");
  EXPECT_EQ(default_out.str(), "");
}

TEST(LibraryLogging, TheCallerSetsTheLevel) {
  const auto level = logger().level();
  logger().set_level(spdlog::level::err);
  const std::string err = captured(STDERR_FILENO, [] {
    logger().info("hidden");
    logger().error("shown");
  });
  logger().set_level(level);
  EXPECT_EQ(err.find("hidden"), std::string::npos);
  EXPECT_NE(err.find("shown"), std::string::npos);
}

TEST(LibraryArguments, GatherRowsOutOfRangeIsAUsageErrorNamingTheRow) {
  Matrix matrix(3, 2);
  const std::vector<std::int32_t> rows = {0, 3};
  try {
    gather_rows(matrix, rows);
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("rows[1] = 3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(gather_rows(matrix, std::vector<std::int32_t>{-1}), UsageError);
}

}  // namespace
}  // namespace invr
