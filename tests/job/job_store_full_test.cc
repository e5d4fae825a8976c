// Fault suite (docs/fuzzing.md, "Fault suite"): the real `invr job` writing
// to a store that runs out of room, then again once room returns:
//  - full_disk: a RocksDB store on a small tmpfs filled up (ENOSPC; skipped
//    with the reason where mounting is not permitted);
//  - file_size_limit: a RocksDB store under `ulimit -f` (EFBIG: invr ignores
//    SIGXFSZ), which works unprivileged;
//  - redis_maxmemory: a real redis-server whose maxmemory is set just above
//    its use (OOM error replies).
// Asserted: the job exits 1 naming the store and the reason; the generation
// served before stays current and complete; no partial generation is listed
// (nor left on disk); once room returns a rerun exits 0 and publishes a
// complete generation, and the earlier one is intact.
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "invr/store.h"
#include "fault_util.h"
#include "job_cli_world.h"
#include "redis_server.h"
#include "test_util.h"

namespace invr {
namespace {
namespace fs = std::filesystem;

std::string used_memory(const test::RedisServer& redis) {
  const std::string info = redis.command({"INFO", "memory"});
  const std::size_t at = info.find("used_memory:") + 12;
  return info.substr(at, info.find('\r', at) - at);
}

class JobStoreFull : public ::testing::TestWithParam<std::string> {};

TEST_P(JobStoreFull, TheJobFailsCleanlyTheServedGenerationStaysAndARerunPublishes) {
  const std::string kind = GetParam();
  test::TempDir dir;
  std::unique_ptr<test::SmallTmpfs> disk;
  std::unique_ptr<test::RedisServer> redis;
  std::string uri;
  fs::path store_dir;
  if (kind == "redis_maxmemory") {
    INVR_REQUIRE_REDIS();
    redis = std::make_unique<test::RedisServer>();
    uri = redis->uri("?prefix=full");
  } else if (kind == "full_disk") {
    disk = std::make_unique<test::SmallTmpfs>(dir / "disk", "4m");
    if (disk->error)
      GTEST_SKIP() << "mounting a tmpfs is not permitted here (" << std::strerror(disk->error)
                   << "); file_size_limit covers the same path";
    store_dir = disk->path / "store";
  } else {
    store_dir = dir / "store";
  }
  if (uri.empty()) uri = "rocksdb:" + store_dir.string();
  test::JobCliWorld world;
  std::string failure;
  ASSERT_TRUE(world.write(dir.path(), failure)) << failure;

  auto r = test::run_cli(world.job_command(uri, "good"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto store = open_store(uri);
  const test::UserLists reference = test::read_generation(*store, "good");
  ASSERT_GT(reference.size(), 100u);

  // Out of room.
  std::string reason;
  if (kind == "full_disk") {
    ASSERT_TRUE(test::fill_disk(disk->path / "filler"));
    r = test::run_cli(world.job_command(uri, "failed"));
    reason = "No space left on device";
  } else if (kind == "file_size_limit") {
    r = test::run_shell("bash -c 'ulimit -f 4; exec " + std::string(INVR_CLI_PATH) + " " +
                        world.job_command(uri, "failed") + "'");
    reason = "File too large";
  } else {
    ASSERT_EQ(redis->command({"CONFIG", "SET", "maxmemory", std::to_string(std::stoll(used_memory(*redis)) + 65536)}),
              "OK");
    r = test::run_cli(world.job_command(uri, "failed"));
    reason = "OOM";
  }
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(reason), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(uri), std::string::npos) << "names the store: " << r.err;
  EXPECT_EQ(store->current(), "good");
  EXPECT_TRUE(test::holds_lists(*store, "good", reference));
  std::set<std::string> listed;
  for (const GenerationInfo& g : store->generations()) listed.insert(g.id);
  EXPECT_EQ(listed, std::set<std::string>{"good"});
  if (redis) {
    EXPECT_EQ(redis->command({"KEYS", "full:gen:failed:*"}), "") << "partial keys left";
  } else {
    EXPECT_FALSE(fs::exists(store_dir / "generations" / "failed")) << "partial folder left";
  }

  // Room returns: a rerun publishes.
  if (kind == "full_disk") fs::remove(disk->path / "filler");
  if (redis) {
    ASSERT_EQ(redis->command({"CONFIG", "SET", "maxmemory", "0"}), "OK");
  }
  r = test::run_cli(world.job_command(uri, "after"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(store->current(), "after");
  EXPECT_TRUE(test::holds_lists(*store, "after", reference));
  EXPECT_TRUE(test::holds_lists(*store, "good", reference));
}

INSTANTIATE_TEST_SUITE_P(Kinds, JobStoreFull, ::testing::Values("full_disk", "file_size_limit", "redis_maxmemory"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace invr
