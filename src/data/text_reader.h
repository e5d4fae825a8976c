// Fast line/field reading for the tab-separated formats invr loads.
//
// A TextReader holds a whole file in memory (memory-mapped when the file is a
// regular file, read() otherwise) and hands out lines as string_views into it,
// so nothing is copied or allocated per line or per field. It tracks the
// 1-based line number, strips "\r\n" and a leading UTF-8 byte-order mark, and
// validates every line as UTF-8 before returning it. Columns in errors are
// 1-based byte offsets within the line (what editors call "column"), so a
// DataError points at the first byte of the offending field.
//
// Not thread-safe; views are valid while the reader lives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

namespace invr::data {

// The bytes of one file, memory-mapped or read. Move-only.
class FileBytes {
 public:
  FileBytes() = default;
  // Throws IoError when the file cannot be opened or read.
  explicit FileBytes(const std::filesystem::path& path);
  ~FileBytes();
  FileBytes(FileBytes&& other) noexcept;
  FileBytes& operator=(FileBytes&& other) noexcept;
  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;

  std::string_view view() const { return {data_, size_}; }

 private:
  void release() noexcept;

  const char* data_ = nullptr;
  std::size_t size_ = 0;
  bool mapped_ = false;
  std::string owned_;  // used when the file could not be mapped (pipes, /proc)
};

class TextReader {
 public:
  // Reads the whole file; `file` in errors is path.string().
  explicit TextReader(const std::filesystem::path& path);
  // Reads text owned by the caller (which must outlive the reader); `file`
  // names it in errors.
  TextReader(std::string file, std::string_view text);

  const std::string& file() const { return file_; }
  std::size_t size_bytes() const { return text_.size(); }
  // Bytes consumed so far, for progress bars.
  std::size_t offset() const { return static_cast<std::size_t>(next_ - text_.data()); }

  // Next line without its line end, validated as UTF-8 (DataError naming the
  // byte column otherwise). false at end of text.
  bool next_line(std::string_view& line);
  // Reads the next data row and splits it at tabs into exactly `expected`
  // fields (fields must hold that many), validating UTF-8 as next_line does.
  // Blank lines at the end of the file are skipped (returns false); a blank
  // line followed by more data is an error, and so is a row with another
  // number of fields ("expected N tab-separated fields (as in the header),
  // found M", at the first extra field or at the end of the row). This is
  // the loaders' hot loop: one pass, sixteen bytes at a time.
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
  // Hints the cache to fetch the text a few rows ahead of the reader.
  void prefetch_ahead() const { __builtin_prefetch(next_ + 2048); }

  // Throws DataError(file, current line, column, message).
  [[noreturn]] void fail(std::size_t column, const std::string& message) const;
  // Throws DataError at the first byte of field (a view into the current line).
  [[noreturn]] void fail_at(std::string_view field, const std::string& message) const {
    fail(column_of(field.data()), message);
  }

  // About how many lines the text holds, from the line lengths near its start:
  // cheap, for reserving column vectors.
  std::size_t estimate_lines() const;

 private:
  void validate_line(std::string_view line) const;
  // After a blank line: false if only line ends follow, else DataError.
  bool end_after_blank_line();
  [[noreturn]] void fail_field_count(std::string_view line, std::string_view* fields,
                                     std::size_t expected, std::size_t found) const;

  FileBytes bytes_;
  std::string file_;
  std::string_view text_;
  const char* next_ = nullptr;
  const char* line_start_ = nullptr;
  std::size_t line_number_ = 0;
};

// Splits line at tabs. Stores at most `capacity` fields in out and returns the
// number of fields the line has (which may exceed capacity).
std::size_t split_tabs(std::string_view line, std::string_view* out, std::size_t capacity);

// Throws "expected tab-separated columns" when a header line has no tab but
// contains ',', ';', '|' or ' ' (a CSV or space-separated file given as TSV).
void check_tab_separated(const TextReader& reader, std::string_view header);

// Offset of the first byte that is not valid UTF-8 (overlong forms, surrogates
// and code points above U+10FFFF are invalid), or npos.
std::size_t find_invalid_utf8(std::string_view text);

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
    if (((chunk & 0xF0F0F0F0F0F0F0F0ULL) | (((chunk + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) !=
        0x3333333333333333ULL)
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
