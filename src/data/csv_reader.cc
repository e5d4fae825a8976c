#include "data/csv_reader.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/read_file.h"

namespace invr::data {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// A missing input is the likely mistake (a wrong --in folder), so it is named as such.
std::string read_input(const fs::path& path, std::string_view role) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw IoError(fmt::format("missing input file {}: expected {}", path.string(), role));
  return read_whole_file(path, role);
}

}  // namespace

std::string latin1_to_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  for (unsigned char c : text) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

CsvReader::CsvReader(const fs::path& path, std::string_view role, CsvOptions options)
    : CsvReader(FromText{}, path.string(), read_input(path, role), options) {}

CsvReader CsvReader::from_text(std::string name, std::string text, CsvOptions options) {
  return CsvReader(FromText{}, std::move(name), std::move(text), options);
}

CsvReader::CsvReader(FromText, std::string name, std::string text, CsvOptions options)
    : name_(std::move(name)), text_(std::move(text)), options_(options) {
  // A UTF-8 byte-order mark is not part of the first field.
  if (std::string_view(text_).starts_with(kByteOrderMark)) pos_ = line_start_ = 3;
}

std::string& CsvReader::next_slot() {
  if (count_ == fields_.size()) {
    fields_.emplace_back();
    columns_.push_back(0);
    field_lines_.push_back(0);
  }
  columns_[count_] = pos_ - line_start_ + 1;
  field_lines_[count_] = line_;
  std::string& slot = fields_[count_++];
  slot.clear();
  return slot;
}

// Consumes LF, CRLF or CR at pos_ (or nothing at the end of the input).
void CsvReader::end_of_line() {
  if (pos_ < text_.size() && text_[pos_] == '\r') ++pos_;
  if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
  ++line_;
  line_start_ = pos_;
}

bool CsvReader::next() {
  const std::size_t n = text_.size();
  const char delimiter = options_.delimiter;
  if (options_.skip_blank_lines) {
    while (pos_ < n && (text_[pos_] == '\n' || text_[pos_] == '\r')) end_of_line();
  }
  count_ = 0;
  if (pos_ >= n) return false;
  record_line_ = line_;
  while (true) {
    std::string& field = next_slot();
    const std::size_t field_index = count_ - 1;
    const bool quoted = options_.quoted && pos_ < n && text_[pos_] == '"';
    if (quoted) {
      ++pos_;
      while (true) {
        if (pos_ >= n)
          throw DataError(name_, field_lines_[field_index], columns_[field_index],
                          "unterminated quoted field: expected a closing '\"'");
        const char c = text_[pos_];
        if (c == '"') {
          if (pos_ + 1 < n && text_[pos_ + 1] == '"') {
            field.push_back('"');  // "" is an escaped quote
            pos_ += 2;
            continue;
          }
          ++pos_;
          break;
        }
        field.push_back(c);
        ++pos_;
        if (c == '\n') {  // a line break inside quotes belongs to the field
          ++line_;
          line_start_ = pos_;
        }
      }
      if (pos_ < n && text_[pos_] != delimiter && text_[pos_] != '\n' && text_[pos_] != '\r')
        throw DataError(name_, line_, pos_ - line_start_ + 1,
                        fmt::format("expected '{}' or a line end after a closing quote",
                                    delimiter == '\t' ? std::string("\\t") : std::string(1, delimiter)));
    } else {
      const std::size_t start = pos_;
      while (pos_ < n && text_[pos_] != delimiter && text_[pos_] != '\n' && text_[pos_] != '\r') ++pos_;
      field.assign(text_, start, pos_ - start);
    }
    // A byte-order mark is skipped at the start of the file only; anywhere
    // else (files concatenated with `cat`) it would become part of a value.
    if (const std::size_t mark = field.find(kByteOrderMark); mark != std::string::npos)
      throw DataError(name_, field_lines_[field_index],
                      columns_[field_index] + (quoted ? 0 : mark),
                      "byte-order mark (U+FEFF) inside the file; only the file's first bytes may "
                      "hold one (were files concatenated?)");
    if (options_.latin1_fallback && !is_valid_utf8(field)) {
      field = latin1_to_utf8(field);
      ++transcoded_;
    }
    if (pos_ < n && text_[pos_] == delimiter) {
      ++pos_;
      continue;
    }
    end_line_ = line_;
    end_column_ = pos_ - line_start_ + 1;
    end_of_line();
    return true;
  }
}

void CsvReader::fail(std::size_t i, const std::string& message) const {
  throw DataError(name_, field_lines_[i], columns_[i], message);
}

void CsvReader::require_fields(std::size_t n, std::string_view expected) const {
  if (count_ >= n) return;
  throw DataError(name_, end_line_, end_column_,
                  fmt::format("expected {} fields ({}), found {}", n, expected, count_));
}

std::int64_t CsvReader::int_field(std::size_t i, std::string_view what) const {
  const std::string& text = fields_[i];
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    fail(i, fmt::format("expected an integer {}, found '{}'", what, text));
  return value;
}

double CsvReader::number_field(std::size_t i, std::string_view what) const {
  const std::string& text = fields_[i];
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || !std::isfinite(value))
    fail(i, fmt::format("expected a number for {}, found '{}'", what, text));
  return value;
}

bool CsvReader::expect_header(const std::vector<std::string_view>& names) {
  if (!next()) return false;
  std::string expected;
  for (auto name : names) {
    if (!expected.empty()) expected.push_back(options_.delimiter == '\t' ? ' ' : options_.delimiter);
    expected += name;
  }
  require_fields(names.size(), expected);
  for (std::size_t i = 0; i < names.size(); ++i)
    if (fields_[i] != names[i])
      fail(i, fmt::format("expected header column '{}' (header {}), found '{}'", names[i], expected,
                          fields_[i]));
  return true;
}

}  // namespace invr::data
