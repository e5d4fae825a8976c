// A reader's pin, on both backends: read() returns a user's lists and the
// generation they came from from one pin, whatever a refresh does meanwhile
// (issue 16, item 2); and a reader whose generation to serve was lost (a
// flushed Redis, its keys deleted, a RocksDB generation folder removed) falls
// back to the newest readable generation, or to none, and says which one it
// lost (issue 17, item 6).
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "store/read_hook.h"
#include "store_test_util.h"

namespace invr::test {
namespace {
namespace fs = std::filesystem;

constexpr int kUsers = 12;
const std::string kUser = user_name(4);

// The tag of generation "gN" is N: every generation's lists differ.
int tag_of(const std::string& generation) { return std::stoi(generation.substr(1)); }

// Removes the read hook when a test ends, even a failed one.
struct HookGuard {
  explicit HookGuard(store::ReadHook hook) { store::set_read_hook(std::move(hook)); }
  ~HookGuard() { store::set_read_hook({}); }
};

class ReaderPin : public ::testing::TestWithParam<std::string> {
 protected:
  // Deletes every trace of a committed generation's data the way an outage
  // does: the RocksDB folder, or the Redis keys (manifest and users).
  void lose(const std::string& uri, const std::string& generation) {
    if (GetParam() == "rocksdb") {
      fs::remove_all(fs::path(uri.substr(std::string("rocksdb:").size())) / "generations" / generation);
      return;
    }
    RedisServer& redis = StoreFactory::shared_redis();
    const std::string prefix = uri.substr(uri.find("prefix=") + 7);
    const std::string keys = redis.command({"KEYS", prefix + ":gen:" + generation + ":*"});
    ASSERT_FALSE(keys.empty());
    std::vector<std::string> del{"DEL"};
    for (std::size_t start = 0; start <= keys.size();) {
      const std::size_t end = std::min(keys.find('\n', start), keys.size());
      del.push_back(keys.substr(start, end - start));
      start = end + 1;
    }
    ASSERT_EQ(redis.command(del), std::to_string(del.size() - 1));
  }
};

TEST_P(ReaderPin, ASwitchBetweenReadingTheGenerationAndTheListsCannotMixThem) {
  INVR_STORE_BACKEND_SETUP(factory);
  auto store = open_store(factory.new_uri());
  write_generation(*store, "g0", kUsers, 0);
  auto reader = store->reader();
  int next = 1;
  bool armed = false;
  std::optional<store::ReadPoint> switch_at;
  // Commits the next generation and refreshes the reader, once, at `switch_at`.
  HookGuard guard([&](store::ReadPoint point, std::string_view) {
    if (!armed || point != switch_at) return;
    armed = false;
    write_generation(*store, "g" + std::to_string(next), kUsers, next);
    ASSERT_TRUE(reader->refresh());
    ++next;
  });
  const auto arm = [&](store::ReadPoint point) {
    armed = true;
    switch_at = point;
  };

  // The former request path: generation() and then get(), two pins. A switch
  // just before the get's pin makes the pair disagree (the bug).
  const std::optional<std::string> first = reader->generation();
  arm(store::ReadPoint::before_pin);
  const auto lists = reader->get(kUser);
  EXPECT_EQ(first, "g0");
  EXPECT_EQ(lists, sample_candidates(4, 1)) << "the lists of g1 under the generation g0";

  // read(): one pin. A switch before it is seen whole...
  arm(store::ReadPoint::before_pin);
  PinnedCandidates got = reader->read(kUser);
  EXPECT_EQ(got.generation, "g2");
  EXPECT_EQ(got.candidates, sample_candidates(4, 2));
  // ...and one after the pin is not seen at all.
  arm(store::ReadPoint::after_pin);
  got = reader->read(kUser);
  EXPECT_EQ(got.generation, "g2");
  EXPECT_EQ(got.candidates, sample_candidates(4, 2));
  got = reader->read(kUser);
  EXPECT_EQ(got.generation, "g3");
  EXPECT_EQ(got.candidates, sample_candidates(4, 3));
  EXPECT_EQ(next, 4);
}

TEST_P(ReaderPin, ConcurrentReadsAlwaysReturnTheGenerationOfTheirLists) {
  INVR_STORE_BACKEND_SETUP(factory);
  auto store = open_store(factory.new_uri());
  write_generation(*store, "g0", kUsers, 0);
  auto reader = store->reader();
  std::atomic<bool> stop{false};
  std::atomic<int> mismatched{0};
  std::atomic<long> reads{0};
  std::vector<std::thread> servers;
  for (int t = 0; t < 3; ++t)
    servers.emplace_back([&, t] {
      for (int i = t; !stop; ++i) {
        const int user = 1 + i % (kUsers - 1);
        const PinnedCandidates got = reader->read(user_name(user));
        if (!got.generation || got.candidates != sample_candidates(user, tag_of(*got.generation)))
          ++mismatched;
        ++reads;
      }
    });
  for (int tag = 1; tag <= 6; ++tag) {
    write_generation(*store, "g" + std::to_string(tag), kUsers, tag);
    EXPECT_TRUE(reader->refresh());
  }
  while (reads < 300) std::this_thread::yield();
  stop = true;
  for (auto& thread : servers) thread.join();
  EXPECT_EQ(mismatched, 0);
}

TEST_P(ReaderPin, ALostCurrentGenerationFallsBackToTheNewestReadableOne) {
  INVR_STORE_BACKEND_SETUP(factory);
  const std::string uri = factory.new_uri();
  auto store = open_store(uri);
  write_generation(*store, "g1", kUsers, 1);
  write_generation(*store, "g2", kUsers, 2);
  write_generation(*store, "g3", kUsers, 3);
  auto reader = store->reader();
  EXPECT_EQ(reader->unreadable(), std::nullopt);
  lose(uri, "g3");
  lose(uri, "g2");

  // A reader opened now starts on g1; the pinned one moves there at refresh.
  auto fresh = store->reader();
  EXPECT_EQ(fresh->generation(), "g1");
  EXPECT_EQ(fresh->unreadable(), "g3");
  EXPECT_EQ(fresh->read(kUser).candidates, sample_candidates(4, 1));
  if (GetParam() == "redis") {
    // Redis: the pinned generation's data is gone, so a read is an error, not "no candidates".
    EXPECT_THROW(reader->read(kUser), IoError);
    EXPECT_TRUE(reader->refresh());
    EXPECT_EQ(reader->generation(), "g1");
  } else {
    // RocksDB: open files keep the pinned generation readable; it stays.
    EXPECT_FALSE(reader->refresh());
    EXPECT_EQ(reader->generation(), "g3");
    EXPECT_EQ(reader->read(kUser).candidates, sample_candidates(4, 3));
  }
  EXPECT_EQ(reader->unreadable(), GetParam() == "redis" ? std::optional<std::string>("g3") : std::nullopt);
  EXPECT_FALSE(fresh->refresh());
  EXPECT_EQ(fresh->unreadable(), "g3");

  // A new commit is readable: back to normal.
  write_generation(*store, "g4", kUsers, 4);
  EXPECT_TRUE(fresh->refresh());
  EXPECT_EQ(fresh->generation(), "g4");
  EXPECT_EQ(fresh->unreadable(), std::nullopt);
  EXPECT_EQ(fresh->read(kUser), (PinnedCandidates{"g4", sample_candidates(4, 4)}));
}

TEST_P(ReaderPin, WithNothingReadableTheReaderPinsNoneUntilTheNextCommit) {
  INVR_STORE_BACKEND_SETUP(factory);
  const std::string uri = factory.new_uri();
  auto store = open_store(uri);
  write_generation(*store, "g1", kUsers, 1);
  auto reader = store->reader();
  if (GetParam() == "redis") {
    lose(uri, "g1");
    EXPECT_THROW(reader->read(kUser), IoError);
    EXPECT_TRUE(reader->refresh());
  } else {
    // RocksDB keeps a pinned generation readable: a new reader shows the loss.
    lose(uri, "g1");
    reader = store->reader();
  }
  EXPECT_EQ(reader->generation(), std::nullopt);
  EXPECT_EQ(reader->unreadable(), "g1");
  EXPECT_EQ(reader->read(kUser), PinnedCandidates{});
  EXPECT_FALSE(reader->refresh());
  EXPECT_EQ(reader->unreadable(), "g1") << "the loss is reported until a generation can be read";
  write_generation(*store, "g2", kUsers, 2);
  EXPECT_TRUE(reader->refresh());
  EXPECT_EQ(reader->generation(), "g2");
  EXPECT_EQ(reader->unreadable(), std::nullopt);
}

// A flushed Redis (FLUSHALL, or a restart without persistence) names no
// current generation at all: the pinned one is checked, found gone, dropped.
TEST(ReaderPinRedis, AFlushedRedisDropsThePinAndReportsTheLostGeneration) {
  INVR_REQUIRE_REDIS();
  RedisServer redis;
  auto store = open_store(redis.uri("?prefix=flush"));
  write_generation(*store, "g1", kUsers, 1);
  write_generation(*store, "g2", kUsers, 2);
  auto reader = store->reader();
  ASSERT_EQ(redis.command({"FLUSHALL"}), "OK");
  EXPECT_THROW(reader->read(kUser), IoError);
  EXPECT_TRUE(reader->refresh());
  EXPECT_EQ(reader->generation(), std::nullopt);
  EXPECT_EQ(reader->unreadable(), "g2");
  EXPECT_EQ(reader->read(kUser), PinnedCandidates{});
  EXPECT_FALSE(reader->refresh());
  EXPECT_EQ(reader->unreadable(), "g2");
  write_generation(*store, "g3", kUsers, 3);
  EXPECT_TRUE(reader->refresh());
  EXPECT_EQ(reader->read(kUser), (PinnedCandidates{"g3", sample_candidates(4, 3)}));
  EXPECT_EQ(reader->unreadable(), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(Backends, ReaderPin, ::testing::Values("rocksdb", "redis"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace invr::test
