// Delimited-text reading for the dataset converters (CSV, TSV, space-separated).
//
// Contract:
//  - RFC 4180 style: with `quoted` on, a field that starts with '"' runs to the
//    matching closing quote, may hold delimiters and line breaks, and writes a
//    quote as "". Lines end in LF, CRLF or CR; a UTF-8 byte-order mark is skipped
//    at the start of the file and a DataError anywhere else (at its column; at
//    the opening quote of a quoted field).
//  - Every field handed out is UTF-8: a field that is not valid UTF-8 is read as
//    ISO-8859-1 (Latin-1) and transcoded, because the HetRec files mix the two.
//  - Positions are 1-based: line() is the line where the current record starts;
//    column(i) is the byte column on its line where field i starts.
//  - The whole file is read into memory at construction (the public datasets are
//    a few MB), so next() does no I/O. Not thread-safe; one reader per file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/utf8.h"  // is_valid_utf8, which decides when a field is transcoded

namespace invr::data {

struct CsvOptions {
  char delimiter = ',';
  // Off for files whose fields carry bare quotes (HetRec: "Weird Al" Yankovic).
  bool quoted = true;
  // Transcode fields that are not valid UTF-8 from ISO-8859-1.
  bool latin1_fallback = true;
  // Skip empty lines (trailing blank lines are common) instead of returning a
  // record with one empty field.
  bool skip_blank_lines = true;
};

class CsvReader {
 public:
  // Reads path. role says which dataset file was expected there (for example
  // "MovieLens ratings (userId,movieId,rating,timestamp)"); a missing or
  // unreadable file throws IoError naming the path and the role.
  CsvReader(const std::filesystem::path& path, std::string_view role, CsvOptions options = {});
  // Reads from memory; name stands for the file in error messages.
  static CsvReader from_text(std::string name, std::string text, CsvOptions options = {});

  // Moves to the next record; false at the end of the input.
  bool next();

  std::size_t size() const { return count_; }
  std::string_view operator[](std::size_t i) const { return fields_[i]; }
  std::size_t line() const { return record_line_; }
  std::size_t column(std::size_t i) const { return columns_[i]; }
  // Line where field i starts (differs from line() after a quoted line break).
  std::size_t field_line(std::size_t i) const { return field_lines_[i]; }
  const std::string& name() const { return name_; }

  // Throws DataError at the start of field i of the current record.
  [[noreturn]] void fail(std::size_t i, const std::string& message) const;
  // Throws DataError unless the record has at least n fields; `expected` names
  // them, e.g. "userId,movieId,rating,timestamp".
  void require_fields(std::size_t n, std::string_view expected) const;
  // Field i as an integer / a finite number; `what` names it in the error.
  std::int64_t int_field(std::size_t i, std::string_view what) const;
  double number_field(std::size_t i, std::string_view what) const;
  // Reads the first record and checks it names these columns (case-sensitive,
  // extra trailing columns allowed). Returns false on an empty input.
  bool expect_header(const std::vector<std::string_view>& names);

  // For progress bars.
  std::uint64_t bytes_read() const { return pos_; }
  std::uint64_t bytes_total() const { return text_.size(); }
  // How many fields were transcoded from Latin-1 so far (for a log line).
  std::uint64_t transcoded_fields() const { return transcoded_; }

 private:
  struct FromText {};
  CsvReader(FromText, std::string name, std::string text, CsvOptions options);
  std::string& next_slot();
  void end_of_line();

  std::string name_;
  std::string text_;
  CsvOptions options_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t line_start_ = 0;
  std::size_t record_line_ = 0;
  std::size_t end_line_ = 0;    // where the current record's last field ends
  std::size_t end_column_ = 1;
  std::size_t count_ = 0;
  std::vector<std::string> fields_;  // reused between records to avoid allocation
  std::vector<std::size_t> columns_;
  std::vector<std::size_t> field_lines_;
  std::uint64_t transcoded_ = 0;
};

// Each byte of text as the ISO-8859-1 code point of the same value, in UTF-8.
std::string latin1_to_utf8(std::string_view text);

}  // namespace invr::data
