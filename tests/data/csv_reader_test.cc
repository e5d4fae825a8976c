#include "data/csv_reader.h"

#include <gtest/gtest.h>

#include "invr/error.h"
#include "test_util.h"

namespace invr::data {
namespace {

std::vector<std::string> record(const CsvReader& reader) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < reader.size(); ++i) out.emplace_back(reader[i]);
  return out;
}

using Fields = std::vector<std::string>;

TEST(CsvReader, QuotedFieldsKeepCommasAndDoubledQuotes) {
  auto reader = CsvReader::from_text(
      "t.csv", "id,title,genres\n11,\"American President, The (1995)\",Comedy\n7789,\"11'09\"\"01\",Drama\n");
  ASSERT_TRUE(reader.next());
  EXPECT_EQ(record(reader), (Fields{"id", "title", "genres"}));
  ASSERT_TRUE(reader.next());
  EXPECT_EQ(record(reader), (Fields{"11", "American President, The (1995)", "Comedy"}));
  ASSERT_TRUE(reader.next());
  EXPECT_EQ(record(reader), (Fields{"7789", "11'09\"01", "Drama"}));
  EXPECT_FALSE(reader.next());
}

TEST(CsvReader, CrlfLfAndCrEndLinesAndNumberThem) {
  auto reader = CsvReader::from_text("t.csv", "a,b\r\nc,d\ne,f\rg,h");
  Fields seen;
  std::vector<std::size_t> lines;
  while (reader.next()) {
    ASSERT_EQ(reader.size(), 2u);
    seen.emplace_back(reader[1]);  // no '\r' left on the last field
    lines.push_back(reader.line());
  }
  EXPECT_EQ(seen, (Fields{"b", "d", "f", "h"}));
  EXPECT_EQ(lines, (std::vector<std::size_t>{1, 2, 3, 4}));
}

TEST(CsvReader, QuotedLineBreakStaysInFieldAndLaterLinesCountOn) {
  auto reader = CsvReader::from_text("t.csv", "1,\"two\r\nlines\",x\r\n2,y,z\r\n");
  ASSERT_TRUE(reader.next());
  EXPECT_EQ(reader[1], "two\r\nlines");
  EXPECT_EQ(reader.column(2), 8u);  // 'x' sits on line 2, column 8
  EXPECT_EQ(reader.field_line(2), 2u);
  ASSERT_TRUE(reader.next());
  EXPECT_EQ(reader.line(), 3u);
  EXPECT_EQ(reader[0], "2");
}

TEST(CsvReader, ColumnsAreOneBasedBytePositions) {
  auto reader = CsvReader::from_text("t.csv", "userId,movieId\n12,abc\n");
  reader.next();
  ASSERT_TRUE(reader.next());
  EXPECT_EQ(reader.column(0), 1u);
  EXPECT_EQ(reader.column(1), 4u);
  try {
    reader.int_field(1, "movieId");
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_EQ(e.file(), "t.csv");
    EXPECT_EQ(e.line(), 2u);
    EXPECT_EQ(e.column(), 4u);
    EXPECT_NE(e.message().find("movieId"), std::string::npos);
    EXPECT_NE(e.message().find("abc"), std::string::npos);
  }
}

TEST(CsvReader, UnterminatedQuoteIsDataErrorAtOpeningQuote) {
  auto reader = CsvReader::from_text("t.csv", "a,b\n1,\"open,x\n2,y\n");
  reader.next();
  try {
    reader.next();
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_EQ(e.line(), 2u);
    EXPECT_EQ(e.column(), 3u);
  }
}

TEST(CsvReader, TextAfterClosingQuoteIsDataError) {
  auto reader = CsvReader::from_text("t.csv", "1,\"ab\"c,d\n");
  try {
    reader.next();
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_EQ(e.line(), 1u);
    EXPECT_EQ(e.column(), 7u);  // the 'c'
  }
}

TEST(CsvReader, UnquotedModeKeepsBareQuotes) {
  auto reader = CsvReader::from_text("a.dat", "2\t\"Weird Al\" Yankovic\turl\n",
                                     CsvOptions{.delimiter = '\t', .quoted = false});
  ASSERT_TRUE(reader.next());
  EXPECT_EQ(record(reader), (Fields{"2", "\"Weird Al\" Yankovic", "url"}));
}

TEST(CsvReader, SkipsBlankLinesAndByteOrderMark) {
  auto reader = CsvReader::from_text("t.csv", "\xEF\xBB\xBFid,x\r\n\r\n\r\n5,y\r\n\r\n");
  ASSERT_TRUE(reader.next());
  EXPECT_EQ(reader[0], "id");
  EXPECT_EQ(reader.column(0), 1u);
  ASSERT_TRUE(reader.next());
  EXPECT_EQ(reader[0], "5");
  EXPECT_EQ(reader.line(), 4u);
  EXPECT_FALSE(reader.next());
}

TEST(CsvReader, ByteOrderMarkAfterTheStartIsDataError) {
  auto reader = CsvReader::from_text("t.csv", "\xEF\xBB\xBFid,x\n5,y\n\xEF\xBB\xBFid,x\n");
  ASSERT_TRUE(reader.next());
  ASSERT_TRUE(reader.next());
  try {
    reader.next();
    FAIL() << "a second byte-order mark was accepted";
  } catch (const DataError& e) {
    EXPECT_EQ(e.line(), 3u);
    EXPECT_EQ(e.column(), 1u);
    EXPECT_NE(e.message().find("byte-order mark (U+FEFF) inside the file"), std::string::npos);
  }
  auto quoted = CsvReader::from_text("q.csv", "a,\"x\xEF\xBB\xBFy\"\n");
  try {
    quoted.next();
    FAIL() << "a byte-order mark inside a quoted field was accepted";
  } catch (const DataError& e) {
    EXPECT_EQ(e.line(), 1u);
    EXPECT_EQ(e.column(), 3u);  // the opening quote
  }
  auto unquoted = CsvReader::from_text("u.csv", "a,xy\xEF\xBB\xBF\n");
  try {
    unquoted.next();
    FAIL() << "a byte-order mark inside a field was accepted";
  } catch (const DataError& e) {
    EXPECT_EQ(e.column(), 5u);
  }
}

TEST(CsvReader, EmptyFieldsAreKept) {
  auto reader = CsvReader::from_text("t.csv", "a,,\"\",d\n");
  ASSERT_TRUE(reader.next());
  EXPECT_EQ(record(reader), (Fields{"a", "", "", "d"}));
}

TEST(CsvReader, TranscodesLatin1FieldsOnlyWhenNotUtf8) {
  // One Latin-1 field and one already UTF-8 field on the same line.
  auto reader = CsvReader::from_text("d.dat", "Luis Bu\xF1uel\tDoris D\xC3\xB6rrie\n",
                                     CsvOptions{.delimiter = '\t', .quoted = false});
  ASSERT_TRUE(reader.next());
  EXPECT_EQ(reader[0], "Luis Bu\xC3\xB1uel");
  EXPECT_EQ(reader[1], "Doris D\xC3\xB6rrie");
  EXPECT_EQ(reader.transcoded_fields(), 1u);
}

TEST(CsvReader, Latin1FallbackCanBeTurnedOff) {
  auto reader = CsvReader::from_text("d.dat", "Bu\xF1uel\n", CsvOptions{.latin1_fallback = false});
  ASSERT_TRUE(reader.next());
  EXPECT_EQ(reader[0], "Bu\xF1uel");
}

TEST(CsvReader, ReadsLatin1DirectorFixtureAsUtf8) {
  CsvReader reader(test::testdata_dir() / "convert/hetrec/movie_directors.dat", "directors",
                   CsvOptions{.delimiter = '\t', .quoted = false});
  std::vector<std::string> names;
  while (reader.next())
    if (reader.size() == 3) names.emplace_back(reader[2]);
  ASSERT_EQ(names.size(), 5u);
  EXPECT_EQ(names[2], "Luis Bu\xC3\xB1uel");
  EXPECT_EQ(names[4], "Doris D\xC3\xB6rrie");
  for (const auto& name : names) EXPECT_TRUE(is_valid_utf8(name)) << name;
}

TEST(CsvReader, RequireFieldsNamesLineAndExpectedColumns) {
  auto reader = CsvReader::from_text("r.csv", "u,m,r,t\n1,2,3,4\n1,2\n");
  reader.next();
  reader.next();
  reader.require_fields(4, "u,m,r,t");
  reader.next();
  try {
    reader.require_fields(4, "u,m,r,t");
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_EQ(e.line(), 3u);
    EXPECT_EQ(e.column(), 4u);  // just past "1,2"
    EXPECT_NE(e.message().find("u,m,r,t"), std::string::npos);
  }
}

TEST(CsvReader, ExpectHeaderRejectsWrongColumn) {
  auto reader = CsvReader::from_text("r.csv", "userId,itemId\n");
  try {
    reader.expect_header({"userId", "movieId"});
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_EQ(e.line(), 1u);
    EXPECT_EQ(e.column(), 8u);
    EXPECT_NE(e.message().find("movieId"), std::string::npos);
  }
  auto empty = CsvReader::from_text("e.csv", "");
  EXPECT_FALSE(empty.expect_header({"a"}));
}

TEST(CsvReader, NumberFieldRejectsJunkAndNonFinite) {
  auto reader = CsvReader::from_text("r.csv", "4.5,4.5x,nan,-3\n");
  ASSERT_TRUE(reader.next());
  EXPECT_DOUBLE_EQ(reader.number_field(0, "rating"), 4.5);
  EXPECT_THROW(reader.number_field(1, "rating"), DataError);
  EXPECT_THROW(reader.number_field(2, "rating"), DataError);
  EXPECT_EQ(reader.int_field(3, "id"), -3);
}

TEST(CsvReader, MissingFileIsIoErrorNamingPathAndRole) {
  test::TempDir dir;
  try {
    CsvReader reader(dir / "ratings.csv", "MovieLens ratings file ratings.csv");
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find((dir / "ratings.csv").string()), std::string::npos) << what;
    EXPECT_NE(what.find("MovieLens ratings file"), std::string::npos) << what;
  }
}

TEST(Utf8, ValidatesWellFormedSequencesOnly) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("n\xC3\xB4to \xE2\x80\x93 \xF0\x9F\x8E\xAC"));  // 2, 3 and 4 bytes
  EXPECT_FALSE(is_valid_utf8("Bu\xF1uel"));                                // Latin-1 ñ
  EXPECT_FALSE(is_valid_utf8("\xC0\x80"));                                 // overlong NUL
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));                             // surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));                         // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xE2\x80"));                                 // truncated
  EXPECT_FALSE(is_valid_utf8("\x80"));                                     // lone continuation
}

TEST(Utf8, Latin1MapsEveryByteToItsCodePoint) {
  EXPECT_EQ(latin1_to_utf8("tropic\xE1lia"), "tropic\xC3\xA1lia");
  EXPECT_EQ(latin1_to_utf8("\xFF\x80 a"), "\xC3\xBF\xC2\x80 a");
  EXPECT_EQ(latin1_to_utf8("ascii"), "ascii");
}

}  // namespace
}  // namespace invr::data
