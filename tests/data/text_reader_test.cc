#include "data/text_reader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "invr/error.h"
#include "test_util.h"

namespace invr::data {
namespace {

using test::TempDir;
using test::write_file;

std::vector<std::string> all_lines(TextReader& reader) {
  std::vector<std::string> lines;
  std::string_view line;
  while (reader.next_line(line)) lines.emplace_back(line);
  return lines;
}

template <class Body>
DataError catch_data_error(Body&& body) {
  try {
    body();
  } catch (const DataError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a DataError";
  return DataError("", 0, 0, "");
}

TEST(TextReader, SplitsLinesAndCountsThem) {
  TextReader reader("mem", "a\tb\nc\n\nd");
  std::string_view line;
  ASSERT_TRUE(reader.next_line(line));
  EXPECT_EQ(line, "a\tb");
  EXPECT_EQ(reader.line_number(), 1u);
  ASSERT_TRUE(reader.next_line(line));
  EXPECT_EQ(line, "c");
  ASSERT_TRUE(reader.next_line(line));
  EXPECT_EQ(line, "");
  ASSERT_TRUE(reader.next_line(line));
  EXPECT_EQ(line, "d");  // last line without a line end
  EXPECT_EQ(reader.line_number(), 4u);
  EXPECT_FALSE(reader.next_line(line));
  EXPECT_EQ(reader.offset(), 8u);
}

TEST(TextReader, StripsCarriageReturnsAndByteOrderMark) {
  TextReader reader("mem", "\xEF\xBB\xBFh1\th2\r\nx\ty\r\nlast\r");
  EXPECT_EQ(all_lines(reader), (std::vector<std::string>{"h1\th2", "x\ty", "last"}));
}

// docs/formats.md, "Common rules": a byte-order mark is skipped at the start
// of the file only; one anywhere else (files concatenated) is an error at its
// byte, not part of an id.
TEST(TextReader, ByteOrderMarkAnywhereButTheStartIsAnError) {
  const std::string bom = "\xEF\xBB\xBF";
  const std::string message =
      "byte-order mark (U+FEFF) inside the file; only the file's first bytes may hold one (were "
      "files concatenated?)";
  std::string_view fields[2];
  // The reader borrows its text: each lives as long as its reader.
  const std::string rows_text = bom + "h1\th2\nu1\ti1\n" + bom + "u2\ti1\n";
  const std::string inside_text = "h1\th2\nu1\ti" + bom + "1\n";
  const std::string doubled_text = bom + bom + "h1\th2\n";
  TextReader rows("rows.tsv", rows_text);
  ASSERT_TRUE(rows.next_row(fields, 2));
  ASSERT_TRUE(rows.next_row(fields, 2));
  auto e = catch_data_error([&] { rows.next_row(fields, 2); });
  EXPECT_EQ(e.line(), 3u);
  EXPECT_EQ(e.column(), 1u);
  EXPECT_EQ(e.message(), message);

  TextReader inside("mid.tsv", inside_text);
  ASSERT_TRUE(inside.next_row(fields, 2));
  e = catch_data_error([&] { inside.next_row(fields, 2); });
  EXPECT_EQ(e.line(), 2u);
  EXPECT_EQ(e.column(), 5u);

  TextReader doubled("two.tsv", doubled_text);  // only the first mark is skipped
  e = catch_data_error([&] { doubled.read_header_line(); });
  EXPECT_EQ(e.line(), 1u);
  EXPECT_EQ(e.column(), 1u);

  // The same from a file read through a small buffer: the mark starts a later refill.
  TempDir dir;
  std::string text = bom + "h1\th2\n";
  for (int i = 0; i < 20; ++i) text += "u\ti\n";
  write_file(dir / "f.tsv", text + bom + "u\ti\n");
  TextReader file(dir / "f.tsv", 16);
  file.read_header_line();
  e = catch_data_error([&] {
    while (file.next_row(fields, 2)) {
    }
  });
  EXPECT_EQ(e.line(), 22u);
  EXPECT_EQ(e.column(), 1u);
}

TEST(TextReader, KeepsCarriageReturnInsideALine) {
  TextReader reader("mem", "a\rb\n");
  EXPECT_EQ(all_lines(reader), (std::vector<std::string>{"a\rb"}));
}

TEST(TextReader, ColumnIsOneBasedByteOffsetInLine) {
  TextReader reader("mem", "first\nab\tcd\n");
  std::string_view line;
  reader.next_line(line);
  reader.next_line(line);
  EXPECT_EQ(reader.column_of(line.data()), 1u);
  EXPECT_EQ(reader.column_of(line.data() + 3), 4u);
  auto e = catch_data_error([&] { reader.fail_at(line.substr(3), "bad"); });
  EXPECT_EQ(e.file(), "mem");
  EXPECT_EQ(e.line(), 2u);
  EXPECT_EQ(e.column(), 4u);
  EXPECT_STREQ(e.what(), "mem:2:4: bad");
}

TEST(TextReader, InvalidUtf8NamesLineAndByteColumn) {
  // Line 2: "é" is two bytes (columns 1-2), then 'x' (3), then a lone 0xFF at byte column 4.
  TextReader reader("bad.tsv", "ok\n\xC3\xA9x\xFFy\n");
  std::string_view line;
  ASSERT_TRUE(reader.next_line(line));
  auto e = catch_data_error([&] { reader.next_line(line); });
  EXPECT_EQ(e.file(), "bad.tsv");
  EXPECT_EQ(e.line(), 2u);
  EXPECT_EQ(e.column(), 4u);
  EXPECT_EQ(e.message(), "invalid UTF-8 byte 0xFF; files must be UTF-8 encoded");
}

TEST(TextReader, InvalidUtf8AfterALongAsciiRun) {
  // Past the eight-bytes-at-a-time fast path: the bad byte is at column 18.
  const std::string text = std::string(17, 'a') + "\x80";
  TextReader reader("mem", text);
  std::string_view line;
  auto e = catch_data_error([&] { reader.next_line(line); });
  EXPECT_EQ(e.line(), 1u);
  EXPECT_EQ(e.column(), 18u);
}

TEST(Utf8, AcceptsValidAndRejectsMalformedSequences) {
  EXPECT_EQ(find_invalid_utf8("plain ascii"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("a\xC0\x80"), 1u);         // overlong NUL
  EXPECT_EQ(find_invalid_utf8("ab\xE0\x80\x80"), 2u);    // overlong 3-byte form
  EXPECT_EQ(find_invalid_utf8("\xED\xA0\x80"), 0u);      // UTF-16 surrogate
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("xyz\xE2\x82"), 3u);       // truncated at end
  EXPECT_EQ(find_invalid_utf8("\xE2\x28\xA1"), 0u);      // bad continuation
  EXPECT_EQ(find_invalid_utf8("ok\xA9"), 2u);            // stray continuation byte
  EXPECT_EQ(find_invalid_utf8("\xF5\x80\x80\x80"), 0u);  // never-valid lead byte
}

TEST(TextReader, NextRowSplitsFieldsAndStripsCarriageReturn) {
  TextReader reader("mem",
                    "h1\th2\th3\r\na\t\tc\r\nlonger field one\tsecond field two\tthird\n\t\t");
  reader.read_header_line();
  std::string_view f[3];
  ASSERT_TRUE(reader.next_row(f, 3));
  EXPECT_EQ(f[0], "a");
  EXPECT_EQ(f[1], "");
  EXPECT_EQ(f[2], "c");
  EXPECT_EQ(reader.line_number(), 2u);
  ASSERT_TRUE(reader.next_row(f, 3));  // crosses the sixteen-byte blocks
  EXPECT_EQ(f[0], "longer field one");
  EXPECT_EQ(f[1], "second field two");
  EXPECT_EQ(f[2], "third");
  ASSERT_TRUE(reader.next_row(f, 3));  // last line, no line end, all fields empty
  EXPECT_EQ(f[0], "");
  EXPECT_EQ(f[2], "");
  EXPECT_FALSE(reader.next_row(f, 3));
}

TEST(TextReader, NextRowAgreesWithNextLineOnRandomRows) {
  // The sixteen-byte fast path and the byte-at-a-time tail must split alike.
  std::uint64_t state = 7;
  auto next = [&] {
    return (state = state * 6364136223846793005ULL + 1442695040888963407ULL) >> 33;
  };
  const std::string_view pieces[] = {"\t", "a", "bc", "\xC3\xA9", "\r", "0123456789", "x"};
  std::string text;
  for (int line = 0; line < 400; ++line) {
    const std::size_t length = next() % 12;
    text += "x";  // never blank
    for (std::size_t k = 0; k < length; ++k) text += pieces[next() % std::size(pieces)];
    text += next() % 3 == 0 ? "\r\n" : "\n";
  }
  TextReader by_line("mem", text);
  TextReader by_row("mem", text);
  std::string_view line;
  std::string_view expected[64], got[64];
  while (by_line.next_line(line)) {
    const std::size_t count = split_tabs(line, expected, 64);
    ASSERT_LE(count, 64u);
    bool ok = false;
    ASSERT_NO_THROW(ok = by_row.next_row(got, count));
    ASSERT_TRUE(ok);
    ASSERT_EQ(by_row.line_number(), by_line.line_number());
    for (std::size_t f = 0; f < count; ++f)
      EXPECT_EQ(got[f], expected[f]) << "line " << by_line.line_number();
  }
  EXPECT_FALSE(by_row.next_row(got, 1));
}

TEST(TextReader, NextRowReportsWrongFieldCounts) {
  TextReader reader("rows.tsv", "h1\th2\th3\nonly\ttwo\none\ttwo\tthree\tfour\n");
  reader.read_header_line();
  std::string_view f[3];
  auto few = catch_data_error([&] { reader.next_row(f, 3); });
  EXPECT_EQ(few.line(), 2u);
  EXPECT_EQ(few.column(), 9u);  // just past "only\ttwo"
  EXPECT_EQ(few.message(), "expected 3 tab-separated fields (as in the header), found 2");
  auto many = catch_data_error([&] { reader.next_row(f, 3); });
  EXPECT_EQ(many.line(), 3u);
  EXPECT_EQ(many.column(), 15u);  // "four"
  EXPECT_EQ(many.message(), "expected 3 tab-separated fields (as in the header), found 4");
}

TEST(TextReader, NextRowValidatesUtf8) {
  // 0xFF at byte column 20, beyond the first sixteen-byte block.
  TextReader reader("mem", "h\tg\n0123456789abcdef\tab\xFF\n");
  reader.read_header_line();
  std::string_view f[2];
  auto e = catch_data_error([&] { reader.next_row(f, 2); });
  EXPECT_EQ(e.line(), 2u);
  EXPECT_EQ(e.column(), 20u);
}

TEST(TextReader, TrailingBlankLinesEndRowsQuietly) {
  TextReader reader("mem", "h\nr1\nr2\n\n\r\n\n");
  std::string_view f[1];
  reader.read_header_line();
  ASSERT_TRUE(reader.next_row(f, 1));
  ASSERT_TRUE(reader.next_row(f, 1));
  EXPECT_EQ(f[0], "r2");
  EXPECT_FALSE(reader.next_row(f, 1));
  EXPECT_FALSE(reader.next_row(f, 1));
}

TEST(TextReader, BlankLineInTheMiddleIsAnError) {
  TextReader reader("mem", "h\nr1\n\nr3\n");
  std::string_view f[1];
  reader.read_header_line();
  ASSERT_TRUE(reader.next_row(f, 1));
  auto e = catch_data_error([&] { reader.next_row(f, 1); });
  EXPECT_EQ(e.line(), 3u);
  EXPECT_EQ(e.column(), 1u);
  EXPECT_EQ(e.message(),
            "blank line in the middle of the file (only trailing blank lines are allowed)");
}

TEST(TextReader, EmptyFileHasNoHeader) {
  for (std::string text : {"", "\n", "\r\n\n", "\xEF\xBB\xBF"}) {
    TextReader reader("empty.tsv", text);
    auto e = catch_data_error([&] { reader.read_header_line(); });
    EXPECT_EQ(e.line(), 0u) << text;
    EXPECT_EQ(e.column(), 0u);
    EXPECT_EQ(e.message(), "empty file: expected a header line");
  }
}

TEST(TextReader, BlankFirstLineBeforeDataIsAnError) {
  TextReader reader("mem", "\nh\n");
  auto e = catch_data_error([&] { reader.read_header_line(); });
  EXPECT_EQ(e.line(), 1u);
  EXPECT_EQ(e.message(), "expected a header line, found a blank line");
}

TEST(SplitTabs, CountsFieldsBeyondCapacity) {
  std::string_view fields[2];
  EXPECT_EQ(split_tabs("a\t\tbc\t", fields, 2), 4u);
  EXPECT_EQ(fields[0], "a");
  EXPECT_EQ(fields[1], "");
  EXPECT_EQ(split_tabs("", fields, 2), 1u);
  EXPECT_EQ(fields[0], "");
  EXPECT_EQ(split_tabs("one", fields, 2), 1u);
  EXPECT_EQ(fields[0], "one");
}

TEST(CheckTabSeparated, RejectsCommaAndSemicolonHeaders) {
  TextReader reader("data.inter", "user_id:token,item_id:token\n");
  const auto header = reader.read_header_line();
  auto e = catch_data_error([&] { check_tab_separated(reader, header); });
  EXPECT_EQ(e.line(), 1u);
  EXPECT_EQ(e.column(), 14u);  // the comma
  EXPECT_EQ(e.message(), "expected tab-separated columns, found ',' in a header with no tab");

  TextReader semicolons("x", "a;b\n");
  const auto h2 = semicolons.read_header_line();
  EXPECT_THROW(check_tab_separated(semicolons, h2), DataError);
}

TEST(CheckTabSeparated, AcceptsTabsAndSingleColumns) {
  TextReader reader("x", "user_id:token\n");
  EXPECT_NO_THROW(check_tab_separated(reader, reader.read_header_line()));
  TextReader tabbed("y",
                    "a,b\tc\n");  // a comma inside a tab-separated name is not our concern here
  EXPECT_NO_THROW(check_tab_separated(tabbed, tabbed.read_header_line()));
}

TEST(ParseNumbers, DoublesAreStrictAndFinite) {
  double d = 0;
  EXPECT_TRUE(parse_finite_double("1500000000", d));
  EXPECT_EQ(d, 1500000000.0);
  EXPECT_TRUE(parse_finite_double("-42", d));
  EXPECT_EQ(d, -42.0);
  EXPECT_TRUE(parse_finite_double("-0", d));
  EXPECT_TRUE(std::signbit(d));
  EXPECT_TRUE(parse_finite_double("2.5e-3", d));
  EXPECT_EQ(d, 0.0025);
  EXPECT_TRUE(parse_finite_double("12345678901234567890", d));  // past the integer fast path
  EXPECT_EQ(d, 12345678901234567890.0);
  EXPECT_TRUE(parse_finite_double("0.1", d));
  EXPECT_EQ(d, 0.1);
  for (const char* bad : {"", "-", "abc", "12a", " 1", "1 ", "+1", "nan", "NaN", "inf", "-inf",
                          "infinity", "1e999", "1,5", "0x10"}) {
    EXPECT_FALSE(parse_finite_double(bad, d)) << bad;
  }
}

TEST(ParseNumbers, FloatsParseToTheNearestFloat) {
  float f = 0;
  EXPECT_TRUE(parse_finite_float("4", f));
  EXPECT_EQ(f, 4.0f);
  EXPECT_TRUE(parse_finite_float("0.1", f));
  EXPECT_EQ(f, 0.1f);
  EXPECT_TRUE(parse_finite_float("3.4028235e38", f));
  EXPECT_FALSE(parse_finite_float("1e39", f));  // out of float range
  EXPECT_FALSE(parse_finite_float("nan", f));
  EXPECT_FALSE(parse_finite_float("x", f));
  EXPECT_FALSE(parse_finite_float("", f));
}

TEST(ParseNumbers, UnsignedDigitsOnlyAndBounded) {
  std::uint64_t u = 0;
  EXPECT_TRUE(parse_unsigned("0", 10, u));
  EXPECT_EQ(u, 0u);
  EXPECT_TRUE(parse_unsigned("10", 10, u));
  EXPECT_EQ(u, 10u);
  EXPECT_FALSE(parse_unsigned("11", 10, u));
  EXPECT_FALSE(parse_unsigned("-1", 10, u));
  EXPECT_FALSE(parse_unsigned("1.0", 10, u));
  EXPECT_FALSE(parse_unsigned("", 10, u));
}

TEST(QuoteValue, EscapesControlsAndShortensLongValues) {
  EXPECT_EQ(quote_value("a\tb"), "'a\\tb'");
  EXPECT_EQ(quote_value(std::string(50, 'x')), "'" + std::string(40, 'x') + "...'");
  // Never splits a UTF-8 sequence: 39 ASCII bytes then "é" (2 bytes) is cut before the é.
  EXPECT_EQ(quote_value(std::string(39, 'x') + "\xC3\xA9z"), "'" + std::string(39, 'x') + "...'");
}

TEST(TextReaderFile, ReadsFilesAndReportsMissingOnes) {
  TempDir dir;
  write_file(dir / "a.txt", "hello\nworld\n");
  write_file(dir / "empty.txt", "");
  TextReader reader(dir / "a.txt");
  EXPECT_EQ(reader.file(), (dir / "a.txt").string());
  EXPECT_EQ(reader.size_bytes(), 12u);
  EXPECT_EQ(all_lines(reader), (std::vector<std::string>{"hello", "world"}));
  EXPECT_EQ(reader.offset(), 12u);
  TextReader empty(dir / "empty.txt");
  std::string_view line;
  EXPECT_FALSE(empty.next_line(line));
  EXPECT_THROW(TextReader(dir / "missing.txt"), IoError);
  EXPECT_THROW(TextReader(dir.path()), IoError);
}

// Reads text through a file with a buffer of buffer_bytes, so lines straddle refills.
std::vector<std::vector<std::string>> rows_via_file(const std::string& text, std::size_t columns,
                                                    std::size_t buffer_bytes) {
  TempDir dir;
  write_file(dir / "t.tsv", text);
  TextReader reader(dir / "t.tsv", buffer_bytes);
  std::vector<std::string_view> fields(columns);
  std::vector<std::vector<std::string>> rows;
  while (reader.next_row(fields.data(), columns)) {
    rows.emplace_back(fields.begin(), fields.end());
    EXPECT_EQ(reader.line_number(), rows.size());
  }
  EXPECT_EQ(reader.offset(), text.size());
  return rows;
}

TEST(TextReaderFile, SmallBuffersGiveTheSameRows) {
  // Long and short lines, CRLF, a last line without a line end, and a line
  // longer than the buffer (which must grow).
  std::string text =
      "\xEF\xBB\xBF"
      "a\tb\r\n";
  for (int i = 0; i < 300; ++i)
    text += std::string(static_cast<std::size_t>(i % 70), 'x') + "\t" + std::to_string(i) + "\n";
  text += std::string(1000, 'y') + "\tz\r\nlast\tline";
  const auto expected = rows_via_file(text, 2, 1 << 20);
  ASSERT_EQ(expected.size(), 303u);
  EXPECT_EQ(expected.front(), (std::vector<std::string>{"a", "b"}));  // byte-order mark dropped
  EXPECT_EQ(expected[301][1], "z");
  EXPECT_EQ(expected.back(), (std::vector<std::string>{"last", "line"}));
  for (std::size_t buffer : {16u, 17u, 64u, 100u, 4096u})
    EXPECT_EQ(rows_via_file(text, 2, buffer), expected) << "buffer " << buffer;
}

TEST(TextReaderFile, ViewsStayValidWhileTheNextLineIsBuffered) {
  TempDir dir;
  write_file(dir / "t.tsv", "aaaa\nbbbb\ncccc\ndddd\n");
  TextReader reader(dir / "t.tsv", 16);  // holds three lines at a time
  std::string_view first, line;
  ASSERT_TRUE(reader.next_line(first));
  while (reader.next_line_buffered()) {
    ASSERT_TRUE(reader.next_line(line));
    EXPECT_EQ(first, "aaaa");  // nothing moved yet
  }
  ASSERT_TRUE(reader.next_line(line));  // refills
  EXPECT_EQ(line, "dddd");
}

TEST(TextReaderFile, BlankFilesAndBlankTailsAcrossRefills) {
  TempDir dir;
  write_file(dir / "blank.tsv", "\xEF\xBB\xBF\n\r\n\n");
  TextReader blank(dir / "blank.tsv", 16);
  auto e = catch_data_error([&] { blank.read_header_line(); });
  EXPECT_EQ(e.line(), 0u);
  EXPECT_EQ(e.message(), "empty file: expected a header line");

  write_file(dir / "tail.tsv", "h\nr\n" + std::string(40, '\n') + "\r\n");
  TextReader tail(dir / "tail.tsv", 16);
  std::string_view f[1];
  tail.read_header_line();
  EXPECT_TRUE(tail.next_row(f, 1));
  EXPECT_FALSE(tail.next_row(f, 1));

  write_file(dir / "middle.tsv", "h\nr\n" + std::string(40, '\n') + "late\n");
  TextReader middle(dir / "middle.tsv", 16);
  middle.read_header_line();
  EXPECT_TRUE(middle.next_row(f, 1));
  auto m = catch_data_error([&] { middle.next_row(f, 1); });
  EXPECT_EQ(m.line(), 3u);
  EXPECT_EQ(m.column(), 1u);
}

TEST(TextReader, EstimatesLineCountFromTheStart) {
  std::string text;
  for (int i = 0; i < 10000; ++i) text += "u1234\ti5678\n";  // 12 bytes a line
  TextReader reader("mem", text);
  EXPECT_GE(reader.estimate_lines(), 10000u);
  EXPECT_LE(reader.estimate_lines(), 10500u);
}

}  // namespace
}  // namespace invr::data
