// CandidateStore::rollback on both backends (a real RocksDB directory and a
// real redis-server): the previous readable generation becomes current
// atomically, readers follow at refresh, a later commit wins again, and a
// store with nothing older refuses.
#include <gtest/gtest.h>

#include <filesystem>

#include "store_test_util.h"

namespace invr::test {
namespace {

class StoreRollback : public ::testing::TestWithParam<std::string> {};

TEST_P(StoreRollback, ThePreviousGenerationIsServedAgainAndALaterCommitWins) {
  INVR_STORE_BACKEND_SETUP(factory);
  auto store = open_store(factory.new_uri());
  write_generation(*store, "g1", 20, 1);
  write_generation(*store, "g2", 20, 2);
  auto reader = store->reader();
  ASSERT_EQ(reader->generation(), "g2");

  EXPECT_EQ(store->rollback(), "g1");
  EXPECT_EQ(store->current(), "g1");
  // Nothing is deleted: g2 stays listed (and can be read by id).
  ASSERT_EQ(store->generations().size(), 2u);
  EXPECT_TRUE(holds_generation(*store, "g2", 20, 2));
  // A reader moves back at its next refresh and reads g1's lists.
  EXPECT_EQ(reader->generation(), "g2");
  EXPECT_TRUE(reader->refresh());
  EXPECT_EQ(reader->generation(), "g1");
  EXPECT_EQ(reader->read(user_name(5)).candidates, sample_candidates(5, 1));
  // A new reader (a restarted server) starts on g1 too.
  EXPECT_EQ(store->reader()->generation(), "g1");

  // Nothing older than g1: refused, and nothing changes.
  EXPECT_THROW(store->rollback(), UsageError);
  EXPECT_EQ(store->current(), "g1");

  // The next job's commit is current as usual.
  write_generation(*store, "g3", 20, 3);
  EXPECT_EQ(store->current(), "g3");
  EXPECT_TRUE(reader->refresh());
  EXPECT_EQ(reader->generation(), "g3");
  // Rolling back from g3 goes to g2, the commit before it.
  EXPECT_EQ(store->rollback(), "g2");
  EXPECT_EQ(store->current(), "g2");
}

TEST_P(StoreRollback, AnEmptyStoreOrASingleGenerationRefuses) {
  INVR_STORE_BACKEND_SETUP(factory);
  auto store = open_store(factory.new_uri());
  EXPECT_THROW(store->rollback(), UsageError);
  write_generation(*store, "only", 5, 1);
  EXPECT_THROW(store->rollback(), UsageError);
  EXPECT_EQ(store->current(), "only");
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreRollback, ::testing::Values("rocksdb", "redis"),
                         [](const auto& info) { return info.param; });

TEST(StoreRollbackRocksDb, SkipsAGenerationWhoseFolderIsGoneAndRefusesWhileAWriterIsActive) {
  TempDir dir;
  const std::string uri = "rocksdb:" + (dir / "store").string();
  auto store = open_store(uri);
  write_generation(*store, "g1", 5, 1);
  write_generation(*store, "g2", 5, 2);
  write_generation(*store, "g3", 5, 3);
  std::filesystem::remove_all(dir / "store" / "generations" / "g2");  // lost by hand
  {
    auto writer = store->begin_generation("g4");  // holds the store's lock
    EXPECT_THROW(store->rollback(), IoError);
    EXPECT_EQ(store->current(), "g3");
  }
  EXPECT_EQ(store->rollback(), "g1");
  EXPECT_EQ(open_store(uri)->current(), "g1");  // in CURRENT, on disk
}

TEST(StoreRollbackRedis, SkipsAGenerationWhoseKeysAreGone) {
  INVR_REQUIRE_REDIS();
  StoreFactory factory("redis");
  const std::string uri = factory.new_uri();
  auto store = open_store(uri);
  write_generation(*store, "g1", 5, 1);
  write_generation(*store, "g2", 5, 2);
  write_generation(*store, "g3", 5, 3);
  const std::string prefix = uri.substr(uri.find("prefix=") + 7);
  StoreFactory::shared_redis().command({"DEL", prefix + ":gen:g2:manifest"});
  EXPECT_EQ(store->rollback(), "g1");
  EXPECT_EQ(store->current(), "g1");
}

}  // namespace
}  // namespace invr::test
