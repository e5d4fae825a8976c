// EventLog under a file-size limit (issue 17, item 5): an append that would
// pass RLIMIT_FSIZE is the IoError a full disk gets (which the server answers
// with 503) and leaves no partial line, even in a process that does not ignore
// SIGXFSZ. Each case runs in a forked child, so the limit is the child's own.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>

#include <gtest/gtest.h>

#include "invr/error.h"
#include "serving/event_log.h"
#include "test_util.h"

namespace invr {
namespace {
namespace fs = std::filesystem;
using serving::EventLog;
using serving::LoggedEvent;

const std::string kHeader(EventLog::kHeader);
const LoggedEvent kFirst[] = {{"u1", "i1", 10, EventType::click}};
const LoggedEvent kSecond[] = {{"u2", "i2", 11, EventType::impression}};  // 23 bytes

// What the child reports through its exit code.
enum Outcome { kRefusedAsExpected = 0, kAppended = 10, kWrongError = 11, kOtherFailure = 12 };

// In a child: append kFirst, set the file-size limit to the log's size plus
// `room` bytes, append kSecond. SIGXFSZ keeps its default action (death)
// unless `ignore_sigxfsz`.
int run_child(const fs::path& path, std::uint64_t room, bool ignore_sigxfsz) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    int outcome = kOtherFailure;
    try {
      std::signal(SIGXFSZ, ignore_sigxfsz ? SIG_IGN : SIG_DFL);
      EventLog log(path, 0);
      log.append(kFirst);
      const rlimit limit{log.bytes() + room, RLIM_INFINITY};
      if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(kOtherFailure);
      try {
        log.append(kSecond);
        outcome = kAppended;
      } catch (const IoError& e) {
        const std::string message = e.what();
        const bool named = message.find(path.string() + ": cannot append to the event log: File "
                                                        "too large (the process's file-size "
                                                        "limit") != std::string::npos;
        outcome = named ? kRefusedAsExpected : kWrongError;
      }
    } catch (...) {
      outcome = kOtherFailure;
    }
    ::_exit(outcome);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

TEST(EventLogFileSizeLimit, AnAppendPastTheLimitIsRefusedWholeAndTheProcessLives) {
  const std::string first = kHeader + "u1\ti1\t10\tclick\n";
  for (const bool ignore : {false, true}) {
    test::TempDir dir;
    const fs::path path = dir / "events.inter";
    // 10 bytes of room: a write(2) would put "u2\ti2\t11\ti" there and die of SIGXFSZ.
    EXPECT_EQ(run_child(path, 10, ignore), kRefusedAsExpected) << "SIGXFSZ ignored: " << ignore;
    EXPECT_EQ(test::read_file(path), first) << "no torn line";
    // The log opens and appends again once the limit is gone.
    EventLog log(path, 0);
    log.append(kSecond);
    EXPECT_EQ(test::read_file(path), first + "u2\ti2\t11\timpression\n");
  }
}

TEST(EventLogFileSizeLimit, AnAppendThatEndsExactlyAtTheLimitIsWritten) {
  test::TempDir dir;
  const fs::path path = dir / "events.inter";
  const std::uint64_t line = serving::event_line(kSecond[0]).size();
  EXPECT_EQ(run_child(path, line, false), kAppended);
  EXPECT_EQ(test::read_file(path), kHeader + "u1\ti1\t10\tclick\nu2\ti2\t11\timpression\n");
  EXPECT_EQ(run_child(dir / "other.inter", line - 1, false), kRefusedAsExpected);
}

}  // namespace
}  // namespace invr
