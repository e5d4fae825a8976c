#include "invr/exposure_log.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "invr/error.h"
#include "test_util.h"

namespace invr {
namespace {

using test::TempDir;
using test::write_file;

IdMap make_items() {
  IdMap items;
  for (const char* id : {"i0", "i1", "i2"}) items.add(id);
  return items;
}

class ExposureLogTest : public ::testing::Test {
 protected:
  // Writes text to log.tsv and returns the DataError reading it must raise.
  DataError read_error(const std::string& text) {
    write_file(path(), text);
    try {
      read_exposure_log(path(), items);
    } catch (const DataError& e) {
      EXPECT_EQ(e.file(), path().string());
      return e;
    }
    ADD_FAILURE() << "expected a DataError";
    return DataError("", 0, 0, "");
  }
  std::filesystem::path path() const { return dir / "log.tsv"; }

  TempDir dir;
  IdMap items = make_items();
};

TEST_F(ExposureLogTest, ReadsRequiredColumnsInAnyOrder) {
  write_file(
      path(),
      "clicked\titem_id\tuser_id\tposition\n1\ti2\tbob\t0\nfalse\ti0\tbob\t1\ntrue\ti1\tann\t0\n");
  const ExposureLog log = read_exposure_log(path(), items);
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log.users.ids(), (std::vector<std::string>{"bob", "ann"}));
  EXPECT_EQ(log.user, (std::vector<Index>{0, 0, 1}));
  EXPECT_EQ(log.item, (std::vector<Index>{2, 0, 1}));
  EXPECT_EQ(log.position, (std::vector<std::int32_t>{0, 1, 0}));
  EXPECT_EQ(log.clicked, (std::vector<std::uint8_t>{1, 0, 1}));
  EXPECT_FALSE(has_time(log.timestamp[0]));
  EXPECT_EQ(log.arm, (std::vector<Index>{kNoIndex, kNoIndex, kNoIndex}));
  EXPECT_TRUE(log.arms.empty());
}

TEST_F(ExposureLogTest, AcceptsTypedHeadersAndOptionalColumns) {
  write_file(
      path(),
      "user_id:token\titem_id:token\tposition:float\tclicked:float\ttimestamp:float\tarm:token\r\n"
      "u\ti1\t3\t0\t1700000000.5\tcontrol\r\n"
      "u\ti0\t4\t1\t\t\r\n");
  const ExposureLog log = read_exposure_log(path(), items);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log.timestamp[0], 1700000000.5);
  EXPECT_FALSE(has_time(log.timestamp[1]));
  EXPECT_EQ(log.arms.ids(), (std::vector<std::string>{"control"}));
  EXPECT_EQ(log.arm, (std::vector<Index>{0, kNoIndex}));
  EXPECT_EQ(log.position, (std::vector<std::int32_t>{3, 4}));
}

TEST_F(ExposureLogTest, RoundTripsThroughWriteAndRead) {
  ExposureLog log;
  log.users.add("amy");
  log.users.add("bo");
  log.arms.add("treatment");
  log.arms.add("control");
  log.push_back(1, 2, 0, true, 1.5e9 + 0.1, 0);
  log.push_back(1, 0, 1, false, kNoTime, kNoIndex);
  log.push_back(0, 1, 2147483647, false, -3.25, 1);
  write_exposure_log(path(), log, items);
  EXPECT_EQ(
      test::read_file(path()),
      "user_id:token\titem_id:token\tposition:float\tclicked:float\ttimestamp:float\tarm:token\n"
      "bo\ti2\t0\t1\t1500000000.1\ttreatment\n"
      "bo\ti0\t1\t0\t\t\n"
      "amy\ti1\t2147483647\t0\t-3.25\tcontrol\n");
  const ExposureLog back = read_exposure_log(path(), items);
  // Users are numbered in order of appearance in the file.
  EXPECT_EQ(back.users.ids(), (std::vector<std::string>{"bo", "amy"}));
  EXPECT_EQ(back.user, (std::vector<Index>{0, 0, 1}));
  EXPECT_EQ(back.item, log.item);
  EXPECT_EQ(back.position, log.position);
  EXPECT_EQ(back.clicked, log.clicked);
  EXPECT_EQ(back.timestamp[0], log.timestamp[0]);
  EXPECT_FALSE(has_time(back.timestamp[1]));
  EXPECT_EQ(back.timestamp[2], -3.25);
  EXPECT_EQ(back.arms.ids(), (std::vector<std::string>{"treatment", "control"}));
  EXPECT_EQ(back.arm, log.arm);
}

TEST_F(ExposureLogTest, WriterLeavesOutEmptyOptionalColumns) {
  ExposureLog log;
  log.users.add("u");
  log.push_back(0, 1, 5, true, kNoTime, kNoIndex);
  write_exposure_log(path(), log, items);
  EXPECT_EQ(test::read_file(path()),
            "user_id:token\titem_id:token\tposition:float\tclicked:float\nu\ti1\t5\t1\n");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);  // no temporary file left behind
}

TEST_F(ExposureLogTest, WriterRejectsIdsWithTabs) {
  ExposureLog log;
  log.users.add("a\tb");
  log.push_back(0, 0, 0, false, kNoTime, kNoIndex);
  EXPECT_THROW(write_exposure_log(path(), log, items), UsageError);
  EXPECT_FALSE(std::filesystem::exists(path()));
}

TEST_F(ExposureLogTest, UserIdsWithControlCharactersAreRefused) {
  auto e = read_error("user_id\titem_id\tposition\tclicked\nu\ti1\t0\t0\nab\x1B[1m\ti1\t0\t0\n");
  EXPECT_EQ(e.line(), 3u);
  EXPECT_EQ(e.column(), 3u);
  EXPECT_NE(e.message().find("control character 0x1B"), std::string::npos) << e.what();
  ExposureLog log;
  log.users.add("a\x01");
  log.push_back(0, 0, 0, false, kNoTime, kNoIndex);
  EXPECT_THROW(write_exposure_log(path(), log, items), UsageError);
}

TEST_F(ExposureLogTest, HeaderOnlyLogIsEmpty) {
  write_file(path(), "user_id\titem_id\tposition\tclicked\n");
  EXPECT_EQ(read_exposure_log(path(), items).size(), 0u);
}

TEST_F(ExposureLogTest, UnknownItem) {
  auto e = read_error("user_id\titem_id\tposition\tclicked\nu\ti1\t0\t0\nu\ti7\t1\t0\n");
  EXPECT_EQ(e.line(), 3u);
  EXPECT_EQ(e.column(), 3u);
  EXPECT_EQ(e.message(), "unknown item 'i7' (not in the dataset's items)");
}

TEST_F(ExposureLogTest, UnknownColumn) {
  auto e = read_error("user_id\titem_id\tposition\tclicked\tscore\n");
  EXPECT_EQ(e.line(), 1u);
  EXPECT_EQ(e.column(), 34u);
  EXPECT_EQ(e.message(),
            "unknown column 'score'; expected one of user_id, item_id, position, clicked, "
            "timestamp, arm");
}

TEST_F(ExposureLogTest, MissingColumn) {
  auto e = read_error("user_id\titem_id\tclicked\n");
  EXPECT_EQ(e.line(), 1u);
  EXPECT_EQ(e.column(), 0u);
  EXPECT_EQ(e.message(), "missing required column position (header has user_id, item_id, clicked)");
}

TEST_F(ExposureLogTest, BadPosition) {
  for (const char* bad : {"-1", "1.5", "x", "", "2147483648"}) {
    auto e =
        read_error(std::string("user_id\titem_id\tposition\tclicked\nu\ti1\t") + bad + "\t1\n");
    EXPECT_EQ(e.line(), 2u) << bad;
    EXPECT_EQ(e.column(), 6u) << bad;
    EXPECT_EQ(e.message(),
              "column position: expected a non-negative integer, found '" + std::string(bad) + "'");
  }
}

TEST_F(ExposureLogTest, BadClicked) {
  auto e = read_error("user_id\titem_id\tposition\tclicked\nu\ti1\t0\t2\n");
  EXPECT_EQ(e.line(), 2u);
  EXPECT_EQ(e.column(), 8u);
  EXPECT_EQ(e.message(), "column clicked: expected 0, 1, true or false, found '2'");
}

TEST_F(ExposureLogTest, BadTimestamp) {
  auto e = read_error("user_id\titem_id\tposition\tclicked\ttimestamp\nu\ti1\t0\t1\tinf\n");
  EXPECT_EQ(e.line(), 2u);
  EXPECT_EQ(e.column(), 10u);
  EXPECT_EQ(e.message(), "column timestamp: expected a finite number, found 'inf'");
}

TEST_F(ExposureLogTest, WrongTypeOnIdColumn) {
  auto e = read_error("user_id:float\titem_id\tposition\tclicked\n");
  EXPECT_EQ(e.line(), 1u);
  EXPECT_EQ(e.column(), 1u);
  EXPECT_EQ(e.message(), "column user_id must be :token, found :float");
}

TEST_F(ExposureLogTest, WrongFieldCountAndDelimiter) {
  auto e = read_error("user_id\titem_id\tposition\tclicked\nu\ti1\t0\n");
  EXPECT_EQ(e.line(), 2u);
  EXPECT_EQ(e.column(), 7u);
  EXPECT_EQ(e.message(), "expected 4 tab-separated fields (as in the header), found 3");
  auto csv = read_error("user_id,item_id,position,clicked\nu,i1,0,1\n");
  EXPECT_EQ(csv.line(), 1u);
  EXPECT_EQ(csv.column(), 8u);
}

TEST_F(ExposureLogTest, EmptyFileAndInvalidUtf8) {
  auto empty = read_error("");
  EXPECT_EQ(empty.line(), 0u);
  EXPECT_EQ(empty.message(), "empty file: expected a header line");
  auto utf8 = read_error("user_id\titem_id\tposition\tclicked\n\xFF\ti1\t0\t1\n");
  EXPECT_EQ(utf8.line(), 2u);
  EXPECT_EQ(utf8.column(), 1u);
}

}  // namespace
}  // namespace invr
