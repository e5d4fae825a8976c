#include "invr/split.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "invr/error.h"

namespace invr {
namespace {

Interactions sample() {
  Interactions x;
  // user, item, time
  x.push_back(0, 0, 10, EventType::click, 1);
  x.push_back(0, 1, 30, EventType::click, 1);
  x.push_back(1, 2, 20, EventType::click, 1);
  x.push_back(0, 2, 20, EventType::click, 1);
  x.push_back(1, 3, 40, EventType::click, 1);
  x.push_back(2, 0, 5, EventType::click, 1);
  x.push_back(0, 3, kNoTime, EventType::click, 1);
  return x;
}

TEST(UserTemporalSplit, HoldsOutEachUsersLatestShare) {
  Interactions x;
  // User 0: 10 rows at t = 10 - r (newest first in row order); user 1: 3 rows;
  // user 2: one row.
  for (int r = 0; r < 10; ++r) x.push_back(0, r, 10.0 - r, EventType::click, 1);
  for (int r = 0; r < 3; ++r) x.push_back(1, 20 + r, 100.0 + r, EventType::click, 1);
  x.push_back(2, 30, 5, EventType::click, 1);
  const Split s = user_temporal_split(x, 0.3);
  // User 0: round(3.0) = 3 latest (items 0, 1, 2); user 1: round(0.9) = 1
  // latest (item 22); user 2: round(0.3) = 0.
  EXPECT_EQ(s.test.item, (std::vector<Index>{0, 1, 2, 22}));
  EXPECT_EQ(s.train.size(), x.size() - 4);
  // At least one row per user stays in train.
  const Split most = user_temporal_split(x, 0.99);
  for (Index u : {0, 1, 2})
    EXPECT_EQ(std::count(most.train.user.begin(), most.train.user.end(), u), 1) << u;
  EXPECT_THROW(user_temporal_split(x, 0.0), UsageError);
  EXPECT_THROW(user_temporal_split(x, 1.0), UsageError);
}

TEST(SplitRows, MatchTheSplitsTheyDescribe) {
  const Interactions x = sample();
  auto test_count = [](const std::vector<bool>& rows) {
    return static_cast<std::size_t>(std::count(rows.begin(), rows.end(), true));
  };
  EXPECT_EQ(test_count(temporal_test_rows(x, 25)), temporal_split(x, 25).test.size());
  EXPECT_EQ(test_count(random_test_rows(x, 0.5, 3)), random_split(x, 0.5, 3).test.size());
  EXPECT_EQ(test_count(leave_last_n_test_rows(x, 1)), leave_last_n_out(x, 1).test.size());
  EXPECT_EQ(test_count(user_temporal_test_rows(x, 0.5)), user_temporal_split(x, 0.5).test.size());
}

}  // namespace

TEST(TemporalSplit, RowsAtOrAfterCutoffAreTest) {
  Split s = temporal_split(sample(), 20);
  ASSERT_EQ(s.test.size(), 4u);  // times 30, 20, 20, 40
  for (double t : s.test.timestamp) EXPECT_GE(t, 20);
  // Times 10 and 5, and the row without a timestamp, stay in train.
  ASSERT_EQ(s.train.size(), 3u);
  EXPECT_FALSE(has_time(s.train.timestamp[2]));
}

TEST(TemporalSplit, CutoffFromFraction) {
  // Six timestamped rows: 5,10,20,20,30,40. Fraction 1/3 → position 4 → 30.
  EXPECT_EQ(temporal_cutoff(sample(), 1.0 / 3.0), 30);
  EXPECT_THROW(temporal_cutoff(sample(), 0.0), UsageError);
  Interactions untimed;
  untimed.push_back(0, 0, kNoTime, EventType::click, 1);
  EXPECT_THROW(temporal_cutoff(untimed, 0.2), UsageError);
}

TEST(LeaveLastNOut, HoldsOutEachUsersLatestRows) {
  Split s = leave_last_n_out(sample(), 1);
  // User 0: rows at 10, 30, 20, none → latest is item 1 (t=30). User 1: item 3 (t=40).
  // User 2 has one row: kept in train.
  ASSERT_EQ(s.test.size(), 2u);
  EXPECT_EQ(s.test.item[0], 1);
  EXPECT_EQ(s.test.item[1], 3);
  EXPECT_EQ(s.train.size(), 5u);
}

TEST(LeaveLastNOut, DeterministicOnTiesByRowOrder) {
  Interactions x;
  x.push_back(0, 7, 1, EventType::click, 1);
  x.push_back(0, 8, 1, EventType::click, 1);
  x.push_back(0, 9, 1, EventType::click, 1);
  Split a = leave_last_n_out(x, 2);
  Split b = leave_last_n_out(x, 2);
  ASSERT_EQ(a.test.item, b.test.item);
  EXPECT_EQ(a.test.item, (std::vector<Index>{8, 9}));
  EXPECT_THROW(leave_last_n_out(x, 0), UsageError);
}

TEST(RandomSplit, SeededPartitionAtTheFraction) {
  Interactions x;
  for (int r = 0; r < 20000; ++r) x.push_back(r % 100, r % 37, kNoTime, EventType::click, 1);
  const Split a = random_split(x, 0.2, 7);
  EXPECT_EQ(a.train.size() + a.test.size(), x.size());
  EXPECT_NEAR(static_cast<double>(a.test.size()) / static_cast<double>(x.size()), 0.2, 0.01);
  // Row r is test exactly when its draw is below the fraction, in row order.
  std::size_t t = 0;
  for (std::size_t r = 0; r < x.size(); ++r) {
    if (split_draw(7, r) < 0.2) {
      ASSERT_LT(t, a.test.size());
      EXPECT_EQ(a.test.user[t], x.user[r]);
      EXPECT_EQ(a.test.item[t], x.item[r]);
      ++t;
    }
  }
  EXPECT_EQ(t, a.test.size());
  const Split same = random_split(x, 0.2, 7);
  EXPECT_EQ(same.test.user, a.test.user);
  EXPECT_EQ(same.test.item, a.test.item);
  const Split other = random_split(x, 0.2, 8);
  EXPECT_NE(other.test.item, a.test.item);
  EXPECT_THROW(random_split(x, 0.0, 7), UsageError);
  EXPECT_THROW(random_split(x, 1.0, 7), UsageError);
}

}  // namespace invr
