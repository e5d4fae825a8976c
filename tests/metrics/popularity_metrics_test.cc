#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include "invr/error.h"
#include "invr/metrics.h"

namespace invr {
namespace {

using Counts = std::vector<std::uint64_t>;
using Mask = std::vector<std::uint8_t>;

TEST(ItemPopularity, DistinctUsersWithPositiveEvents) {
  Interactions train;
  train.push_back(0, 0, kNoTime, EventType::click, 1);
  train.push_back(0, 0, kNoTime, EventType::click, 1);  // repeat: counted once
  train.push_back(1, 0, kNoTime, EventType::rating, 4);
  train.push_back(1, 1, kNoTime, EventType::impression, 1);  // not a positive signal
  train.push_back(2, 1, kNoTime, EventType::like, 1);
  EXPECT_EQ(item_popularity(train, 3), (Counts{2, 1, 0}));
  EXPECT_THROW(item_popularity(train, 1), UsageError);
}

TEST(ItemPopularity, MatchesTrainingItemsById) {
  Dataset train;
  const Index b = train.items.add("b"), a = train.items.add("a"), z = train.items.add("z");
  const Index u0 = train.users.add("u0"), u1 = train.users.add("u1");
  train.interactions.push_back(u0, a, kNoTime, EventType::interaction, 1);
  train.interactions.push_back(u1, a, kNoTime, EventType::interaction, 1);
  train.interactions.push_back(u0, b, kNoTime, EventType::interaction, 1);
  train.interactions.push_back(u0, z, kNoTime, EventType::interaction, 1);  // "z" is not in ours
  IdMap ours;
  ours.add("a");
  ours.add("b");
  ours.add("c");
  std::size_t skipped = 0;
  EXPECT_EQ(item_popularity(train, ours, &skipped), (Counts{2, 1, 0}));
  EXPECT_EQ(skipped, 1u);
}

TEST(ClickPopularity, DistinctClickersPerItem) {
  ExposureLog log;
  log.push_back(0, 1, 0, true, kNoTime, kNoIndex);
  log.push_back(0, 1, 0, true, kNoTime, kNoIndex);  // same user again
  log.push_back(1, 1, 0, true, kNoTime, kNoIndex);
  log.push_back(1, 0, 1, false, kNoTime, kNoIndex);
  EXPECT_EQ(click_popularity(log, 2), (Counts{0, 2}));
}

TEST(LongTail, ShortHeadIsShortestPrefixReachingEightyPercent) {
  // 10 5 3 1 1 0: total 20, limit 16; cumulative 10, 15, 18 -> head {0,1,2}.
  EXPECT_EQ(long_tail_items(Counts{10, 5, 3, 1, 1, 0}), (Mask{0, 0, 0, 1, 1, 1}));
  // Exactly reaching the limit stops: 8 2 (total 10, limit 8) -> head {0}.
  EXPECT_EQ(long_tail_items(Counts{8, 2}), (Mask{0, 1}));
}

TEST(LongTail, TiesAreBrokenByItemIndexLikeElliot) {
  // 1 2 1 2 0: total 6, limit 4.8. Descending, ties by index: 1(2) 3(2) 0(1) 2(1) 4(0).
  // Cumulative 2, 4, 5 >= 4.8 -> head {1, 3, 0}; item 2 ties with item 0 but is tail.
  EXPECT_EQ(long_tail_items(Counts{1, 2, 1, 2, 0}), (Mask{0, 0, 1, 0, 1}));
  // All equal: 3 3 3 3, limit 9.6 needs all four.
  EXPECT_EQ(long_tail_items(Counts{3, 3, 3, 3}), (Mask{0, 0, 0, 0}));
}

TEST(LongTail, NoPopularityMeansNoShortHead) {
  EXPECT_EQ(long_tail_items(Counts{0, 0, 0}), (Mask{1, 1, 1}));
  EXPECT_EQ(long_tail_items(Counts{}), Mask{});
  EXPECT_THROW(long_tail_items(Counts{1}, 1.5), UsageError);
}

// Elliot's loop, transcribed: subtract popularity from the limit until it is <= 0.
Mask elliot_long_tail(const Counts& popularity) {
  std::vector<std::size_t> order(popularity.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](auto a, auto b) { return popularity[a] > popularity[b]; });
  double limit = 0.8 * static_cast<double>(
                           std::accumulate(popularity.begin(), popularity.end(), std::uint64_t{0}));
  Mask tail(popularity.size(), 1);
  for (auto i : order) {
    tail[i] = 0;
    limit -= static_cast<double>(popularity[i]);
    if (limit <= 0) break;
  }
  return tail;
}

TEST(LongTail, AgreesWithElliotsLoopOnRandomPopularity) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 500; ++trial) {
    Counts popularity(std::uniform_int_distribution<std::size_t>(1, 200)(rng));
    for (auto& p : popularity) p = std::uniform_int_distribution<std::uint64_t>(0, 30)(rng);
    popularity[0] += 1;  // Elliot's loop differs only at zero total (documented)
    ASSERT_EQ(long_tail_items(popularity), elliot_long_tail(popularity)) << "trial " << trial;
  }
}

TEST(Aplt, MeanOverUsersOfLongTailFraction) {
  // Tail {3,4,5}. Lists: [0,1,3] 1/3; [] skipped; [3,3,5,0] 3/4 -> (1/3 + 3/4) / 2 = 13/24.
  const auto lists = ItemLists::from({{0, 1, 3}, {}, {3, 3, 5, 0}});
  EXPECT_DOUBLE_EQ(aplt(lists, Mask{0, 0, 0, 1, 1, 1}), 13.0 / 24.0);
  EXPECT_EQ(aplt(ItemLists::from({{}, {}}), Mask{1}), 0.0);
  EXPECT_THROW(aplt(lists, Mask{0, 0}), UsageError);
}

TEST(Arp, MeanOverUsersOfMeanPopularity) {
  // Popularity 10 5 3 1. Lists: [0,1] 7.5; [3] 1; [2,2,0] 16/3 -> (7.5 + 1 + 16/3) / 3 = 83/18.
  const auto lists = ItemLists::from({{0, 1}, {3}, {2, 2, 0}});
  EXPECT_DOUBLE_EQ(arp(lists, Counts{10, 5, 3, 1}), 83.0 / 18.0);
  EXPECT_EQ(arp(ItemLists{}, Counts{1}), 0.0);
}

TEST(ItemLists, FromNestedVectors) {
  const auto lists = ItemLists::from({{4, 2}, {}, {7}});
  ASSERT_EQ(lists.size(), 3u);
  EXPECT_EQ(lists.offsets, (std::vector<std::size_t>{0, 2, 2, 3}));
  EXPECT_EQ(lists.items, (std::vector<Index>{4, 2, 7}));
  EXPECT_TRUE(lists.list(1).empty());
}

}  // namespace
}  // namespace invr
