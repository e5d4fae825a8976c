// Fast line/field reading for the tab-separated formats invr loads.
//
// A TextReader reads a file with read() into one reused buffer (256 KiB by
// default, grown when a line is longer), the way `cat` does: no page of the
// file is ever mapped, which matters on virtual machines where first touching
// a freshly mapped page is expensive. Lines and fields come out as
// string_views into that buffer, so nothing is copied or allocated per line or
// per field. It tracks the 1-based line number, strips "\r\n" and a leading
// UTF-8 byte-order mark, and validates every line as UTF-8 before returning
// it. Columns in errors are 1-based byte offsets within the line (what editors
// call "column"), so a DataError points at the first byte of the bad field.
//
// View lifetime: views stay valid until the buffer is refilled, which only
// happens inside a call that reads past the buffered text
// (next_line_buffered() says in advance when it surely will not). A reader
// over caller-owned text never refills. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/utf8.h"  // find_invalid_utf8, the check behind validate_line

namespace invr::data {

class TextReader {
 public:
  static constexpr std::size_t kDefaultBufferBytes = std::size_t{256} << 10;

  // Opens path (IoError if it cannot be opened or read); `file` in errors is
  // path.string(). buffer_bytes is the initial buffer size (tests use tiny ones).
  explicit TextReader(const std::filesystem::path& path,
                      std::size_t buffer_bytes = kDefaultBufferBytes);
  // Reads text owned by the caller (which must outlive the reader); `file`
  // names it in errors.
  TextReader(std::string file, std::string_view text);
  ~TextReader();
  TextReader(const TextReader&) = delete;
  TextReader& operator=(const TextReader&) = delete;

  const std::string& file() const { return file_; }
  // Size of the file (0 when unknown, e.g. a pipe), for progress bars.
  std::uint64_t size_bytes() const { return size_bytes_; }
  // Bytes consumed so far, for progress bars.
  std::uint64_t offset() const {
    return consumed_before_ + static_cast<std::uint64_t>(next_ - data_);
  }
  // True when reading the next line or row surely keeps every view handed out
  // so far valid: the line is in the buffer and does not start blank (a blank
  // line makes next_row look ahead, which may refill).
  bool next_line_buffered() const {
    if (eof_) return true;
    return next_ < complete_end_ && *next_ != '\n' && *next_ != '\r';
  }

  // Next line without its line end, validated as UTF-8 (DataError naming the
  // byte column otherwise; a byte-order mark anywhere but at the very start of
  // the text is an error too). false at end of text.
  bool next_line(std::string_view& line);
  // Reads the next data row and splits it at tabs into exactly `expected`
  // fields (fields must hold that many), validating UTF-8 as next_line does.
  // Blank lines at the end of the file are skipped (returns false); a blank
  // line followed by more data is an error, and so is a row with another
  // number of fields ("expected N tab-separated fields (as in the header),
  // found M", at the first extra field or at the end of the row). This is
  // the loaders' hot loop: one pass, sixty-four bytes at a time.
  bool next_row(std::string_view* fields, std::size_t expected);
  // The first line, which must exist and not be blank: DataError at line 0
  // ("empty file") when the text holds nothing but line ends.
  std::string_view read_header_line();

  // 1-based number of the line last returned.
  std::size_t line_number() const { return line_number_; }
  // 1-based byte column of p, which points into the line last returned.
  std::size_t column_of(const char* p) const {
    return static_cast<std::size_t>(p - line_start_) + 1;
  }
  // Where the row last returned starts: loaders that look rows up in
  // batches report errors about an earlier row through it.
  struct RowPosition {
    std::size_t line = 0;
    const char* start = nullptr;
  };
  RowPosition position() const { return {line_number_, line_start_}; }
  [[noreturn]] void fail_at(const RowPosition& row, std::string_view field,
                            const std::string& message) const;

  // Throws DataError(file, current line, column, message).
  [[noreturn]] void fail(std::size_t column, const std::string& message) const;
  // Throws DataError at the first byte of field (a view into the current line).
  [[noreturn]] void fail_at(std::string_view field, const std::string& message) const {
    fail(column_of(field.data()), message);
  }

  // About how many lines the file holds, from the line lengths in the first
  // buffer: cheap, for reserving column vectors.
  std::size_t estimate_lines() const;

 private:
  void validate_line(std::string_view line) const;
  // Reads more of the file so that a whole line starts at next_ (or the end
  // of the file is reached), moving the unread tail to the buffer's start.
  void refill();
  // Consumes the rest of the input; true if it holds nothing but line ends.
  bool only_line_ends_remain();
  [[noreturn]] void fail_field_count(std::string_view line, std::string_view* fields,
                                     std::size_t expected, std::size_t found) const;

  std::string file_;
  int fd_ = -1;
  std::unique_ptr<char[]> buffer_;  // empty for caller-owned text
  std::size_t capacity_ = 0;
  const char* data_ = nullptr;          // first valid byte
  const char* data_end_ = nullptr;      // one past the last valid byte
  const char* complete_end_ = nullptr;  // one past the last '\n' (data_end_ at end of file)
  const char* next_ = nullptr;          // start of the next line
  bool eof_ = false;
  bool at_file_start_ = true;          // for the byte-order mark
  std::uint64_t consumed_before_ = 0;  // file bytes before data_
  std::uint64_t size_bytes_ = 0;
  const char* line_start_ = nullptr;
  std::size_t line_number_ = 0;
};

// Splits line at tabs. Stores at most `capacity` fields in out and returns the
// number of fields the line has (which may exceed capacity).
std::size_t split_tabs(std::string_view line, std::string_view* out, std::size_t capacity);

// Throws DataError at the first control character of an id (user, item or
// producer id; find_control_character), naming `column`. Loaders call it once
// per new id, so the hot loop pays nothing for ids it has seen.
void check_id(const TextReader& reader, const TextReader::RowPosition& row, std::string_view id,
              std::string_view column);

// Throws "expected tab-separated columns" when a header line has no tab but
// contains ',', ';', '|' or ' ' (a CSV or space-separated file given as TSV).
void check_tab_separated(const TextReader& reader, std::string_view header);

// Strict number parsing: the whole field must be the number, no spaces, no
// leading '+'. Doubles and floats must be finite (NaN and Inf are refused).
// Each returns false on failure; the caller names the column in its error.
bool parse_finite_double_slow(std::string_view field, double& out);
bool parse_finite_float_slow(std::string_view field, float& out);
// The value of n decimal digits at p, or false if any byte is not a digit.
// Eight digits at a time (SWAR), since timestamps dominate number parsing.
inline bool parse_digits(const char* p, std::size_t n, std::uint64_t& out) {
  std::uint64_t value = 0;
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t chunk;
    std::memcpy(&chunk, p, 8);
    // Every byte in '0'..'9': high nibble 3, and adding 6 must not carry into it.
    if (((chunk & 0xF0F0F0F0F0F0F0F0ULL) |
         (((chunk + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) != 0x3333333333333333ULL)
      return false;
    chunk -= 0x3030303030303030ULL;
    chunk = chunk * 10 + (chunk >> 8);  // pairs of digits, little-endian
    chunk = (((chunk & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
             (((chunk >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >>
            32;
    value = value * 100000000 + chunk;
  }
  for (; n > 0; ++p, --n) {
    const auto digit = static_cast<unsigned>(*p - '0');
    if (digit >= 10) return false;
    value = value * 10 + digit;
  }
  out = value;
  return true;
}

inline bool parse_finite_double(std::string_view field, double& out) {
  // Fast path for plain non-negative integers (timestamps): up to 15 digits are exact.
  std::uint64_t value;
  if (field.empty() || field.size() > 15 || !parse_digits(field.data(), field.size(), value))
    return parse_finite_double_slow(field, out);
  out = static_cast<double>(value);
  return true;
}
inline bool parse_finite_float(std::string_view field, float& out) {
  if (field.size() == 1 && static_cast<unsigned>(field[0] - '0') < 10) {
    out = static_cast<float>(field[0] - '0');
    return true;
  }
  return parse_finite_float_slow(field, out);
}
// Decimal digits only, value <= max.
bool parse_unsigned(std::string_view field, std::uint64_t max, std::uint64_t& out);

// "'value'" for messages, shortened to about 40 bytes and with control
// characters shown as escapes.
std::string quote_value(std::string_view value);

}  // namespace invr::data
