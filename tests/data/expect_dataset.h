// Comparing whole datasets in the data tests: every id map, item column and
// interaction column, doubles by their bits.
#pragma once

#include <gtest/gtest.h>

#include <cstring>

#include "invr/data.h"

namespace invr::test {

// Same bits, so kNoTime (NaN) equals itself and -0 differs from 0.
inline bool same_double(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

inline void expect_same_dataset(const Dataset& a, const Dataset& b) {
  EXPECT_EQ(a.users.ids(), b.users.ids());
  EXPECT_EQ(a.items.ids(), b.items.ids());
  EXPECT_EQ(a.producers.ids(), b.producers.ids());
  EXPECT_EQ(a.tokens.ids(), b.tokens.ids());
  EXPECT_EQ(a.item_table.producer, b.item_table.producer);
  EXPECT_EQ(a.item_table.token_offsets, b.item_table.token_offsets);
  EXPECT_EQ(a.item_table.tokens, b.item_table.tokens);
  ASSERT_EQ(a.item_table.publish_time.size(), b.item_table.publish_time.size());
  for (std::size_t i = 0; i < a.item_table.publish_time.size(); ++i)
    EXPECT_TRUE(same_double(a.item_table.publish_time[i], b.item_table.publish_time[i])) << i;
  const Interactions& x = a.interactions;
  const Interactions& y = b.interactions;
  EXPECT_EQ(x.user, y.user);
  EXPECT_EQ(x.item, y.item);
  EXPECT_EQ(x.event, y.event);
  EXPECT_EQ(x.value, y.value);
  ASSERT_EQ(x.timestamp.size(), y.timestamp.size());
  for (std::size_t r = 0; r < x.timestamp.size(); ++r)
    EXPECT_TRUE(same_double(x.timestamp[r], y.timestamp[r])) << "row " << r;
}

}  // namespace invr::test
