// Every way load_atomic rejects input: each is a DataError naming the file,
// the 1-based line and byte column, and what was expected.
#include <gtest/gtest.h>

#include <string>

#include "invr/atomic_io.h"
#include "invr/error.h"
#include "test_util.h"

namespace invr {
namespace {

using test::TempDir;
using test::write_file;

// Columns of "user_id:token<TAB>item_id:token<TAB>timestamp:float": 1, 15, 29.
const std::string kHeader = "user_id:token\titem_id:token\ttimestamp:float\n";

struct Files {
  std::string inter{};
  std::string item{};  // not written when empty and write_item is false
  bool write_item = false;
  std::string user{};
  bool write_user = false;
};

// Loads dataset "x" made of files and returns the DataError it must raise.
DataError load_error(const TempDir& dir, const Files& files,
                     const AtomicLoadOptions& options = {}) {
  write_file(dir / "x.inter", files.inter);
  if (files.write_item) write_file(dir / "x.item", files.item);
  if (files.write_user) write_file(dir / "x.user", files.user);
  try {
    load_atomic(dir.path(), "x", options);
  } catch (const DataError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a DataError";
  return DataError("", 0, 0, "");
}

DataError inter_error(const TempDir& dir, const std::string& inter) {
  return load_error(dir, Files{.inter = inter});
}

void expect_error(const DataError& e, const std::string& file, std::size_t line, std::size_t column,
                  const std::string& message) {
  EXPECT_EQ(e.file(), file);
  EXPECT_EQ(e.line(), line);
  EXPECT_EQ(e.column(), column);
  EXPECT_EQ(e.message(), message);
}

class AtomicErrors : public ::testing::Test {
 protected:
  std::string inter() const { return (dir / "x.inter").string(); }
  std::string item() const { return (dir / "x.item").string(); }
  std::string user() const { return (dir / "x.user").string(); }
  TempDir dir;
};

TEST_F(AtomicErrors, HeaderFieldWithoutType) {
  expect_error(inter_error(dir, "user_id:token\titem_id\nu\ti\n"), inter(), 1, 15,
               "column 'item_id' has no type; expected NAME:TYPE with TYPE one of token, "
               "token_seq, float, float_seq");
}

TEST_F(AtomicErrors, UnknownType) {
  expect_error(inter_error(dir, "user_id:token\titem_id:int\nu\t1\n"), inter(), 1, 23,
               "column 'item_id' has unknown type 'int'; expected one of token, token_seq, float, "
               "float_seq");
}

TEST_F(AtomicErrors, UnknownInterColumn) {
  expect_error(inter_error(dir, "user_id:token\titem_id:token\tgenre:token\nu\ti\tx\n"), inter(), 1,
               29,
               "unknown column 'genre:token'; expected one of user_id:token, item_id:token, "
               "timestamp:float, event_type:token, and one of rating:float, weight:float, "
               "value:float");
}

TEST_F(AtomicErrors, MissingRequiredColumn) {
  expect_error(inter_error(dir, "user_id:token\ttimestamp:float\nu\t5\n"), inter(), 1, 0,
               "missing required column item_id:token (header has user_id:token, timestamp:float)");
}

TEST_F(AtomicErrors, RequiredColumnWithWrongType) {
  expect_error(inter_error(dir, "user_id:token\titem_id:token\ttimestamp:token\nu\ti\tx\n"),
               inter(), 1, 29, "column timestamp must be :float, found :token");
}

TEST_F(AtomicErrors, DuplicateColumn) {
  expect_error(inter_error(dir, "user_id:token\titem_id:token\tuser_id:token\n"), inter(), 1, 29,
               "duplicate column 'user_id'");
}

TEST_F(AtomicErrors, TwoValueColumns) {
  expect_error(inter_error(dir, "user_id:token\titem_id:token\trating:float\tweight:float\n"),
               inter(), 1, 42, "more than one value column (rating and weight); use one");
}

TEST_F(AtomicErrors, UnparsableNumber) {
  expect_error(inter_error(dir, kHeader + "u1\ti1\t100\nu1\ti2\t12:30\n"), inter(), 3, 7,
               "column timestamp: expected a finite number, found '12:30'");
}

TEST_F(AtomicErrors, NanAndInfinityAreNotNumbers) {
  expect_error(inter_error(dir, kHeader + "u1\ti1\tnan\n"), inter(), 2, 7,
               "column timestamp: expected a finite number, found 'nan'");
  expect_error(inter_error(dir, "user_id:token\titem_id:token\trating:float\nu1\ti1\t-inf\n"),
               inter(), 2, 7, "column rating: expected a finite number, found '-inf'");
}

TEST_F(AtomicErrors, EmptyValueIsNotANumber) {
  expect_error(inter_error(dir, "user_id:token\titem_id:token\tvalue:float\nu1\ti1\t\n"), inter(),
               2, 7, "column value: expected a finite number, found '' (an empty field)");
}

TEST_F(AtomicErrors, TooFewFields) {
  expect_error(inter_error(dir, kHeader + "u1\ti1\t5\nu1\ti1\n"), inter(), 3, 6,
               "expected 3 tab-separated fields (as in the header), found 2");
}

TEST_F(AtomicErrors, TooManyFields) {
  expect_error(inter_error(dir, kHeader + "u1\ti1\t5\textra\n"), inter(), 2, 9,
               "expected 3 tab-separated fields (as in the header), found 4");
}

TEST_F(AtomicErrors, BadEventType) {
  expect_error(inter_error(dir, "user_id:token\titem_id:token\tevent_type:token\nu1\ti1\tclik\n"),
               inter(), 2, 7,
               "column event_type: expected one of interaction, impression, click, view, play, "
               "listen, rating, like, purchase, checkin, found 'clik'");
}

TEST_F(AtomicErrors, EmptyIds) {
  expect_error(inter_error(dir, "user_id:token\titem_id:token\nu1\ti1\n\ti2\n"), inter(), 3, 1,
               "empty user_id; expected a user id");
  expect_error(inter_error(dir, "user_id:token\titem_id:token\nu1\t\n"), inter(), 2, 4,
               "empty item_id; expected an item id");
}

TEST_F(AtomicErrors, EmptyFile) {
  expect_error(inter_error(dir, ""), inter(), 0, 0, "empty file: expected a header line");
  expect_error(
      load_error(dir, Files{.inter = kHeader + "u\ti\t1\n", .item = "", .write_item = true}),
      item(), 0, 0, "empty file: expected a header line");
}

TEST_F(AtomicErrors, HeaderOnlyInterHasNoInteractions) {
  expect_error(inter_error(dir, kHeader), inter(), 0, 0,
               "no interactions: the file has a header but no data rows");
  expect_error(inter_error(dir, kHeader + "\n\n"), inter(), 0, 0,
               "no interactions: the file has a header but no data rows");
}

TEST_F(AtomicErrors, WrongDelimiter) {
  expect_error(inter_error(dir, "user_id:token,item_id:token\nu1,i1\n"), inter(), 1, 14,
               "expected tab-separated columns, found ',' in a header with no tab");
  expect_error(inter_error(dir, "user_id:token;item_id:token\nu1;i1\n"), inter(), 1, 14,
               "expected tab-separated columns, found ';' in a header with no tab");
}

TEST_F(AtomicErrors, InvalidUtf8) {
  // Latin-1 "é" (0xE9) in a user id on line 3, byte column 4.
  expect_error(inter_error(dir, "user_id:token\titem_id:token\nu1\ti1\nJos\xE9\ti2\n"), inter(), 3,
               4, "invalid UTF-8 byte 0xE9; files must be UTF-8 encoded");
  expect_error(load_error(dir, Files{.inter = "user_id:token\titem_id:token\nu\ti\n",
                                     .item = "item_id:token\ttitle:token\ni\tCaf\xC3\n",
                                     .write_item = true}),
               item(), 2, 6, "invalid UTF-8 byte 0xC3; files must be UTF-8 encoded");
}

TEST_F(AtomicErrors, BlankLineInTheMiddle) {
  expect_error(inter_error(dir, "user_id:token\titem_id:token\nu1\ti1\n\nu2\ti2\n"), inter(), 3, 1,
               "blank line in the middle of the file (only trailing blank lines are allowed)");
}

TEST_F(AtomicErrors, DuplicateItemRows) {
  const Files files{.inter = "user_id:token\titem_id:token\nu\ti1\n",
                    .item = "item_id:token\tproducer_id:token\ni1\tp1\ni2\tp1\ni1\tp2\n",
                    .write_item = true};
  expect_error(load_error(dir, files), item(), 4, 1,
               "duplicate item 'i1' (first defined on line 2)");
}

TEST_F(AtomicErrors, InteractionWithItemNotInItemFile) {
  const Files files{.inter = "user_id:token\titem_id:token\nu1\ti1\nu1\ti9\n",
                    .item = "item_id:token\ni1\n",
                    .write_item = true};
  expect_error(load_error(dir, files), inter(), 3, 4, "unknown item 'i9' (not in x.item)");
}

TEST_F(AtomicErrors, FloatContentColumnInItemFile) {
  const Files files{.inter = "user_id:token\titem_id:token\nu\ti1\n",
                    .item = "item_id:token\tprice:float\ni1\t3\n",
                    .write_item = true};
  expect_error(load_error(dir, files), item(), 1, 15,
               "unknown column 'price:float'; expected item_id:token, producer_id:token, "
               "publish_time:float, or content columns of type token or token_seq");
}

TEST_F(AtomicErrors, ItemFileWithoutItemId) {
  const Files files{.inter = "user_id:token\titem_id:token\nu\ti1\n",
                    .item = "producer_id:token\np\n",
                    .write_item = true};
  expect_error(load_error(dir, files), item(), 1, 0,
               "missing required column item_id:token (header has producer_id:token)");
}

TEST_F(AtomicErrors, ExplicitProducerColumnMustExist) {
  AtomicLoadOptions options;
  options.producer_column = "director";
  const Files files{.inter = "user_id:token\titem_id:token\nu\ti1\n",
                    .item = "item_id:token\tgenre:token\ni1\tDrama\n",
                    .write_item = true};
  expect_error(load_error(dir, files, options), item(), 1, 0,
               "missing required column director:token (header has item_id:token, genre:token)");
}

TEST_F(AtomicErrors, EmptyProducer) {
  const Files files{.inter = "user_id:token\titem_id:token\nu\ti1\n",
                    .item = "item_id:token\tproducer_id:token\ni1\t\n",
                    .write_item = true};
  expect_error(load_error(dir, files), item(), 2, 4,
               "empty producer_id; expected a producer id (leave the column out to make every item "
               "its own producer)");
}

TEST_F(AtomicErrors, BadPublishTime) {
  const Files files{.inter = "user_id:token\titem_id:token\nu\ti1\n",
                    .item = "item_id:token\tpublish_time:float\ni1\tyesterday\n",
                    .write_item = true};
  expect_error(load_error(dir, files), item(), 2, 4,
               "column publish_time: expected a finite number, found 'yesterday'");
}

TEST_F(AtomicErrors, ItemRowWithWrongFieldCount) {
  const Files files{.inter = "user_id:token\titem_id:token\nu\ti1\n",
                    .item = "item_id:token\tproducer_id:token\ni1\tp\ti2\n",
                    .write_item = true};
  expect_error(load_error(dir, files), item(), 2, 6,
               "expected 2 tab-separated fields (as in the header), found 3");
}

TEST_F(AtomicErrors, DuplicateUserInUserFile) {
  const Files files{.inter = "user_id:token\titem_id:token\nu1\ti1\n",
                    .user = "user_id:token\nu1\nu2\nu1\n",
                    .write_user = true};
  expect_error(load_error(dir, files), user(), 4, 1,
               "duplicate user 'u1' (first defined on line 2)");
}

TEST_F(AtomicErrors, UserFileWithoutUserId) {
  const Files files{.inter = "user_id:token\titem_id:token\nu1\ti1\n",
                    .user = "name:token\nbob\n",
                    .write_user = true};
  expect_error(load_error(dir, files), user(), 1, 0,
               "missing required column user_id:token (header has name:token)");
}

TEST_F(AtomicErrors, ReportsTheFirstErrorInFileOrder) {
  // Rows are looked up in batches; a later malformed row must not hide an earlier bad item.
  const Files files{.inter = "user_id:token\titem_id:token\nu\ti1\nu\ti9\nu\ti1\nu\ti1\textra\n",
                    .item = "item_id:token\ni1\n",
                    .write_item = true};
  expect_error(load_error(dir, files), inter(), 3, 3, "unknown item 'i9' (not in x.item)");
}

TEST_F(AtomicErrors, BlankLinesAcrossTheReadBufferEndAfterABadRow) {
  // The bad row is batched just before blank lines that run past the 256 KiB
  // read buffer; looking past them must not lose the row or its error.
  std::string inter = "user_id:token\titem_id:token\n";
  for (int r = 0; r < 26200; ++r) inter += "user\titem\n";
  inter += "user\tnope\n" + std::string(10000, '\n');
  for (int r = 0; r < 30000; ++r) inter += "user\titem\n";  // refills overwrite the buffer
  const Files files{.inter = inter, .item = "item_id:token\nitem\n", .write_item = true};
  expect_error(load_error(dir, files), this->inter(), 26202, 6,
               "unknown item 'nope' (not in x.item)");
}

TEST_F(AtomicErrors, ErrorOnTheLastRowStillFailsTheWholeLoad) {
  // All-or-nothing: 1000 good rows then one bad one give no Dataset at all.
  std::string inter = kHeader;
  for (int r = 0; r < 1000; ++r) {
    const std::string number = std::to_string(r);
    inter.append("u").append(number).append("\ti\t").append(number).append("\n");
  }
  inter += "u\ti\tlate\n";
  expect_error(inter_error(dir, inter), this->inter(), 1002, 5,
               "column timestamp: expected a finite number, found 'late'");
}

TEST_F(AtomicErrors, ErrorFarIntoALargeFileNamesItsLine) {
  // Past several read-buffer refills, line numbers and columns still hold.
  std::string inter = kHeader;
  for (int r = 0; r < 40000; ++r)
    inter.append("user\titem\t").append(std::to_string(r)).append("\n");
  inter += "user\titem\t1\t2\n";
  expect_error(inter_error(dir, inter), this->inter(), 40002, 13,
               "expected 3 tab-separated fields (as in the header), found 4");
}

// docs/formats.md, "Ids": ids hold no control character, since the HTTP API
// refuses them in a request; each file's ids are checked, at the bad byte.
TEST_F(AtomicErrors, IdsWithControlCharactersAreRefused) {
  const std::string refused = "holds the control character";
  auto e = inter_error(dir, kHeader + "u1\ti1\t1\nu\x01\ti1\t2\n");
  expect_error(e, inter(), 3, 2,
               "column user_id: id 'u\\x01' holds the control character 0x01; ids may not hold "
               "control characters (the HTTP API could never ask for them)");
  e = inter_error(dir, kHeader + "u1\ti1\t1\nu1\ti\r2\t2\n");  // a CR inside, not a CRLF
  EXPECT_EQ(e.line(), 3u);
  EXPECT_EQ(e.column(), 5u);
  EXPECT_NE(e.message().find("column item_id: id 'i\\r2' " + refused), std::string::npos);
  e = load_error(dir, Files{.inter = kHeader + "u1\ti1\t1\n",
                            .item = "item_id:token\tproducer_id:token\ni1\tp\x7F\n",
                            .write_item = true});
  EXPECT_EQ(e.file(), item());
  EXPECT_EQ(e.line(), 2u);
  EXPECT_EQ(e.column(), 5u);
  EXPECT_NE(e.message().find("column producer_id: id 'p\\x7F' " + refused), std::string::npos);
  e = load_error(dir, Files{.inter = kHeader + "u1\ti1\t1\n", .item = "item_id:token\n\x1Fi1\n",
                            .write_item = true});
  EXPECT_EQ(e.file(), item());
  EXPECT_EQ(e.column(), 1u);
  std::filesystem::remove(dir / "x.item");
  e = load_error(dir, Files{.inter = kHeader + "u1\ti1\t1\n", .user = "user_id:token\nu\x02\n",
                            .write_user = true});
  EXPECT_EQ(e.file(), user());
  EXPECT_EQ(e.line(), 2u);
  EXPECT_EQ(e.column(), 2u);
}

TEST_F(AtomicErrors, ByteOrderMarkStartingALaterRowIsNotPartOfAnId) {
  // A file made by concatenating two files that each start with a mark.
  const std::string bom = "\xEF\xBB\xBF";
  expect_error(inter_error(dir, bom + kHeader + "u1\ti1\t1\n" + bom + "u2\ti1\t2\n"), inter(), 3,
               1,
               "byte-order mark (U+FEFF) inside the file; only the file's first bytes may hold "
               "one (were files concatenated?)");
}

}  // namespace
}  // namespace invr
