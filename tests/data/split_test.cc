#include "invr/split.h"

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

}  // namespace invr
