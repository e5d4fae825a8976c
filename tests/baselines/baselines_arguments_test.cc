// Caller mistakes in the baselines stage throw UsageError naming the argument
// instead of aborting the host process (issue 15, item 2).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "invr/baselines.h"
#include "invr/error.h"
#include "invr/evaluate.h"

namespace invr {
namespace {

TEST(BaselinesArguments, InvertSpdWithTheWrongNumberOfValuesThrows) {
  std::vector<double> three(3, 1.0);
  EXPECT_THROW(invert_spd(three, 2), UsageError);
  std::vector<double> identity = {1, 0, 0, 1};
  invert_spd(identity, 2);
  EXPECT_DOUBLE_EQ(identity[0], 1.0);
}

TEST(BaselinesArguments, UnseenTopKChecksIdsAndUsers) {
  const ItemLists train_items;
  const std::vector<std::int64_t> ids = {1, 2, 3};
  const std::vector<Index> one_user = {0};
  try {
    unseen_top_k(ids, 2, one_user, train_items, 1);
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("3 ids for 1 users x width 2"), std::string::npos)
        << e.what();
  }
  // users[0] = 0 but train_items has no users.
  EXPECT_THROW(unseen_top_k(std::vector<std::int64_t>{1, 2}, 2, one_user, train_items, 1),
               UsageError);
}

}  // namespace
}  // namespace invr
