#include <gtest/gtest.h>

#include <vector>

#include "invr/convert.h"
#include "invr/stats.h"
#include "test_util.h"

namespace invr {
namespace {

// 3 users, 4 items; producers p0 (items 0,1), p1 (items 2,3), p2 (no item).
//   u0 i0 t=100 click | u0 i0 t=50 click | u1 i0 (no time) rating
//   u1 i1 t=200 impression | u2 i2 t=150 like
Dataset tiny_dataset() {
  Dataset d;
  for (auto id : {"u0", "u1", "u2"}) d.users.add(id);
  for (auto id : {"p0", "p1", "p2"}) d.producers.add(id);
  for (auto id : {"i0", "i1", "i2", "i3"}) d.items.add(id);
  for (Index producer : {0, 0, 1, 1}) d.item_table.push_back(producer, kNoTime, {});
  d.interactions.push_back(0, 0, 100, EventType::click, 1);
  d.interactions.push_back(0, 0, 50, EventType::click, 1);
  d.interactions.push_back(1, 0, kNoTime, EventType::rating, 4);
  d.interactions.push_back(1, 1, 200, EventType::impression, 1);
  d.interactions.push_back(2, 2, 150, EventType::like, 1);
  return d;
}

TEST(DatasetStats, HandComputedTinyDataset) {
  const auto s = dataset_stats(tiny_dataset());
  EXPECT_EQ(s.users, 3u);
  EXPECT_EQ(s.items, 4u);
  EXPECT_EQ(s.producers, 2u);  // p2 owns nothing
  EXPECT_EQ(s.interactions, 5u);
  EXPECT_EQ(s.positive_interactions, 4u);  // the impression is not positive
  EXPECT_EQ(s.user_item_pairs, 4u);        // (0,0) (1,0) (1,1) (2,2)
  EXPECT_DOUBLE_EQ(s.density, 4.0 / 12.0);
  EXPECT_EQ(s.first_time, 50.0);
  EXPECT_EQ(s.last_time, 200.0);

  // Positive interactions per item: 3 0 1 0 -> sorted 0 0 1 3, total 4.
  //   bottom floor(2): 0; top ceil(0.04)=1: 3/4; Gini (1*1 + 3*3) / (3*4) = 10/12; coverage 2/4.
  EXPECT_EQ(s.item_interactions.total, 4u);
  EXPECT_DOUBLE_EQ(s.item_interactions.bottom50_share, 0.0);
  EXPECT_DOUBLE_EQ(s.item_interactions.top1_share, 0.75);
  EXPECT_DOUBLE_EQ(s.item_interactions.gini, 10.0 / 12.0);
  EXPECT_DOUBLE_EQ(s.item_interactions.coverage, 0.5);

  // Per producer: p0 = 3, p1 = 1 -> sorted 1 3: bottom 1/4; top 3/4; Gini (-1 + 3) / (1*4) = 0.5.
  EXPECT_EQ(s.producer_interactions.entities, 2u);
  EXPECT_DOUBLE_EQ(s.producer_interactions.bottom50_share, 0.25);
  EXPECT_DOUBLE_EQ(s.producer_interactions.top1_share, 0.75);
  EXPECT_DOUBLE_EQ(s.producer_interactions.gini, 0.5);
  EXPECT_DOUBLE_EQ(s.producer_interactions.coverage, 1.0);
}

TEST(DatasetStats, SharesAreTheExposureShareFunction) {
  // One implementation per idea: the stats equal concentration() of the counts.
  const auto s = dataset_stats(tiny_dataset());
  const auto c = concentration(std::vector<std::uint64_t>{3, 0, 1, 0});
  EXPECT_EQ(s.item_interactions.bottom50_share, c.bottom50_share);
  EXPECT_EQ(s.item_interactions.top1_share, c.top1_share);
  EXPECT_EQ(s.item_interactions.gini, c.gini);
}

TEST(DatasetStats, EmptyDatasetHasNoTimeRangeAndZeroDensity) {
  const auto s = dataset_stats(Dataset{});
  EXPECT_EQ(s.interactions, 0u);
  EXPECT_EQ(s.density, 0.0);
  EXPECT_FALSE(has_time(s.first_time));
  EXPECT_FALSE(has_time(s.last_time));
  EXPECT_EQ(s.item_interactions.entities, 0u);
}

// The skew figures quoted in shared/datasets/README.md, reproduced by the
// same concentration() the exposure metrics use.
TEST(DatasetStats, MovieLensSmallItemSkewMatchesPublishedFigures) {
  INVR_REQUIRE_DATASETS(datasets);
  const auto s = dataset_stats(convert_movielens(datasets / "ml-latest-small"));
  EXPECT_EQ(s.interactions, 100836u);
  EXPECT_EQ(s.users, 610u);
  EXPECT_NEAR(s.item_interactions.top1_share, 0.158, 0.0005);
  EXPECT_NEAR(s.item_interactions.bottom50_share, 0.063, 0.0005);
  EXPECT_NEAR(s.item_interactions.gini, 0.72, 0.005);
}

TEST(DatasetStats, LastfmArtistSkewMatchesPublishedFigures) {
  INVR_REQUIRE_DATASETS(datasets);
  const auto s = dataset_stats(convert_lastfm(datasets / "lastfm-hetrec2011-2k"));
  EXPECT_NEAR(s.item_interactions.top1_share, 0.316, 0.0005);
  EXPECT_NEAR(s.item_interactions.bottom50_share, 0.095, 0.0005);
  // Each artist is its own producer, so both levels agree.
  EXPECT_EQ(s.producer_interactions.gini, s.item_interactions.gini);
}

}  // namespace
}  // namespace invr
