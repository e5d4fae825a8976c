// The one UTF-8 check (common/utf8.h) behind the data readers, the CSV
// converters and the HTTP server's id rules.
#include "common/utf8.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace invr {
namespace {

constexpr auto npos = std::string_view::npos;

TEST(Utf8, AcceptsAsciiAndEveryLength) {
  EXPECT_EQ(find_invalid_utf8(""), npos);
  EXPECT_EQ(find_invalid_utf8("plain ascii, longer than eight bytes"), npos);
  EXPECT_EQ(find_invalid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), npos);  // 2, 3, 4 bytes
  // The edges of each range: U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF.
  EXPECT_EQ(find_invalid_utf8("\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBF"
                              "\xF0\x90\x80\x80\xF4\x8F\xBF\xBF"),
            npos);
  EXPECT_TRUE(is_valid_utf8("n\xC3\xB4to \xE2\x80\x93 \xF0\x9F\x8E\xAC"));
}

TEST(Utf8, NamesTheFirstByteOfTheBadSequence) {
  EXPECT_EQ(find_invalid_utf8("a\xC0\x80"), 1u);         // overlong NUL
  EXPECT_EQ(find_invalid_utf8("a\xC1\xBF"), 1u);         // overlong 2-byte form
  EXPECT_EQ(find_invalid_utf8("ab\xE0\x80\x80"), 2u);    // overlong 3-byte form
  EXPECT_EQ(find_invalid_utf8("\xF0\x8F\xBF\xBF"), 0u);  // overlong 4-byte form
  EXPECT_EQ(find_invalid_utf8("\xED\xA0\x80"), 0u);      // UTF-16 surrogate
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("\xF5\x80\x80\x80"), 0u);  // never-valid lead byte
  EXPECT_EQ(find_invalid_utf8("\xFF"), 0u);
  EXPECT_EQ(find_invalid_utf8("xyz\xE2\x82"), 3u);       // truncated at the end
  EXPECT_EQ(find_invalid_utf8("\xE2\x28\xA1"), 0u);      // bad second byte
  EXPECT_EQ(find_invalid_utf8("\xF0\x9F\x98("), 0u);     // bad last byte
  EXPECT_EQ(find_invalid_utf8("ok\xA9"), 2u);            // stray continuation byte
  EXPECT_EQ(find_invalid_utf8("\xC3\xA9\x80"), 2u);      // valid, then a stray one
  EXPECT_FALSE(is_valid_utf8("Bu\xF1uel"));              // Latin-1
}

TEST(Utf8, OffsetsPastTheAsciiFastPath) {
  // The first eight-byte words are skipped whole; the offset still counts them.
  const std::string ascii(21, 'a');
  EXPECT_EQ(find_invalid_utf8(ascii + "\xC3\xA9" + ascii), npos);
  EXPECT_EQ(find_invalid_utf8(ascii + "\x80" + ascii), 21u);
  EXPECT_EQ(find_invalid_utf8(std::string(16, 'a') + "\xE2\x82"), 16u);
  EXPECT_EQ(find_invalid_utf8(std::string(15, 'a') + "\xC3\xA9" + "b\xFE"), 18u);
}

}  // namespace
}  // namespace invr
