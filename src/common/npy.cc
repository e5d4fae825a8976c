#include "invr/npy.h"

#include "invr/atomic_file.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string_view>

#include <fmt/format.h>

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

// A tiny reader for the Python dict literal NumPy writes, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const fs::path& path) : text_(text), path_(path) {}

  NpyHeader parse() {
    std::optional<std::string> descr;
    std::optional<bool> fortran;
    std::optional<std::vector<std::size_t>> shape;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = parse_string();
      expect(':');
      if (key == "descr") {
        descr = parse_string();
      } else if (key == "fortran_order") {
        fortran = parse_bool();
      } else if (key == "shape") {
        shape = parse_shape();
      } else {
        fail(path_, fmt::format("unexpected key '{}' in the .npy header", key));
      }
      skip_space();
      if (peek() == ',') ++pos_;
    }
    if (!descr || !fortran || !shape)
      fail(path_, "the .npy header must have 'descr', 'fortran_order' and 'shape'");
    if (*fortran)
      fail(path_, "array is in Fortran order; invr reads C order only "
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
                              *descr));
    return header;
  }

 private:
  char peek() {
    if (pos_ >= text_.size()) fail(path_, "the .npy header ends early");
    return text_[pos_];
  }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c)
      fail(path_, fmt::format("bad .npy header: expected '{}' at byte {} of \"{}\"", c, pos_ + 1,
                              text_));
    ++pos_;
  }
  std::string parse_string() {
    skip_space();
    const char quote = peek();
    if (quote != '\'' && quote != '"')
      fail(path_, fmt::format("bad .npy header: expected a quoted string at byte {}", pos_ + 1));
    const std::size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) fail(path_, "bad .npy header: unterminated string");
    std::string s(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return s;
  }
  bool parse_bool() {
    skip_space();
    if (text_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    fail(path_, "bad .npy header: 'fortran_order' must be True or False");
  }
  std::vector<std::size_t> parse_shape() {
    std::vector<std::size_t> shape;
    expect('(');
    while (true) {
      skip_space();
      if (peek() == ')') break;
      if (peek() < '0' || peek() > '9')
        fail(path_, fmt::format("bad .npy header: expected a dimension at byte {}", pos_ + 1));
      std::size_t value = 0;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
        const auto digit = static_cast<std::size_t>(text_[pos_++] - '0');
        if (__builtin_mul_overflow(value, 10, &value) || __builtin_add_overflow(value, digit, &value))
          fail(path_, "bad .npy header: dimension too large");
      }
      shape.push_back(value);
      skip_space();
      if (peek() == ',') ++pos_;
    }
    ++pos_;
    return shape;
  }

  std::string_view text_;
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
  const auto major = static_cast<unsigned char>(preamble[6]);
  std::size_t header_len = 0;
  std::size_t preamble_len = 10;
  if (major == 1) {
    header_len = static_cast<unsigned char>(preamble[8]) |
                 (static_cast<std::size_t>(static_cast<unsigned char>(preamble[9])) << 8);
  } else if (major == 2 || major == 3) {
    if (!in.read(preamble + 10, 2)) fail(path, "file is truncated inside the .npy preamble");
    preamble_len = 12;
    for (int i = 3; i >= 0; --i)
      header_len = (header_len << 8) | static_cast<unsigned char>(preamble[8 + i]);
  } else {
    fail(path, fmt::format("unsupported .npy format version {}.{} (invr reads 1.0, 2.0 and 3.0)",
                           major, static_cast<unsigned char>(preamble[7])));
  }
  if (preamble_len + header_len > file_size)
    fail(path, fmt::format("file is truncated: the header says it is {} bytes long but the file "
                           "has {} bytes",
                           header_len, file_size));
  std::string text(header_len, '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(header_len)))
    fail(path, "file is truncated inside the .npy header");
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\0'))
    text.pop_back();
  NpyHeader header = HeaderParser(text, path).parse();
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
  INVR_CHECK(expected == count);
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
  constexpr NpyDtype wanted = dtype_of<T>();
  if (header.dtype != wanted)
    fail(path, fmt::format("expected dtype {} ('{}') but the file holds {} ('{}')",
                           npy_dtype_name(wanted), info(wanted).descr, npy_dtype_name(header.dtype),
                           info(header.dtype).descr));
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
  if (array.shape.size() != 2)
    fail(path, fmt::format("expected a 2-D array (rows x columns) but the file holds a {}-D array "
                           "(shape {})",
                           array.shape.size(), shape_text(array.shape)));
  return array;
}

template NpyArray<float> read_npy<float>(const fs::path&);
template NpyArray<std::int32_t> read_npy<std::int32_t>(const fs::path&);
template NpyArray<std::int64_t> read_npy<std::int64_t>(const fs::path&);
template NpyArray<float> read_npy_matrix<float>(const fs::path&);
template NpyArray<std::int32_t> read_npy_matrix<std::int32_t>(const fs::path&);
template NpyArray<std::int64_t> read_npy_matrix<std::int64_t>(const fs::path&);

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
