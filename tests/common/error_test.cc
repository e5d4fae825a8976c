#include "invr/error.h"

#include <gtest/gtest.h>

#include "common/excerpt.h"
#include "invr/progress.h"

namespace invr {

TEST(DataError, MessageNamesFileLineAndColumn) {
  DataError e("data/x.inter", 12, 3, "expected a number");
  EXPECT_STREQ(e.what(), "data/x.inter:12:3: expected a number");
  EXPECT_EQ(e.file(), "data/x.inter");
  EXPECT_EQ(e.line(), 12u);
  EXPECT_EQ(e.column(), 3u);
}

TEST(DataError, WholeFileProblemOmitsLine) {
  DataError e("x.inter", 0, 0, "file is empty");
  EXPECT_STREQ(e.what(), "x.inter: file is empty");
}

TEST(DataError, IsAnInvrError) {
  EXPECT_THROW(throw DataError("f", 1, 1, "m"), Error);
}

TEST(Excerpt, ShortTextIsKeptLongTextIsCutAtACharacterBoundary) {
  EXPECT_EQ(excerpt("short"), "short");
  EXPECT_EQ(excerpt(std::string(80, 'a')), std::string(80, 'a'));
  EXPECT_EQ(excerpt(std::string(81, 'a')), std::string(80, 'a') + "…(81 bytes)");
  // "é" is two bytes: a cut after 3 bytes would split the second one.
  EXPECT_EQ(excerpt("éé-tail", 3), "é…(9 bytes)");
  EXPECT_EQ(excerpt("ééé", 4), "éé…(6 bytes)");
}

TEST(InvariantCheck, AbortsOnBrokenInvariant) {
  EXPECT_DEATH(INVR_CHECK(1 + 1 == 3), "internal invariant broken");
}

TEST(HumanFormat, CountsAndDurations) {
  EXPECT_EQ(human_count(17), "17");
  EXPECT_EQ(human_count(1'500'000), "1.50M");
  EXPECT_EQ(human_count(34'000), "34.0k");
  EXPECT_EQ(human_duration(65), "1:05");
  EXPECT_EQ(human_duration(3725), "1:02:05");
}

}  // namespace invr
