// topk_recall (invr/retrieval.h): worked out by hand.
#include <gtest/gtest.h>

#include <vector>

#include "invr/error.h"
#include "invr/retrieval.h"

namespace invr {
namespace {

TEST(TopkRecall, SharesOfTheTrueTopKFoundPerQueryAveraged) {
  // Query 0 finds 2 of {1, 2, 3} in another order; query 1 finds all three.
  const std::vector<RowId> truth = {1, 2, 3, 7, 8, 9};
  const std::vector<RowId> found = {3, 5, 1, 9, 8, 7};
  EXPECT_DOUBLE_EQ(topk_recall(found, truth, 3), (2.0 / 3 + 1.0) / 2);
  // An empty slot (an approximate miss) never counts, even against an empty truth slot.
  EXPECT_DOUBLE_EQ(topk_recall(std::vector<RowId>{1, kNoRow}, std::vector<RowId>{1, kNoRow}, 2), 0.5);
  EXPECT_DOUBLE_EQ(topk_recall({}, {}, 5), 1.0);
  EXPECT_THROW(topk_recall(found, std::vector<RowId>{1, 2, 3}, 3), UsageError);
  EXPECT_THROW(topk_recall(found, truth, 4), UsageError);
}

}  // namespace
}  // namespace invr
