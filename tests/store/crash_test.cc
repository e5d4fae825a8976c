// A writer killed with SIGKILL at any moment must never leave the served
// generation corrupt or half-written, on either backend. The writer runs in a
// forked child (the job); this process checks the store afterwards.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "store_test_util.h"

namespace invr::test {
namespace {

constexpr int kUsers = 3000;

class WriterCrash : public ::testing::TestWithParam<std::string> {};

// The child reports 'p' every 250 users, 'c' just before commit() and 'd'
// after it returns. Returns every report byte the parent read before killing.
std::string kill_writer_at(const std::string& uri, const std::string& id, int tag, char after, int count,
                           std::chrono::microseconds delay, const StoreOptions& options) {
  Child job = fork_child([&](int to_parent) {
    auto store = open_store(uri, options);
    auto writer = store->begin_generation(id);
    for (int u = 0; u < kUsers + 1; ++u) {  // one user more than the base generation
      writer->put(user_name(u), sample_candidates(u, tag));
      if (u % 250 == 249) report(to_parent, 'p');
    }
    report(to_parent, 'c');
    writer->commit(R"({"job":"crash test"})");
    report(to_parent, 'd');
    ::pause();  // wait for the kill
  });
  std::string seen;
  char byte;
  int matched = 0;
  while (matched < count && ::read(job.from_child, &byte, 1) == 1) {
    seen += byte;
    if (byte == after) ++matched;
  }
  std::this_thread::sleep_for(delay);
  ::kill(job.pid, SIGKILL);
  const int status = wait_child(job.pid);
  // Bytes written before the kill landed count too.
  seen += read_all(job.from_child);
  EXPECT_EQ(status, 128 + SIGKILL) << "the writer should have been killed, it exited: " << seen;
  return seen;
}

TEST_P(WriterCrash, SigkillAtRandomMomentsNeverCorruptsTheServedGeneration) {
  INVR_STORE_BACKEND_SETUP(factory);
  const std::string uri = factory.new_uri();
  StoreOptions options;
  options.sort_buffer_bytes = 64 << 10;  // RocksDB: many runs, so commit has a long merge to interrupt
  options.batch_users = 100;
  auto store = open_store(uri, options);
  write_generation(*store, "base", kUsers, 0);
  auto reader = store->reader();

  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  std::string served = "base";
  int served_tag = 0;
  int served_users = kUsers;
  int commits_interrupted = 0;
  std::set<std::string> committed = {"base"};
  for (int trial = 0; trial < 8; ++trial) {
    const std::string id = "killed-" + std::to_string(trial);
    const int tag = trial + 1;
    // Even trials: during the puts; odd trials: during commit().
    const bool in_commit = trial % 2 == 1;
    const char after = in_commit ? 'c' : 'p';
    const int count = in_commit ? 1 : 1 + static_cast<int>(random() % 11);
    // Commit lasts ~100 ms on RocksDB (it merges the sorted runs) but ~1 ms on Redis.
    const unsigned commit_scale = factory.is_redis() ? 1500 : 30000;
    const auto delay = std::chrono::microseconds(random() % (in_commit ? commit_scale : 2000));
    const std::string seen = kill_writer_at(uri, id, tag, after, count, delay, options);
    SCOPED_TRACE("trial " + std::to_string(trial) + " saw \"" + seen + "\"");

    const auto current = store->current();
    ASSERT_TRUE(current.has_value());
    if (seen.find('d') != std::string::npos) {
      ASSERT_EQ(*current, id);  // commit() had returned: the new one is served
    } else if (seen.find('c') == std::string::npos) {
      ASSERT_EQ(*current, served);  // killed before commit(): nothing changed
    } else {
      ASSERT_TRUE(*current == served || *current == id);  // inside commit(): either, but whole
      if (*current == served) ++commits_interrupted;
    }
    if (*current == id) {
      committed.insert(id);
      served = id;
      served_tag = tag;
      served_users = kUsers + 1;
    }
    ASSERT_TRUE(holds_generation(*store, served, served_users, served_tag));
    reader->refresh();
    EXPECT_EQ(reader->generation(), served);
    EXPECT_EQ(reader->get(user_name(kUsers - 1)), sample_candidates(kUsers - 1, served_tag));
    for (const GenerationInfo& g : store->generations()) {
      EXPECT_TRUE(committed.count(g.id)) << "listed a generation that was never committed: " << g.id;
    }
  }
  RecordProperty("commits_interrupted", commits_interrupted);

  // The next job succeeds, and the killed writers' leftovers go away.
  write_generation(*store, "after", 100, 42);
  EXPECT_EQ(store->current(), "after");
  EXPECT_TRUE(holds_generation(*store, "after", 100, 42));
  EXPECT_TRUE(reader->refresh());
  EXPECT_EQ(reader->get(user_name(99)), sample_candidates(99, 42));
  std::set<std::string> kept;
  for (const GenerationInfo& g : store->generations()) kept.insert(g.id);
  if (factory.is_redis()) {
    // Leftovers wait for their writer's heartbeat to expire; expire them now.
    const std::string prefix = uri.substr(uri.find("prefix=") + 7);
    RedisServer& redis = StoreFactory::shared_redis();
    for (int trial = 0; trial < 8; ++trial) redis.command({"DEL", prefix + ":pending:killed-" + std::to_string(trial)});
    store->remove_expired();
    for (int trial = 0; trial < 8; ++trial) {
      const std::string id = "killed-" + std::to_string(trial);
      if (!kept.count(id)) {
        EXPECT_TRUE(redis.command({"KEYS", prefix + ":gen:" + id + ":*"}).empty()) << id;
      }
    }
    EXPECT_EQ(redis.command({"SCARD", prefix + ":writing"}), "0");
  } else {
    std::set<std::string> on_disk;
    for (const auto& entry : std::filesystem::directory_iterator(uri.substr(8) + "/generations")) {
      on_disk.insert(entry.path().filename().string());
    }
    EXPECT_EQ(on_disk, kept);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, WriterCrash, ::testing::Values("rocksdb", "redis"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace invr::test
