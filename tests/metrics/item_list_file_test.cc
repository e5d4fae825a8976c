#include <gtest/gtest.h>

#include "invr/error.h"
#include "invr/metrics.h"
#include "test_util.h"

namespace invr {
namespace {

IdMap three_items() {
  IdMap items;
  items.add("a");
  items.add("b");
  items.add("c");
  return items;
}

TEST(ReadItemList, TypedHeaderCrlfAndBlankLines) {
  test::TempDir dir;
  test::write_file(dir / "treated.txt", "item_id:token\r\nc\r\n\r\na\r\nc\r\n");
  EXPECT_EQ(read_item_list(dir / "treated.txt", three_items()), (std::vector<Index>{2, 0, 2}));
}

TEST(ReadItemList, NoHeader) {
  test::TempDir dir;
  test::write_file(dir / "treated.txt", "b\n a \n");
  EXPECT_EQ(read_item_list(dir / "treated.txt", three_items()), (std::vector<Index>{1, 0}));
}

TEST(ReadItemList, EmptyFileIsEmptyList) {
  test::TempDir dir;
  test::write_file(dir / "treated.txt", "item_id\n");
  EXPECT_TRUE(read_item_list(dir / "treated.txt", three_items()).empty());
}

TEST(ReadItemList, UnknownIdNamesFileAndLine) {
  test::TempDir dir;
  test::write_file(dir / "treated.txt", "item_id\na\nzzz\n");
  try {
    read_item_list(dir / "treated.txt", three_items());
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_EQ(e.line(), 3u);
    EXPECT_EQ(e.column(), 1u);
    EXPECT_NE(std::string(e.what()).find("treated.txt:3:1"), std::string::npos) << e.what();
    EXPECT_NE(e.message().find("zzz"), std::string::npos);
  }
}

TEST(ReadItemList, MissingFileIsIoError) {
  test::TempDir dir;
  EXPECT_THROW(read_item_list(dir / "absent.txt", three_items()), IoError);
}

}  // namespace
}  // namespace invr
