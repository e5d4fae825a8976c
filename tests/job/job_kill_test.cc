// Fault suite (docs/fuzzing.md, "Fault suite"): the real `invr job` binary
// SIGKILLed at seeded random moments spread over every stage of its run, on a
// RocksDB store and on a real redis-server. After each kill:
//  - the store's current generation is complete: its manifest reads, it holds
//    exactly `stored_users` users, and every user's lists are the reference
//    run's (the job is deterministic, so every generation of these inputs
//    must hold the same lists), and a reader pins it as readable;
//  - every generation still listed is complete in the same way (nothing
//    published earlier was damaged) and none was never committed;
//  - a rerun of the job exits 0 and publishes a new complete generation.
// The kill point is "a random delay into stage S", S cycling over the stages
// (the job logs "job: STAGE took" as each ends) with the write and commit
// stages drawn again; delays come from a reference run's stage timings.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "invr/store.h"
#include "job_cli_world.h"
#include "redis_server.h"
#include "test_util.h"

namespace invr {
namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kKills = 15;
// What the job logs as its stages end (docs/job.md, "Stages"; loading the
// data and the model logs nothing, so the first span is start-up to select).
const std::vector<std::string> kMarkers = {"job: select took",   "job: embed_items took", "job: embed_users took",
                                           "job: retrieve took", "job: invert took",      "job: write took",
                                           "job: commit took"};

// A running `invr job` with its stderr (the stage log) on a pipe.
struct JobProcess {
  pid_t pid = -1;
  int stderr_fd = -1;
  std::string log;  // stderr read so far

  explicit JobProcess(const std::vector<std::string>& args) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    std::vector<std::string> argv_text = {INVR_CLI_PATH};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& arg : argv_text) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      ::dup2(fds[1], STDERR_FILENO);
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, STDOUT_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      ::execv(argv[0], argv.data());
      const std::string failed = "exec failed: errno " + std::to_string(errno) + "\n";
      [[maybe_unused]] auto n = ::write(STDERR_FILENO, failed.data(), failed.size());
      ::_exit(127);
    }
    ::close(fds[1]);
    stderr_fd = fds[0];
  }
  ~JobProcess() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    if (stderr_fd >= 0) ::close(stderr_fd);
  }

  // Reads stderr until `marker` appears (true) or the pipe closes (false).
  bool wait_for(const std::string& marker) {
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (log.find(marker) == std::string::npos) {
      pollfd p{stderr_fd, POLLIN, 0};
      if (Clock::now() > deadline || ::poll(&p, 1, 100) < 0) return false;
      if (!(p.revents & (POLLIN | POLLHUP))) continue;
      char buffer[4096];
      const ssize_t n = ::read(stderr_fd, buffer, sizeof buffer);
      if (n <= 0) return false;
      log.append(buffer, static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads stderr to its end (the process exits or closes it).
  void read_to_end() {
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(stderr_fd, buffer, sizeof buffer)) > 0) log.append(buffer, static_cast<std::size_t>(n));
  }

  // SIGKILL (a no-op if it already exited); returns the exit code or 128 + signal.
  int kill_and_wait() {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
    read_to_end();
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
};

class JobKill : public ::testing::TestWithParam<std::string> {
 protected:
  test::TempDir dir;
  test::JobCliWorld world;
  std::unique_ptr<test::RedisServer> redis;
  std::string uri;
  std::unique_ptr<CandidateStore> store;
  test::UserLists reference;  // the lists of the reference run, which every generation must hold

  void SetUp() override {
    if (GetParam() == "redis") {
      INVR_REQUIRE_REDIS();
      redis = std::make_unique<test::RedisServer>();
      uri = redis->uri("?prefix=kill");
    } else {
      uri = "rocksdb:" + (dir / "store").string();
    }
    std::string failure;
    ASSERT_TRUE(world.write(dir.path(), failure)) << failure;
  }

  std::vector<std::string> job_args(const std::string& generation, bool grace_zero) const {
    return world.job_args(uri, generation, grace_zero ? "0" : "3600");
  }
  ::testing::AssertionResult holds_reference(const std::string& generation, int stride = 1) const {
    return test::holds_lists(*store, generation, reference, stride);
  }

  // The store after a kill (or a run): the current generation complete and
  // pinned as readable; nothing listed that was never committed; the other
  // listed generations sampled (every one is read whole at the end).
  void expect_store_sound(const std::set<std::string>& committed) {
    const auto current = store->current();
    ASSERT_TRUE(current.has_value());
    EXPECT_TRUE(holds_reference(*current));
    const auto reader = store->reader();
    EXPECT_EQ(reader->generation(), current);
    EXPECT_EQ(reader->unreadable(), std::nullopt);
    for (const GenerationInfo& g : store->generations()) {
      EXPECT_TRUE(committed.count(g.id)) << "listed but never committed: " << g.id;
      if (g.id != *current) {
        EXPECT_TRUE(holds_reference(g.id, 11));
      }
    }
  }
};

TEST_P(JobKill, SigkillAtRandomPointsLeavesACompleteGenerationAndARerunPublishes) {
  // The reference run: its lists, and when each stage ended (seconds after
  // the start), which places the kills.
  std::vector<double> ends;  // one per marker, then the exit
  {
    const auto started = Clock::now();
    JobProcess job(job_args("base", false));
    for (const std::string& marker : kMarkers) {
      ASSERT_TRUE(job.wait_for(marker)) << job.log;
      ends.push_back(std::chrono::duration<double>(Clock::now() - started).count());
    }
    job.read_to_end();
    ends.push_back(std::chrono::duration<double>(Clock::now() - started).count());
    ASSERT_EQ(job.kill_and_wait(), 0) << job.log;
  }
  store = open_store(uri);
  reference = test::read_generation(*store, "base");
  ASSERT_TRUE(holds_reference("base"));
  ASSERT_GT(reference.size(), 100u) << "too few users with candidates for a meaningful check";

  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed) + " (the kill schedule)");
  std::mt19937 random(seed);
  std::set<std::string> committed = {"base"};
  std::string served = "base";
  // How the kills fell: during commit() with the old generation still served
  // (before the commit point) or with the new one (after it), and runs that
  // had exited before their kill.
  int killed_in_commit_before = 0, killed_in_commit_after = 0, finished_before_kill = 0;
  for (int trial = 0; trial < kKills; ++trial) {
    // The kill time: the first trials take one span each (start-up to
    // select, ..., write to commit, commit to exit); of the rest, every
    // other one falls in write or commit (where a kill interrupts the
    // store's own writes) and the others anywhere in the run. It is reached
    // as "the marker that precedes it, then the rest of the delay", so a
    // slower run still dies in that span.
    const auto between = [&](double from, double to) {
      return std::uniform_real_distribution<double>(from, to)(random);
    };
    const double at = trial < static_cast<int>(ends.size()) ? between(trial ? ends[trial - 1] : 0, ends[trial])
                      : trial % 2                            ? between(ends[4], ends[6])
                                                             : between(0, ends.back());
    std::size_t span = 0;
    while (span + 1 < ends.size() && ends[span] <= at) ++span;
    const std::string marker = span ? kMarkers[span - 1] : "";
    const auto delay = std::chrono::microseconds(static_cast<long>((at - (span ? ends[span - 1] : 0)) * 1e6));
    const std::string id = "killed-" + std::to_string(trial);
    SCOPED_TRACE("trial " + std::to_string(trial) + ": " + std::to_string(delay.count()) + " us after \"" +
                 marker + "\"");

    JobProcess job(job_args(id, trial % 2 == 1));  // odd trials: grace 0, so commit also removes
    if (!marker.empty()) {
      ASSERT_TRUE(job.wait_for(marker)) << job.log;
    }
    std::this_thread::sleep_for(delay);
    const int status = job.kill_and_wait();
    if (status == 0) {
      ++finished_before_kill;
    } else {
      ASSERT_EQ(status, 128 + SIGKILL) << job.log;
    }

    const auto current = store->current();
    ASSERT_TRUE(current.has_value());
    if (job.log.find("job: write took") == std::string::npos) {
      EXPECT_EQ(*current, served) << "killed before commit: nothing may change";
    } else if (job.log.find("job: commit took") != std::string::npos) {
      EXPECT_EQ(*current, id) << "commit had returned";
    } else {
      EXPECT_TRUE(*current == served || *current == id) << *current;
      ++(*current == served ? killed_in_commit_before : killed_in_commit_after);
    }
    if (*current == id) committed.insert(id);
    served = *current;
    expect_store_sound(committed);

    const std::string rerun = "rerun-" + std::to_string(trial);
    const auto again = test::run_cli(world.job_command(uri, rerun));
    ASSERT_EQ(again.exit_code, 0) << again.err;
    committed.insert(rerun);
    served = rerun;
    EXPECT_EQ(store->current(), rerun);
    expect_store_sound(committed);
  }
  RecordProperty("killed_in_commit_before_its_commit_point", killed_in_commit_before);
  RecordProperty("killed_in_commit_after_its_commit_point", killed_in_commit_after);
  RecordProperty("finished_before_kill", finished_before_kill);

  // The killed writers' leftovers: RocksDB's next writer removed them; Redis
  // keeps them, unreachable, until their heartbeat expires (docs/store.md).
  std::set<std::string> listed;
  for (const GenerationInfo& g : store->generations()) {
    listed.insert(g.id);
    EXPECT_TRUE(holds_reference(g.id));
  }
  if (GetParam() == "rocksdb") {
    std::set<std::string> on_disk;
    for (const auto& entry : fs::directory_iterator(dir / "store" / "generations"))
      on_disk.insert(entry.path().filename().string());
    EXPECT_EQ(on_disk, listed);
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, JobKill, ::testing::Values("rocksdb", "redis"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace invr
