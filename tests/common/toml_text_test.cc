// The check that keeps TOML text away from toml++ 3.3's undefined whitespace
// test (common/toml_text.h); found by fuzz_toml (docs/fuzzing.md).
#include "common/toml_text.h"

#include <gtest/gtest.h>

#include <string>

#include "invr/error.h"

namespace invr {
namespace {

void expect_refused_at(const std::string& text, std::size_t line, std::size_t column) {
  try {
    check_toml_text(text, "x.toml");
    ADD_FAILURE() << "accepted: " << text;
  } catch (const DataError& e) {
    EXPECT_EQ(e.file(), "x.toml");
    EXPECT_EQ(e.line(), line) << e.what();
    EXPECT_EQ(e.column(), column) << e.what();
  }
}

TEST(TomlText, TheCodePointsWhoseWhitespaceTestIsUndefined) {
  // The fuzzer's first find: U+FEFB ("\xEF\xBB\xBB") where a key starts.
  EXPECT_TRUE(toml_whitespace_test_undefined(U'\uFEFB'));
  EXPECT_TRUE(toml_whitespace_test_undefined(U'\u00E9'));  // é
  EXPECT_TRUE(toml_whitespace_test_undefined(U'\u00A7'));  // § (upstream issue 190)
  EXPECT_TRUE(toml_whitespace_test_undefined(U'\u3001'));
  // toml++ answers these: whitespace it names, and chunks its table covers.
  for (char32_t c : {U'\u00A0', U'\u3000', U'\uFEFF', U'\u2000', U'\u1680', U'\u0500', U'\u4E2D'})
    EXPECT_FALSE(toml_whitespace_test_undefined(c)) << static_cast<unsigned>(c);
  EXPECT_FALSE(toml_whitespace_test_undefined(U'a'));
  EXPECT_FALSE(toml_whitespace_test_undefined(U'\U0001F600'));
}

TEST(TomlText, NonAsciiOutsideStringsAndCommentsIsRefusedWithItsPosition) {
  expect_refused_at("\xEF\xBB\xBB[temp]\nport = 8080\n", 1, 1);
  expect_refused_at("a = 1\n\xC3\xA9 = 2\n", 2, 1);
  expect_refused_at("a = 1 \xC3\xA9\n", 1, 7);
  expect_refused_at("a = [1, \xE4\xB8\xAD]\n", 1, 9);
}

TEST(TomlText, NonAsciiInStringsCommentsAndALeadingBomIsLeftToToml) {
  const char* accepted[] = {
      "\xEF\xBB\xBF" "a = 1\n",                              // byte-order mark
      "a = \"caf\xC3\xA9\" # caf\xC3\xA9\n",                  // basic string, comment
      "a = 'caf\xC3\xA9'\n",                                 // literal string
      "a = \"\"\"\ncaf\xC3\xA9 \"\" \xC2\xA7\"\"\"\n",        // multi-line basic, inner quotes
      "a = '''\\\n\xC3\xA9'''\n",                            // literal: no line-ending backslash
      "a = \"\\\"\xC3\xA9\"\n",                              // escaped quote stays in the string
      "a = \"\"\"x\\\n   \xE4\xB8\xAD\"\"\"\n",              // after a trim, a code point toml++ answers
      "\"caf\xC3\xA9\" = 1\n",                               // quoted key
  };
  for (const char* text : accepted) EXPECT_NO_THROW(check_toml_text(text, "x.toml")) << text;
}

TEST(TomlText, AfterABackslashInAMultiLineStringTheUndefinedCodePointsAreRefused) {
  expect_refused_at("s = \"\"\"\\\n\xC2\xA7\"\"\"\n", 2, 1);       // upstream issue 190
  expect_refused_at("s = \"\"\"a\\ \t\r\n  \n\t\xC3\xA9\"\"\"\n", 3, 2);
  expect_refused_at("s = \"\"\"a\\\xC3\xA9\"\"\"\n", 1, 10);        // right after the backslash
  expect_refused_at("s = \"\"\"a\\\xC2\xA0\xC3\xA9\"\"\"\n", 1, 12);  // after toml++'s own whitespace
}

TEST(TomlText, StringsEndWhereTomlEndsThem) {
  // Two quotes before the closing three belong to the string; then '=' is outside.
  expect_refused_at("s = \"\"\"x\"\"\"\"\" \xC3\xA9\n", 1, 15);
  expect_refused_at("s = '''x''''' \xC3\xA9\n", 1, 15);
  // An unterminated one-line string ends at its line.
  expect_refused_at("s = \"x\n\xC3\xA9\n", 2, 1);
}

TEST(TomlText, AQuoteInsideANumberOrBareKeyOpensNoString) {
  // fuzz_toml's second find: toml++ reads `0x1F_1"r` as one number token and
  // tests each character after the quote as a possible value terminator.
  expect_refused_at("serve = {dita = 0x1F_____1\"r\xEF\xBB\xBD\nue\n\n", 1, 29);
  expect_refused_at("a\"\xC3\xA9\" = 1\n", 1, 3);
  // Where a key or value starts, a quote opens one: after =, [, {, ',', '.' and at a line start.
  const char* accepted[] = {
      "a = \"\xC3\xA9\"\n", "a = [\"\xC3\xA9\", '\xC3\xA9']\n", "a = [\n  \"\xC3\xA9\", # c\n  \"x\"]\n",
      "a = { b = \"\xC3\xA9\" }\n", "a . \"\xC3\xA9\" = 1\n", "[ \"\xC3\xA9\" ]\n", "[[\"\xC3\xA9\"]]\n",
      "  \"\xC3\xA9\" = 1\n"};
  for (const char* text : accepted) EXPECT_NO_THROW(check_toml_text(text, "x.toml")) << text;
}

TEST(TomlText, AValueStartingWithADigitOrSignIsOneTokenUpToATerminator) {
  // fuzz_toml's fourth find: toml++ scans `-[""""` and on as one number,
  // testing U+FEFE (here at column 9) for whitespace; a quote or bracket
  // inside such a value opens nothing.
  expect_refused_at("o=-[\"\"\"\"\xEF\xBB\xBE" "a!\\\n", 1, 9);
  expect_refused_at("a = -=\"\xC3\xA9\"\n", 1, 8);
  expect_refused_at("a = [1, +{'\xC3\xA9'}]\n", 1, 12);
  expect_refused_at("a = 1.\"\xC3\xA9\"\n", 1, 8);
  // Values end at whitespace, ']', '}', ',' or '#'; keys that start with a
  // digit or '-', and inline tables' keys, are not values.
  const char* accepted[] = {
      "a = -1\nb = \"\xC3\xA9\"\n", "a = [1,\"\xC3\xA9\",-2,'\xC3\xA9']\n",
      "a = {b = 1, c = \"\xC3\xA9\"}\n", "a = {b=1,-c=\"\xC3\xA9\"}\n",
      "-x = \"\xC3\xA9\"\n", "1a=\"\xC3\xA9\"\n", "[-x]\n\"\xC3\xA9\" = 1\n",
      "a = 1979-05-27 07:32:00 # \xC3\xA9\nb = \"\xC3\xA9\"\n", "a = [[1,2],[\"\xC3\xA9\"]]\n",
      "a = [ # \xC3\xA9\n  1,\n  \"\xC3\xA9\"\n]\n"};
  for (const char* text : accepted) EXPECT_NO_THROW(check_toml_text(text, "x.toml")) << text;
}

TEST(TomlText, ControlCharactersAreRefusedWithTheirPosition) {
  // fuzz_toml's third find: after a NUL toml++ 3.3 reached its undefined
  // whitespace test on U+FEFB inside what this scan reads as a string.
  expect_refused_at(std::string("a = +++3+++\0+[\"\"\"a\\(\xEF\xBB\xBB", 23), 1, 12);
  expect_refused_at("a = 1\nb = \"x\x01\"\n", 2, 7);
  expect_refused_at("# c\x7F\n", 1, 4);
  EXPECT_NO_THROW(check_toml_text("a = \"x\ty\"\r\nb = 2\t# c\n", "x.toml"));
}

}  // namespace
}  // namespace invr
