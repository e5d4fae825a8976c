// load_atomic_shard and user_shard (invr/atomic_io.h, invr/data.h): the
// sharded job's loader. Shards must partition the users, keep every row of
// their users, number items as the whole file does and know each user's
// whole-dataset index.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "invr/atomic_io.h"
#include "invr/error.h"
#include "test_util.h"

namespace invr {
namespace {

TEST(UserShard, IsFnv1a64OfTheIdModuloTheShards) {
  // FNV-1a 64 test vectors: "" -> cbf29ce484222325, "a" -> af63dc4c8601ec8c.
  for (int shards : {1, 2, 3, 7, 64}) {
    EXPECT_EQ(user_shard("", shards), static_cast<int>(0xcbf29ce484222325ULL % static_cast<unsigned>(shards)));
    EXPECT_EQ(user_shard("a", shards), static_cast<int>(0xaf63dc4c8601ec8cULL % static_cast<unsigned>(shards)));
  }
  EXPECT_THROW(user_shard("a", 0), UsageError);
}

// 60 users (ten only in NAME.user, no rows), 25 items met in row order, rows
// interleaved across users so items are first met by different shards.
Dataset interleaved_world() {
  Dataset d;
  d.name = "w";
  for (int u = 0; u < 60; ++u) d.users.add(fmt::format("user-{}", u * 37 % 60));
  for (int i = 0; i < 25; ++i) {
    d.items.add(fmt::format("item-{}", (i * 7) % 25));
    d.producers.add(fmt::format("p{}", i % 5));
    d.item_table.push_back(static_cast<Index>(i % 5), kNoTime, {});
  }
  for (int row = 0; row < 400; ++row)
    d.interactions.push_back(static_cast<Index>((row * 13) % 50), static_cast<Index>((row * 11) % 25),
                             1.6e9 + row, row % 4 == 0 ? EventType::click : EventType::impression, 1.0f);
  return d;
}

TEST(ShardLoad, ShardsPartitionTheUsersAndKeepEachUsersRows) {
  test::TempDir dir;
  save_atomic(interleaved_world(), dir.path(), "w");
  AtomicLoadOptions options;
  options.cache = false;
  const Dataset whole = load_atomic(dir.path(), "w", options);
  const DatasetShard one = load_atomic_shard(dir.path(), "w", options);  // shard_count 1: the whole
  ASSERT_EQ(one.global_user.size(), whole.users.size());
  for (std::size_t u = 0; u < one.global_user.size(); ++u) EXPECT_EQ(one.global_user[u], static_cast<std::int64_t>(u));
  options.shard_count = 3;
  std::vector<int> owner(whole.users.size(), -1);
  std::size_t rows = 0;
  for (int s = 0; s < 3; ++s) {
    options.shard_index = s;
    const DatasetShard shard = load_atomic_shard(dir.path(), "w", options);
    EXPECT_EQ(shard.total_users, whole.users.size());
    EXPECT_EQ(shard.total_interactions, whole.interactions.size());
    EXPECT_EQ(shard.dataset.items.ids(), whole.items.ids());  // numbered as the whole file
    ASSERT_EQ(shard.global_user.size(), shard.dataset.users.size());
    EXPECT_TRUE(std::is_sorted(shard.global_user.begin(), shard.global_user.end()));
    for (std::size_t u = 0; u < shard.global_user.size(); ++u) {
      const auto g = static_cast<std::size_t>(shard.global_user[u]);
      const std::string& id = shard.dataset.users.id(static_cast<Index>(u));
      EXPECT_EQ(whole.users.id(static_cast<Index>(g)), id);
      EXPECT_EQ(user_shard(id, 3), s);
      EXPECT_EQ(owner[g], -1) << id << " in two shards";
      owner[g] = s;
    }
    // Every row of the shard is a row of the whole, in order.
    const Interactions& mine = shard.dataset.interactions;
    std::size_t at = 0;
    for (std::size_t r = 0; r < mine.size(); ++r) {
      const std::string& id = shard.dataset.users.id(mine.user[r]);
      while (at < whole.interactions.size() && whole.users.id(whole.interactions.user[at]) != id) ++at;
      ASSERT_LT(at, whole.interactions.size());
      EXPECT_EQ(mine.item[r], whole.interactions.item[at]);
      EXPECT_EQ(mine.timestamp[r], whole.interactions.timestamp[at]);
      EXPECT_EQ(mine.event[r], whole.interactions.event[at]);
      ++at;
    }
    rows += mine.size();
  }
  EXPECT_EQ(rows, whole.interactions.size());
  EXPECT_EQ(std::count(owner.begin(), owner.end(), -1), 0);  // users without rows too
}

TEST(ShardLoad, BadShardsAreUsageErrors) {
  test::TempDir dir;
  save_atomic(interleaved_world(), dir.path(), "w");
  AtomicLoadOptions options;
  options.shard_count = 2;
  EXPECT_THROW(load_atomic(dir.path(), "w", options), UsageError);  // a shard is load_atomic_shard's
  options.shard_index = 2;
  EXPECT_THROW(load_atomic_shard(dir.path(), "w", options), UsageError);
  options.shard_count = 0;
  options.shard_index = 0;
  EXPECT_THROW(load_atomic_shard(dir.path(), "w", options), UsageError);
}

}  // namespace
}  // namespace invr
