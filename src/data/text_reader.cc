#include "data/text_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "invr/error.h"

namespace invr::data {
namespace {

[[noreturn]] void throw_io(const std::string& file, const char* what) {
  throw IoError(fmt::format("cannot {} {}: {}", what, file, std::strerror(errno)));
}

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

}  // namespace

TextReader::TextReader(const std::filesystem::path& path, std::size_t buffer_bytes)
    : file_(path.string()), capacity_(std::max<std::size_t>(buffer_bytes, 16)) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw_io(file_, "open");
  struct stat st {};
  if (::fstat(fd_, &st) != 0) throw_io(file_, "stat");
  if (S_ISDIR(st.st_mode)) {
    errno = EISDIR;
    throw_io(file_, "read");
  }
  if (S_ISREG(st.st_mode)) {
    size_bytes_ = static_cast<std::uint64_t>(st.st_size);
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  buffer_ = std::make_unique<char[]>(capacity_);
  data_ = data_end_ = complete_end_ = next_ = line_start_ = buffer_.get();
  refill();
}

TextReader::TextReader(std::string file, std::string_view text)
    : file_(std::move(file)), eof_(true), size_bytes_(text.size()) {
  if (text.starts_with(kByteOrderMark)) {
    text.remove_prefix(kByteOrderMark.size());
    consumed_before_ = kByteOrderMark.size();
  }
  data_ = next_ = line_start_ = text.data();
  data_end_ = complete_end_ = text.data() + text.size();
}

TextReader::~TextReader() {
  if (fd_ >= 0) ::close(fd_);
}

void TextReader::refill() {
  // Move the unread tail (a partial line) to the front, then read after it.
  const auto tail = static_cast<std::size_t>(data_end_ - next_);
  consumed_before_ += static_cast<std::uint64_t>(next_ - data_);
  if (tail == capacity_) {
    // One line fills the whole buffer: grow it.
    auto bigger = std::make_unique<char[]>(capacity_ * 2);
    std::memcpy(bigger.get(), next_, tail);
    buffer_ = std::move(bigger);
    capacity_ *= 2;
  } else if (tail > 0) {
    std::memmove(buffer_.get(), next_, tail);
  }
  char* buffer = buffer_.get();
  data_ = next_ = line_start_ = buffer;
  data_end_ = complete_end_ = buffer + tail;
  while (!eof_) {
    auto* read_end = const_cast<char*>(data_end_);
    const ssize_t n =
        ::read(fd_, read_end, capacity_ - static_cast<std::size_t>(data_end_ - buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_io(file_, "read");
    }
    if (n == 0) {
      eof_ = true;
      ::close(fd_);
      fd_ = -1;
      break;
    }
    data_end_ += n;
    if (at_file_start_ && static_cast<std::size_t>(data_end_ - data_) >= kByteOrderMark.size()) {
      at_file_start_ = false;
      if (std::string_view(data_, kByteOrderMark.size()) == kByteOrderMark) {
        data_ += kByteOrderMark.size();
        next_ = line_start_ = data_;
        consumed_before_ += kByteOrderMark.size();
      }
    }
    // Only the bytes just read can hold a newline: the tail had none.
    const void* newline = ::memrchr(read_end, '\n', static_cast<std::size_t>(n));
    if (newline) {
      complete_end_ = static_cast<const char*>(newline) + 1;
      at_file_start_ = false;  // a line end within the first bytes: no mark to strip
      return;
    }
    if (data_end_ == buffer + capacity_) {
      // Still no line end and no room: grow and keep reading.
      auto bigger = std::make_unique<char[]>(capacity_ * 2);
      const auto offset = data_ - buffer;
      const auto used = static_cast<std::size_t>(data_end_ - buffer);
      std::memcpy(bigger.get(), buffer, used);
      buffer_ = std::move(bigger);
      capacity_ *= 2;
      buffer = buffer_.get();
      data_ = next_ = line_start_ = buffer + offset;
      data_end_ = complete_end_ = buffer + used;
    }
  }
  at_file_start_ = false;
  complete_end_ = data_end_;  // the last line may lack a line end
}

bool TextReader::next_line(std::string_view& line) {
  if (next_ == complete_end_) {
    if (eof_) return false;
    refill();
    if (next_ == complete_end_) return false;
  }
  const auto remaining = static_cast<std::size_t>(complete_end_ - next_);
  const char* newline = static_cast<const char*>(std::memchr(next_, '\n', remaining));
  const char* line_end = newline ? newline : complete_end_;
  line_start_ = next_;
  next_ = newline ? newline + 1 : complete_end_;
  ++line_number_;
  if (line_end > line_start_ && line_end[-1] == '\r') --line_end;
  line = {line_start_, static_cast<std::size_t>(line_end - line_start_)};
  validate_line(line);
  return true;
}

bool TextReader::next_row(std::string_view* fields, std::size_t expected) {
  if (next_ == complete_end_) {
    if (eof_) return false;
    refill();
    if (next_ == complete_end_) return false;
  }
  const char* const end = complete_end_;
  const char* p = next_;
  line_start_ = p;
  ++line_number_;
  const char* field_start = p;
  const char* line_end = nullptr;
  std::size_t count = 0;
  unsigned non_ascii = 0;  // nonzero once the row holds a byte >= 0x80
  auto end_field = [&](const char* delimiter) {
    if (count < expected)
      fields[count] = {field_start, static_cast<std::size_t>(delimiter - field_start)};
    ++count;
    field_start = delimiter + 1;
  };
#ifdef __SSE2__
  // Sixty-four bytes at a time: most rows fit one window, so the loops below
  // run a fixed number of times per row (one window, one pass per tab) and
  // their branches predict well.
  const __m128i tab = _mm_set1_epi8('\t');
  const __m128i newline = _mm_set1_epi8('\n');
  while (end - p >= 64) {
    std::uint64_t tabs = 0, newlines = 0, high = 0;
    for (int k = 0; k < 4; ++k) {
      const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
      const auto shift = static_cast<unsigned>(16 * k);
      tabs |=
          std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, tab)))}
          << shift;
      newlines |= std::uint64_t{static_cast<std::uint16_t>(
                      _mm_movemask_epi8(_mm_cmpeq_epi8(chunk, newline)))}
                  << shift;
      high |= std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(chunk))} << shift;
    }
    if (newlines != 0) {
      const auto bit = static_cast<unsigned>(__builtin_ctzll(newlines));
      const std::uint64_t before = (std::uint64_t{1} << bit) - 1;
      tabs &= before;
      high &= before;
      line_end = p + bit;
    }
    non_ascii |= high != 0;
    for (; tabs != 0; tabs &= tabs - 1) end_field(p + __builtin_ctzll(tabs));
    if (line_end) break;
    p += 64;
  }
#endif
  for (; !line_end; ++p) {
    if (p == end || *p == '\n') {
      line_end = p;
    } else {
      if (*p == '\t') end_field(p);
      non_ascii |= static_cast<unsigned char>(*p) & 0x80u;
    }
  }
  next_ = line_end == end ? end : line_end + 1;
  const char* content_end = line_end;
  if (content_end > line_start_ && content_end[-1] == '\r') --content_end;
  end_field(content_end);
  const std::string_view line(line_start_, static_cast<std::size_t>(content_end - line_start_));
  if (non_ascii) validate_line(line);
  if (line.empty()) {
    if (only_line_ends_remain()) return false;
    fail(1, "blank line in the middle of the file (only trailing blank lines are allowed)");
  }
  if (count != expected) fail_field_count(line, fields, expected, count);
  return true;
}

bool TextReader::only_line_ends_remain() {
  for (;;) {
    for (const char* p = next_; p != data_end_; ++p)
      if (*p != '\n' && *p != '\r') return false;
    next_ = complete_end_ = data_end_;
    if (eof_) return true;
    refill();
  }
}

void TextReader::fail_field_count(std::string_view line, std::string_view* fields,
                                  std::size_t expected, std::size_t found) const {
  // Point at the first extra field, or just past the end of a short row.
  const char* at = found > expected ? fields[expected - 1].data() + fields[expected - 1].size() + 1
                                    : line.data() + line.size();
  fail(column_of(at), fmt::format("expected {} tab-separated fields (as in the header), found {}",
                                  expected, found));
}

std::string_view TextReader::read_header_line() {
  std::string_view line;
  if (next_line(line) && !line.empty()) return line;
  if (line_number_ == 0 || only_line_ends_remain())
    throw DataError(file_, 0, 0, "empty file: expected a header line");
  fail(1, "expected a header line, found a blank line");
}

void TextReader::fail_at(const RowPosition& row, std::string_view field,
                         const std::string& message) const {
  throw DataError(file_, row.line, static_cast<std::size_t>(field.data() - row.start) + 1, message);
}

void TextReader::fail(std::size_t column, const std::string& message) const {
  throw DataError(file_, line_number_, column, message);
}

std::size_t TextReader::estimate_lines() const {
  // Average line length over the first 64 KiB buffered, plus a little slack.
  const auto sample = std::min<std::size_t>(static_cast<std::size_t>(data_end_ - data_), 1 << 16);
  std::size_t lines = 0;
  for (std::size_t i = 0; i < sample; ++i) lines += data_[i] == '\n';
  if (lines == 0) return 1;
  const double per_byte = static_cast<double>(lines) / static_cast<double>(sample);
  return static_cast<std::size_t>(per_byte * static_cast<double>(size_bytes_) * 1.02) + 16;
}

void TextReader::validate_line(std::string_view line) const {
  const std::size_t bad = find_invalid_utf8(line);
  if (bad != std::string_view::npos) {
    const char* at = line.data() + bad;
    fail(column_of(at), fmt::format("invalid UTF-8 byte 0x{:02X}; files must be UTF-8 encoded",
                                    static_cast<unsigned char>(*at)));
  }
  // Only the file's first bytes may hold a byte-order mark (stripped there);
  // one later on, usually from files concatenated with `cat`, would become
  // part of an id. (next_row checks only rows that hold a non-ASCII byte.)
  const std::size_t mark = line.find(kByteOrderMark);
  if (mark != std::string_view::npos)
    fail(column_of(line.data() + mark),
         "byte-order mark (U+FEFF) inside the file; only the file's first bytes may hold one "
         "(were files concatenated?)");
}

void check_id(const TextReader& reader, const TextReader::RowPosition& row, std::string_view id,
              std::string_view column) {
  const std::size_t bad = find_control_character(id);
  if (bad == std::string_view::npos) return;
  reader.fail_at(row, id.substr(bad),
                 fmt::format("column {}: id {} holds the control character 0x{:02X}; ids may not "
                             "hold control characters (the HTTP API could never ask for them)",
                             column, quote_value(id), static_cast<unsigned char>(id[bad])));
}

std::size_t split_tabs(std::string_view line, std::string_view* out, std::size_t capacity) {
  std::size_t count = 0;
  const char* p = line.data();
  const char* end = p + line.size();
  for (;;) {
    const char* start = p;
    while (p != end && *p != '\t') ++p;
    if (count < capacity) out[count] = {start, static_cast<std::size_t>(p - start)};
    ++count;
    if (p == end) return count;
    ++p;
  }
}

void check_tab_separated(const TextReader& reader, std::string_view header) {
  if (header.find('\t') != std::string_view::npos) return;
  const std::size_t at = header.find_first_of(",;| ");
  if (at == std::string_view::npos) return;  // a single column needs no tab
  reader.fail(reader.column_of(header.data() + at),
              fmt::format("expected tab-separated columns, found {} in a header with no tab",
                          quote_value(header.substr(at, 1))));
}

bool parse_finite_double_slow(std::string_view field, double& out) {
  const char* end = field.data() + field.size();
  double value;
  auto [ptr, ec] = std::from_chars(field.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return false;
  out = value;
  return true;
}

bool parse_finite_float_slow(std::string_view field, float& out) {
  const char* end = field.data() + field.size();
  float value;
  auto [ptr, ec] = std::from_chars(field.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return false;
  out = value;
  return true;
}

bool parse_unsigned(std::string_view field, std::uint64_t max, std::uint64_t& out) {
  if (field.empty() || field.size() > 19) return false;
  std::uint64_t value = 0;
  for (char c : field) {
    if (static_cast<unsigned>(c - '0') >= 10) return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > max) return false;
  out = value;
  return true;
}

std::string quote_value(std::string_view value) {
  constexpr std::size_t kMax = 40;
  std::size_t shown = std::min(value.size(), kMax);
  // Never cut a UTF-8 sequence in half.
  while (shown < value.size() && shown > 0 &&
         (static_cast<unsigned char>(value[shown]) & 0xC0) == 0x80)
    --shown;
  std::string out = "'";
  for (std::size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c == '\t')
      out += "\\t";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\n')
      out += "\\n";
    else if (c < 0x20 || c == 0x7F)
      out += fmt::format("\\x{:02X}", c);
    else
      out += static_cast<char>(c);
  }
  if (shown < value.size()) out += "...";
  out += "'";
  return out;
}

}  // namespace invr::data
