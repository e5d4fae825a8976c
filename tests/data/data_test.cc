#include "invr/data.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace invr {

TEST(IdMap, AssignsDenseIndicesInOrderOfFirstAppearance) {
  IdMap map;
  EXPECT_EQ(map.add("b"), 0);
  EXPECT_EQ(map.add("a"), 1);
  EXPECT_EQ(map.add("b"), 0);
  EXPECT_EQ(map.size(), 2u);
  EXPECT_EQ(map.find("a"), 1);
  EXPECT_EQ(map.find("zzz"), kNoIndex);
  EXPECT_EQ(map.id(1), "a");
}

TEST(IdMap, SurvivesRehashing) {
  IdMap map;
  for (int i = 0; i < 10000; ++i) map.add("id" + std::to_string(i));
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(map.find("id" + std::to_string(i)), i);
}

TEST(IdMap, AddNewAddsInOrderAndStopsAtAnIdAlreadyThere) {
  IdMap map;
  map.add("a");
  std::vector<std::string> ids;
  for (int i = 0; i < 5000; ++i) ids.push_back("id" + std::to_string(i));
  const std::vector<std::string_view> views(ids.begin(), ids.end());
  ASSERT_TRUE(map.add_new(views));
  ASSERT_EQ(map.size(), 5001u);
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(map.find(ids[static_cast<std::size_t>(i)]), i + 1);
  EXPECT_EQ(map.find("a"), 0);

  const std::vector<std::string_view> repeated{"x", "y", "a", "z"};
  EXPECT_FALSE(map.add_new(repeated)) << "'a' is already there";
  EXPECT_EQ(map.find("y"), 5002) << "ids before the repeat were added";
  EXPECT_EQ(map.find("z"), kNoIndex) << "nothing after it";
  IdMap fresh;
  const std::vector<std::string_view> twice{"p", "q", "p"};
  EXPECT_FALSE(fresh.add_new(twice)) << "a repeat within the list";
}

TEST(EventType, ParsesEveryNameAndRejectsUnknown) {
  for (int i = 0; i <= static_cast<int>(EventType::checkin); ++i) {
    auto type = static_cast<EventType>(i);
    EXPECT_EQ(parse_event_type(event_type_name(type)), type);
  }
  EXPECT_FALSE(parse_event_type("Click").has_value());
  EXPECT_NE(event_type_names().find("impression"), std::string::npos);
}

TEST(ItemTable, TokensInCsrForm) {
  ItemTable table;
  std::vector<Index> t0{3, 4};
  table.push_back(0, 10.0, t0);
  table.push_back(1, kNoTime, {});
  ASSERT_EQ(table.size(), 2u);
  EXPECT_EQ(table.item_tokens(0).size(), 2u);
  EXPECT_EQ(table.item_tokens(0)[1], 4);
  EXPECT_TRUE(table.item_tokens(1).empty());
  EXPECT_FALSE(has_time(table.publish_time[1]));
}

}  // namespace invr
