// The pre-parse check of TOML text (toml_text.h): a scan that knows just
// enough TOML (comments and the four kinds of string) to tell where toml++
// tests characters for whitespace.
#include "common/toml_text.h"

#include <string>
#include <string_view>

#include <fmt/format.h>

#include "invr/error.h"

namespace invr {
namespace {

struct CodePoint {
  char32_t value;
  std::size_t bytes;
};

// The UTF-8 sequence at text[i] (ASCII and up to three bytes; a byte that
// starts no such sequence reads as U+FFFD, one byte: toml++ refuses those).
CodePoint code_point_at(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) {
    return k < text.size() ? static_cast<unsigned>(static_cast<unsigned char>(text[k])) : 0u;
  };
  const unsigned lead = byte(i);
  const auto tail = [&](std::size_t k) { return (byte(k) & 0xC0u) == 0x80u; };
  if (lead < 0x80) return {lead, 1};
  if (lead >= 0xC2 && lead <= 0xDF && tail(i + 1))
    return {((lead & 0x1Fu) << 6) | (byte(i + 1) & 0x3Fu), 2};
  if (lead >= 0xE0 && lead <= 0xEF && tail(i + 1) && tail(i + 2))
    return {((lead & 0x0Fu) << 12) | ((byte(i + 1) & 0x3Fu) << 6) | (byte(i + 2) & 0x3Fu), 3};
  return {U'\uFFFD', 1};
}

// toml++'s is_whitespace where it is defined.
bool toml_whitespace(char32_t c) {
  return c == U'\t' || c == U' ' || (c >= U'\n' && c <= U'\r') || c == U'\x85' || c == U'\xA0' ||
         c == U'\u1680' || c == U'\u180E' || (c >= U'\u2000' && c <= U'\u200B') ||
         c == U'\u2028' || c == U'\u2029' || c == U'\u202F' || c == U'\u205F' || c == U'\u2060' ||
         c == U'\u3000' || c == U'\uFEFF';
}

// TOML 1.0 allows no control character but tab and line breaks anywhere
// (strings escape them); toml++ 3.3 mis-scans what follows a NUL and then
// reaches its undefined whitespace test (fuzz_toml's third find), so every
// one is refused first, at its position.
void refuse_control_characters(std::string_view text, const std::string& file) {
  std::size_t line = 1, line_start = 0;
  for (std::size_t k = 0; k < text.size(); ++k) {
    const auto c = static_cast<unsigned char>(text[k]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)
      throw DataError(file, line, k - line_start + 1,
                      fmt::format("control character 0x{:02X}: TOML allows none but tab and line "
                                  "breaks (write it as \\u{:04X} inside a string)",
                                  c, c));
    if (c == '\n') {
      ++line;
      line_start = k + 1;
    }
  }
}

class Scan {
 public:
  Scan(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  void run() {
    refuse_control_characters(text_, file_);
    if (text_.starts_with("\xEF\xBB\xBF")) advance(3);
    // The last character outside strings that is not a space or tab. toml++
    // opens a string only where a key or value starts; a quote inside a bare
    // key or a number ("0x1F"...) is read as part of it, and what follows is
    // tested as outside a string.
    char last = '\n';
    while (i_ < text_.size()) {
      const char c = text_[i_];
      if (c == '#') {
        skip_line();
      } else if (value_next_ && (c == '+' || c == '-' || (c >= '0' && c <= '9'))) {
        number();
        last = text_[i_ - 1];
      } else if ((c == '"' || c == '\'') && std::string_view("\n=[{,.").find(last) != std::string_view::npos) {
        string(c);
        last = c;
        value_next_ = false;
      } else if (static_cast<unsigned char>(c) >= 0x80) {
        fail(fmt::format("byte 0x{:02X}: TOML allows non-ASCII text only inside strings and "
                         "comments",
                         static_cast<unsigned char>(c)));
      } else {
        if (c != ' ' && c != '\t') last = c;
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') punctuation(c);
        advance(1);
      }
    }
  }

 private:
  void advance(std::size_t n) {
    for (; n > 0 && i_ < text_.size(); --n, ++i_) {
      if (text_[i_] == '\n') {
        ++line_;
        line_start_ = i_ + 1;
      }
    }
  }
  bool at(std::string_view s) const { return text_.substr(i_).starts_with(s); }
  void skip_line() {
    while (i_ < text_.size() && text_[i_] != '\n') advance(1);
  }
  [[noreturn]] void fail(const std::string& message) const {
    throw DataError(file_, line_, i_ - line_start_ + 1, message);
  }
  // Where a value starts: after '=', and after '[' or ',' inside an array
  // (an array opens where a value starts; a '[' elsewhere opens a table
  // header, a '{' an inline table of keys).
  void punctuation(char c) {
    const bool in_array = !nest_.empty() && nest_.back() == '[';
    if (c == '=') {
      value_next_ = true;
    } else if (c == '[' && value_next_) {
      nest_.push_back('[');
    } else if (c == '{' && value_next_) {
      nest_.push_back('{');
      value_next_ = false;
    } else if (c == ',') {
      value_next_ = in_array;
    } else if ((c == ']' || c == '}') && !nest_.empty() && nest_.back() == (c == ']' ? '[' : '{')) {
      nest_.pop_back();
      value_next_ = false;
    } else {
      value_next_ = false;
    }
  }
  // A value that starts with a digit or a sign: toml++ scans it up to a
  // value terminator, testing every character for whitespace, quotes and
  // brackets included (fuzz_toml's fourth find: `-[""""` then U+FEFE), so
  // no string opens inside it and it must be ASCII.
  void number() {
    value_next_ = false;
    while (i_ < text_.size() && std::string_view(" \t\r\n]},#").find(text_[i_]) == std::string_view::npos) {
      if (static_cast<unsigned char>(text_[i_]) >= 0x80)
        fail(fmt::format("byte 0x{:02X} in a value: TOML allows non-ASCII text only inside strings "
                         "and comments",
                         static_cast<unsigned char>(text_[i_])));
      advance(1);
    }
  }
  // toml++ tests the character after a backslash in a multi-line basic
  // string for whitespace and, if it is, trims whitespace and line breaks,
  // testing each character up to the first that is not: these must all have
  // an answer. Returns whether any was trimmed.
  bool trim_after_backslash() {
    const std::size_t start = i_;
    for (;;) {
      const CodePoint c = code_point_at(text_, i_);
      if (i_ >= text_.size()) break;
      if (toml_whitespace_test_undefined(c.value))
        fail(fmt::format("U+{:04X} after a backslash in a multi-line string: write it as \\u{:04X} "
                         "(toml++ 3.3 cannot read it there)",
                         static_cast<unsigned>(c.value), static_cast<unsigned>(c.value)));
      if (!toml_whitespace(c.value)) break;
      advance(c.bytes);
    }
    return i_ != start;
  }

  // From the opening quote to past the closing one (or the end of the line
  // for an unterminated one-line string, which toml++ refuses).
  void string(char quote) {
    const std::string_view triple = quote == '"' ? "\"\"\"" : "'''";
    const bool multi_line = at(triple);
    advance(multi_line ? 3 : 1);
    while (i_ < text_.size()) {
      const char c = text_[i_];
      if (!multi_line && c == '\n') return;
      if (c == '\\' && quote == '"') {
        advance(1);
        if (multi_line && trim_after_backslash()) continue;
        advance(1);
        continue;
      }
      if (c == quote) {
        if (!multi_line) return advance(1);
        if (at(triple)) {
          std::size_t run = 3;  // up to two quotes before the closing three belong to the string
          while (run < 5 && i_ + run < text_.size() && text_[i_ + run] == quote) ++run;
          return advance(run);
        }
      }
      advance(1);
    }
  }

  std::string_view text_;
  const std::string& file_;
  std::size_t i_ = 0;
  std::size_t line_ = 1;
  std::size_t line_start_ = 0;
  bool value_next_ = false;  // toml++ reads a value at i_
  std::string nest_;        // the arrays ('[') and inline tables ('{') open at i_
};

}  // namespace

bool toml_whitespace_test_undefined(char32_t c) {
  // toml++'s is_non_ascii_horizontal_whitespace: 64 chunks of 0x3FA code
  // points from U+00A0; chunks 0, 11 and 63 fall through its switch except
  // for the three code points it compares first.
  if (c <= U'\xA0' || c >= U'\uFEFF' || c == U'\u3000') return false;
  const auto chunk = (static_cast<unsigned long long>(c) - 0xA0ull) / 0x3FAull;
  return chunk == 0 || chunk == 11 || chunk == 63;
}

void check_toml_text(std::string_view text, const std::string& file) { Scan(text, file).run(); }

}  // namespace invr
