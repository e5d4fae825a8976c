// A check of TOML text before toml++ parses it (parse_toml_file in
// settings_toml.h runs it on every file). toml++ 3.3 (Debian 12) asks
// whether a character is whitespace with a table that reaches
// __builtin_unreachable for most code points in U+00A1-U+0499,
// U+2D6E-U+3167 and U+FB06-U+FEFE (upstream issues 190 and 295, fixed after
// 3.3): undefined behaviour on text as plain as "é = 1", found by fuzz_toml
// (docs/fuzzing.md). It asks only outside strings and comments, and in a
// multi-line basic string right after a backslash. This check refuses what
// would reach it first:
//  - any control character but tab, LF and CR (TOML 1.0 allows none; toml++
//    mis-scans the text after a NUL);
//  - any non-ASCII byte outside strings and comments (TOML 1.0 has no
//    non-ASCII bare keys, so toml++ refuses such text anyway; a UTF-8
//    byte-order mark at the very start is skipped, as toml++ does);
//  - in a multi-line basic string ("""..."""), one of those code points right
//    after a backslash, or first after a line-ending backslash and the
//    whitespace and line breaks it trims (write it as \uXXXX there).
// Everything else, valid or not, is left to toml++.
#pragma once

#include <string>
#include <string_view>

namespace invr {

// Throws DataError(file, line, byte column) at the first such character.
void check_toml_text(std::string_view text, const std::string& file);

// True for the code points toml++ 3.3's whitespace test has no answer for.
bool toml_whitespace_test_undefined(char32_t c);

}  // namespace invr
