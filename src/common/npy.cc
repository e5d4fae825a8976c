#include "invr/npy.h"

#include "invr/atomic_file.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include "common/excerpt.h"
#include "common/huge_pages.h"
#include "invr/error.h"

namespace invr {
namespace fs = std::filesystem;
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;
constexpr std::size_t kAlign = 64;  // NumPy pads headers so the data starts 64-byte aligned

struct DtypeInfo {
  NpyDtype dtype;
  const char* descr;
  std::size_t size;
};
constexpr DtypeInfo kDtypes[] = {
    {NpyDtype::float32, "<f4", 4},
    {NpyDtype::int32, "<i4", 4},
    {NpyDtype::int64, "<i8", 8},
};

const DtypeInfo& info(NpyDtype dtype) {
  for (const auto& d : kDtypes)
    if (d.dtype == dtype) return d;
  INVR_CHECK(false);
  return kDtypes[0];
}

template <typename T>
constexpr NpyDtype dtype_of();
template <>
constexpr NpyDtype dtype_of<float>() { return NpyDtype::float32; }
template <>
constexpr NpyDtype dtype_of<std::int32_t>() { return NpyDtype::int32; }
template <>
constexpr NpyDtype dtype_of<std::int64_t>() { return NpyDtype::int64; }

[[noreturn]] void fail(const fs::path& path, const std::string& message) {
  throw DataError(path.string(), 0, 0, message);
}

// The header dict, parsed the way numpy's own reader (ast.literal_eval, then
// a check of the keys) accepts it, restricted to what a writer can mean:
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// exactly the keys descr, fortran_order and shape, each once, separated by
// commas (one trailing comma allowed), strings in '' or "" without escapes,
// True/False, a tuple of decimal integers ((2,) for one dimension), and
// nothing after the '}' but spaces and line ends (docs/formats.md, ".npy").
// Errors are DataErrors on line 1 whose column is the byte's offset in the
// file (the header is the file's first line).
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::size_t offset, const fs::path& path)
      : text_(text), offset_(offset), path_(path) {}

  NpyHeader parse() {
    std::optional<std::string> descr;
    std::optional<bool> fortran;
    std::optional<std::vector<std::size_t>> shape;
    skip_space(" \t");  // what literal_eval strips before the expression
    expect('{', "the header dict");
    skip_space();
    while (peek("'}' or a key") != '}') {
      const std::size_t key_at = pos_;
      const std::string key = parse_string("a key");
      skip_space();
      expect(':', fmt::format("':' after the key '{}'", key));
      skip_space();
      const bool repeated = (key == "descr" && descr) || (key == "fortran_order" && fortran) ||
                            (key == "shape" && shape);
      if (repeated) fail_at(key_at, fmt::format("the key '{}' is repeated", key));
      if (key == "descr")
        descr = parse_string("the dtype string");
      else if (key == "fortran_order")
        fortran = parse_bool();
      else if (key == "shape")
        shape = parse_shape();
      else
        fail_at(key_at, fmt::format("unexpected key '{}' (numpy's header has exactly 'descr', "
                                    "'fortran_order' and 'shape')",
                                    excerpt(key, 40)));
      skip_space();
      if (peek("',' or '}'") == ',') {
        ++pos_;
        skip_space();
      } else if (peek("',' or '}'") != '}') {
        fail_at(pos_, fmt::format("expected ',' or '}}' after the value of '{}', found {}", key,
                                  found()));
      }
    }
    const std::size_t close = pos_++;
    skip_space();
    if (pos_ < text_.size())
      fail_at(pos_, fmt::format("unexpected {} after the header dict's closing '}}'", found()));
    if (!descr || !fortran || !shape)
      fail_at(close, fmt::format("the .npy header must have the keys 'descr', 'fortran_order' and "
                                 "'shape'; '{}' is missing",
                                 !descr     ? "descr"
                                 : !fortran ? "fortran_order"
                                            : "shape"));
    if (*fortran)
      fail(path_,
           "array is in Fortran order; invr reads C order only "
           "(save np.ascontiguousarray(a) instead)");
    NpyHeader header;
    header.shape = std::move(*shape);
    bool known = false;
    for (const auto& d : kDtypes) {
      if (*descr == d.descr) {
        header.dtype = d.dtype;
        known = true;
      }
    }
    if (!known)
      fail(path_, fmt::format("unsupported dtype '{}': invr reads little-endian float32 ('<f4'), "
                              "int32 ('<i4') or int64 ('<i8'); convert with a.astype(...)",
                              excerpt(*descr, 40)));
    return header;
  }

 private:
  [[noreturn]] void fail_at(std::size_t pos, const std::string& message) const {
    throw DataError(path_.string(), 1, offset_ + pos + 1, "bad .npy header: " + message);
  }
  // The byte at pos_ for a message: 'x', byte 0xNN, or the end of the header.
  std::string found() const {
    if (pos_ >= text_.size()) return "the end of the header";
    const auto c = static_cast<unsigned char>(text_[pos_]);
    if (c == '\'') return "\"'\"";
    if (c > 0x20 && c < 0x7F) return fmt::format("'{}'", static_cast<char>(c));
    return fmt::format("byte 0x{:02X}", c);
  }
  char peek(std::string_view expected) const {
    if (pos_ >= text_.size())
      fail_at(pos_, fmt::format("expected {}, found the end of the header", expected));
    return text_[pos_];
  }
  // Python's whitespace inside brackets (a line end is whitespace there).
  void skip_space(std::string_view space = " \t\n\r\f") {
    while (pos_ < text_.size() && space.find(text_[pos_]) != std::string_view::npos) ++pos_;
  }
  void expect(char c, const std::string& what) {
    if (peek(what) != c)
      fail_at(pos_, fmt::format("expected '{}' ({}), found {}", c, what, found()));
    ++pos_;
  }
  std::string parse_string(const std::string& what) {
    const char quote = peek(what);
    if (quote != '\'' && quote != '"')
      fail_at(pos_, fmt::format("expected {} (a quoted string), found {}", what, found()));
    const std::size_t start = pos_;
    for (++pos_; pos_ < text_.size() && text_[pos_] != quote; ++pos_)
      if (text_[pos_] == '\\' || text_[pos_] == '\n')
        fail_at(pos_, "escapes and line breaks are not allowed in a header string");
    if (pos_ >= text_.size()) fail_at(start, "unterminated string");
    ++pos_;
    return std::string(text_.substr(start + 1, pos_ - start - 2));
  }
  bool parse_bool() {
    const auto word_is = [&](std::string_view word) {
      const std::size_t end = pos_ + word.size();
      return text_.substr(pos_, word.size()) == word &&
             (end == text_.size() ||
              !(std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '_'));
    };
    for (const bool value : {true, false}) {
      const std::string_view word = value ? "True" : "False";
      if (word_is(word)) {
        pos_ += word.size();
        return value;
      }
    }
    fail_at(pos_, fmt::format("'fortran_order' must be True or False, found {}", found()));
  }
  std::size_t parse_dimension() {
    const std::size_t start = pos_;
    if (peek("a dimension") == '-') fail_at(pos_, "a dimension must not be negative");
    if (text_[pos_] < '0' || text_[pos_] > '9')
      fail_at(pos_, fmt::format("expected a dimension (a decimal integer), found {}", found()));
    std::size_t value = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      const auto digit = static_cast<std::size_t>(text_[pos_++] - '0');
      if (__builtin_mul_overflow(value, 10, &value) || __builtin_add_overflow(value, digit, &value))
        fail_at(start, "dimension too large");
    }
    if (text_[start] == '0' && pos_ - start > 1)
      fail_at(start, "a dimension has a leading zero (Python rejects 007)");
    if (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                                text_[pos_] == '_' || text_[pos_] == '.'))
      fail_at(start, "expected a dimension (a decimal integer)");
    return value;
  }
  std::vector<std::size_t> parse_shape() {
    std::vector<std::size_t> shape;
    const std::size_t open = pos_;
    if (peek("the shape tuple") != '(')
      fail_at(pos_, fmt::format("'shape' must be a tuple such as (2, 3), found {}", found()));
    ++pos_;
    skip_space();
    bool trailing_comma = false;
    while (peek("')' or a dimension") != ')') {
      shape.push_back(parse_dimension());
      skip_space();
      trailing_comma = peek("',' or ')'") == ',';
      if (trailing_comma) {
        ++pos_;
        skip_space();
      } else if (peek("',' or ')'") != ')') {
        fail_at(pos_, fmt::format("expected ',' or ')' in the shape, found {}", found()));
      }
    }
    ++pos_;
    if (shape.size() == 1 && !trailing_comma)
      fail_at(open, fmt::format("'shape' must be a tuple: ({}) is a number in Python; write ({},)",
                                shape[0], shape[0]));
    return shape;
  }

  std::string_view text_;
  std::size_t offset_;  // bytes of the file before text_
  const fs::path& path_;
  std::size_t pos_ = 0;
};

std::size_t checked_bytes(const NpyHeader& header, const fs::path& path) {
  std::size_t count = 1;
  for (std::size_t dim : header.shape)
    if (__builtin_mul_overflow(count, dim, &count)) fail(path, "array shape is too large");
  std::size_t bytes = 0;
  if (__builtin_mul_overflow(count, info(header.dtype).size, &bytes))
    fail(path, "array shape is too large");
  return bytes;
}

std::string shape_text(const std::vector<std::size_t>& shape) {
  if (shape.empty()) return "scalar";
  std::string s;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += 'x';
    s += std::to_string(shape[i]);
  }
  return s;
}

NpyHeader read_header(std::ifstream& in, const fs::path& path, std::uintmax_t file_size) {
  char preamble[12];
  if (file_size < 10 || !in.read(preamble, 10))
    fail(path, "not a .npy file: shorter than the 10-byte preamble");
  if (std::memcmp(preamble, kMagic, kMagicSize) != 0)
    fail(path, "not a .npy file: missing the \\x93NUMPY magic");
  // numpy reads exactly these versions (format.py's _header_size_info): 1.1 is refused too.
  const auto major = static_cast<unsigned char>(preamble[6]);
  const auto minor = static_cast<unsigned char>(preamble[7]);
  if ((major != 1 && major != 2 && major != 3) || minor != 0)
    throw DataError(path.string(), 1, 7,
                    fmt::format("unsupported .npy format version {}.{} (numpy and invr read 1.0, "
                                "2.0 and 3.0)",
                                major, minor));
  std::size_t header_len = 0;
  std::size_t preamble_len = 10;
  if (major == 1) {
    header_len = static_cast<unsigned char>(preamble[8]) |
                 (static_cast<std::size_t>(static_cast<unsigned char>(preamble[9])) << 8);
  } else {
    if (!in.read(preamble + 10, 2)) fail(path, "file is truncated inside the .npy preamble");
    preamble_len = 12;
    for (int i = 3; i >= 0; --i)
      header_len = (header_len << 8) | static_cast<unsigned char>(preamble[8 + i]);
  }
  if (preamble_len + header_len > file_size)
    fail(path, fmt::format("file is truncated: the header says it is {} bytes long but the file "
                           "has {} bytes",
                           header_len, file_size));
  std::string text(header_len, '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(header_len)))
    fail(path, "file is truncated inside the .npy header");
  NpyHeader header = HeaderParser(text, preamble_len, path).parse();
  header.data_offset = preamble_len + header_len;
  const std::size_t expected = checked_bytes(header, path);
  const std::uintmax_t actual = file_size - header.data_offset;
  if (actual < expected)
    fail(path, fmt::format("file is truncated: a {} {} array needs {} bytes of data but only {} "
                           "follow the header",
                           shape_text(header.shape), npy_dtype_name(header.dtype), expected, actual));
  if (actual > expected)
    fail(path, fmt::format("file has {} unexpected bytes after the data of its {} {} array",
                           actual - expected, shape_text(header.shape),
                           npy_dtype_name(header.dtype)));
  return header;
}

std::ifstream open_for_reading(const fs::path& path, std::uintmax_t& size) {
  std::error_code ec;
  size = fs::file_size(path, ec);
  if (ec) throw IoError(fmt::format("{}: cannot open: {}", path.string(), ec.message()));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot open for reading", path.string()));
  return in;
}

std::string header_text(NpyDtype dtype, std::span<const std::size_t> shape, bool& version2) {
  std::string shape_repr = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) shape_repr += ", ";
    shape_repr += std::to_string(shape[i]);
  }
  if (shape.size() == 1) shape_repr += ",";
  shape_repr += ")";
  std::string text = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
                                 info(dtype).descr, shape_repr);
  version2 = text.size() + 1 + 10 > 65535;
  const std::size_t preamble = version2 ? 12 : 10;
  const std::size_t padding = (kAlign - (preamble + text.size() + 1) % kAlign) % kAlign;
  text.append(padding, ' ');
  text += '\n';
  return text;
}

void write_array(const fs::path& path, NpyDtype dtype, const void* data, std::size_t count,
                 std::span<const std::size_t> shape) {
  std::size_t expected = 1;
  for (std::size_t dim : shape) expected *= dim;
  if (expected != count)
    throw UsageError(fmt::format("{}: write_array: {} values for a shape of {} values",
                                 path.string(), count, expected));
  bool version2 = false;
  const std::string text = header_text(dtype, shape, version2);
  std::string preamble(kMagic, kMagicSize);
  preamble += static_cast<char>(version2 ? 2 : 1);
  preamble += '\0';
  const std::size_t len = text.size();
  for (int i = 0; i < (version2 ? 4 : 2); ++i) preamble += static_cast<char>((len >> (8 * i)) & 0xff);

  const std::size_t bytes = count * info(dtype).size;
  save_atomically(path, [&](const fs::path& tmp) {
    std::FILE* file = std::fopen(tmp.c_str(), "wb");
    if (!file) throw IoError(fmt::format("{}: cannot create: {}", tmp.string(), std::strerror(errno)));
    bool ok = std::fwrite(preamble.data(), 1, preamble.size(), file) == preamble.size() &&
              std::fwrite(text.data(), 1, text.size(), file) == text.size() &&
              (bytes == 0 || std::fwrite(data, 1, bytes, file) == bytes);
    ok = (std::fclose(file) == 0) && ok;
    if (!ok) throw IoError(fmt::format("{}: cannot write the .npy file", path.string()));
  });
}

}  // namespace

const char* npy_dtype_name(NpyDtype dtype) {
  switch (dtype) {
    case NpyDtype::float32: return "float32";
    case NpyDtype::int32: return "int32";
    case NpyDtype::int64: return "int64";
  }
  return "?";
}

std::size_t NpyHeader::element_count() const {
  std::size_t count = 1;
  for (std::size_t dim : shape) count *= dim;
  return count;
}

namespace {
void check_dtype(const fs::path& path, const NpyHeader& header, NpyDtype wanted) {
  if (header.dtype != wanted)
    fail(path, fmt::format("expected dtype {} ('{}') but the file holds {} ('{}')",
                           npy_dtype_name(wanted), info(wanted).descr, npy_dtype_name(header.dtype),
                           info(header.dtype).descr));
}

void check_matrix(const fs::path& path, const std::vector<std::size_t>& shape) {
  if (shape.size() != 2)
    fail(path, fmt::format("expected a 2-D array (rows x columns) but the file holds a {}-D array "
                           "(shape {})",
                           shape.size(), shape_text(shape)));
}
}  // namespace

NpyHeader read_npy_header(const fs::path& path) {
  std::uintmax_t size = 0;
  std::ifstream in = open_for_reading(path, size);
  return read_header(in, path, size);
}

template <typename T>
NpyArray<T> read_npy(const fs::path& path) {
  std::uintmax_t size = 0;
  std::ifstream in = open_for_reading(path, size);
  const NpyHeader header = read_header(in, path, size);
  check_dtype(path, header, dtype_of<T>());
  NpyArray<T> array;
  array.shape = header.shape;
  array.data.resize(header.element_count());
  const auto bytes = static_cast<std::streamsize>(array.data.size() * sizeof(T));
  if (bytes > 0 && !in.read(reinterpret_cast<char*>(array.data.data()), bytes))
    throw IoError(fmt::format("{}: read failed", path.string()));
  return array;
}

template <typename T>
NpyArray<T> read_npy_matrix(const fs::path& path) {
  NpyArray<T> array = read_npy<T>(path);
  check_matrix(path, array.shape);
  return array;
}

template NpyArray<float> read_npy<float>(const fs::path&);
template NpyArray<std::int32_t> read_npy<std::int32_t>(const fs::path&);
template NpyArray<std::int64_t> read_npy<std::int64_t>(const fs::path&);
template NpyArray<float> read_npy_matrix<float>(const fs::path&);
template NpyArray<std::int32_t> read_npy_matrix<std::int32_t>(const fs::path&);
template NpyArray<std::int64_t> read_npy_matrix<std::int64_t>(const fs::path&);

namespace {
constexpr std::size_t kCopyFrom = std::size_t{4} << 20;
}  // namespace

MappedNpyMatrix::MappedNpyMatrix(const fs::path& path, NpyLoad how) {
  const NpyHeader header = read_npy_header(path);  // the format and size checks
  check_dtype(path, header, NpyDtype::float32);
  check_matrix(path, header.shape);
  rows_ = header.shape[0];
  cols_ = header.shape[1];
  const std::size_t bytes = header.data_offset + rows_ * cols_ * sizeof(float);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError(fmt::format("{}: cannot open: {}", path.string(), std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || static_cast<std::size_t>(st.st_size) != bytes) {
    ::close(fd);
    fail(path, "the file changed while it was opened (its size no longer matches its header)");
  }
  // A copy needs memory of its own: one larger than half of what is free
  // stays a mapping, which the kernel can page out.
  const auto free_bytes = static_cast<double>(::sysconf(_SC_AVPHYS_PAGES)) *
                          static_cast<double>(::sysconf(_SC_PAGESIZE));
  if (how == NpyLoad::fastest && bytes >= kCopyFrom && static_cast<double>(bytes) <= free_bytes / 2) {
    try {
      copy_into_huge_pages(fd, bytes, path);
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
  } else {
    map_ = ::mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    const int map_errno = errno;
    ::close(fd);  // the mapping keeps the file open
    if (map_ == MAP_FAILED) {
      map_ = nullptr;
      throw IoError(fmt::format("{}: cannot map {} bytes: {}", path.string(), bytes, std::strerror(map_errno)));
    }
    map_bytes_ = bytes;
  }
  // Headers are padded to a multiple of 64 bytes (16 in old files): the
  // floats are aligned.
  data_ = reinterpret_cast<const float*>(static_cast<const char*>(map_) + header.data_offset);
}

// A file page mapped into a process costs about 1.3 us at its first touch on
// these VMs even after MAP_POPULATE (common/huge_pages.h): 30 ms for a 51 MB
// base on one thread. Read into huge pages instead, by up to 4 threads, the
// same file took 8 ms, and the search's later random reads miss the TLB less.
void MappedNpyMatrix::copy_into_huge_pages(int fd, std::size_t bytes, const fs::path& path) {
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  try {
    map_ = map_anonymous(bytes, map_bytes_);
  } catch (const std::bad_alloc&) {
    throw IoError(fmt::format("{}: cannot allocate {} bytes: {}", path.string(), bytes, std::strerror(errno)));
  }
  auto* out = static_cast<char*>(map_);
  const std::size_t threads =
      std::clamp<std::size_t>(bytes / kHuge, 1, std::min(4u, std::max(1u, std::thread::hardware_concurrency())));
  const std::size_t chunk = (bytes / threads + kHuge - 1) / kHuge * kHuge;
  std::vector<int> failed(threads, 0);
  auto read_part = [&](std::size_t t) {
    std::size_t at = t * chunk;
    const std::size_t end = std::min(bytes, at + chunk);
    while (at < end) {
      const ssize_t got = ::pread(fd, out + at, end - at, static_cast<off_t>(at));
      if (got <= 0) {
        failed[t] = got < 0 ? errno : -1;
        return;
      }
      at += static_cast<std::size_t>(got);
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(read_part, t);
  read_part(0);
  for (auto& thread : pool) thread.join();
  for (const int error : failed) {
    if (error == -1) fail(path, "the file changed while it was read (shorter than its header says)");
    if (error != 0) throw IoError(fmt::format("{}: read failed: {}", path.string(), std::strerror(error)));
  }
}

MappedNpyMatrix::MappedNpyMatrix(MappedNpyMatrix&& other) noexcept
    : map_(other.map_), map_bytes_(other.map_bytes_), data_(other.data_), rows_(other.rows_),
      cols_(other.cols_) {
  other.map_ = nullptr;
  other.map_bytes_ = 0;
  other.data_ = nullptr;
}

MappedNpyMatrix::~MappedNpyMatrix() {
  if (map_) ::munmap(map_, map_bytes_);
}

void write_npy(const fs::path& path, std::span<const float> data, std::span<const std::size_t> shape) {
  write_array(path, NpyDtype::float32, data.data(), data.size(), shape);
}
void write_npy(const fs::path& path, std::span<const std::int32_t> data,
               std::span<const std::size_t> shape) {
  write_array(path, NpyDtype::int32, data.data(), data.size(), shape);
}
void write_npy(const fs::path& path, std::span<const std::int64_t> data,
               std::span<const std::size_t> shape) {
  write_array(path, NpyDtype::int64, data.data(), data.size(), shape);
}

}  // namespace invr
