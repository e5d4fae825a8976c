// world.truth: the binary ground-truth file (spec in docs/synthetic_world.md).
//
// Layout, little-endian: magic "INVRTRTH", u32 version, u32 dim, u64 n_users,
// n_items, n_publishers, seed, f64 relevance_weight, quality_weight,
// relevance_bias, examination_eta, start_time, end_time, then the arrays
// user_interest, item_topic, item_quality (f32), item_publisher (i32),
// publisher_quality (f32), then a u64 FNV-1a checksum of everything before it.

#include <array>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "invr/atomic_file.h"
#include "invr/error.h"
#include "invr/synth.h"

namespace invr {
namespace {
static_assert(std::endian::native == std::endian::little, "world.truth I/O assumes little-endian");

constexpr char kMagic[8] = {'I', 'N', 'V', 'R', 'T', 'R', 'T', 'H'};
constexpr std::uint64_t kHeaderBytes = 8 + 4 + 4 + 4 * 8 + 6 * 8;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// FNV-1a, 64-bit: simple, and enough to catch a flipped or zeroed block.
struct Checksum {
  std::uint64_t value = 0xcbf29ce484222325ULL;
  void add(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (std::size_t k = 0; k < size; ++k) value = (value ^ bytes[k]) * 0x100000001b3ULL;
  }
};

class Writer {
 public:
  Writer(std::FILE* file, std::string path) : file_(file), path_(std::move(path)) {}
  template <typename T>
  void put(const T& value) { bytes(&value, sizeof value); }
  template <typename T>
  void put_array(const std::vector<T>& values) { bytes(values.data(), values.size() * sizeof(T)); }
  void put_checksum() {
    const std::uint64_t sum = checksum_.value;
    bytes(&sum, sizeof sum);
  }

 private:
  void bytes(const void* data, std::size_t size) {
    checksum_.add(data, size);
    if (size && std::fwrite(data, 1, size, file_) != size)
      throw IoError(fmt::format("{}: write failed: {}", path_, std::strerror(errno)));
  }
  std::FILE* file_;
  std::string path_;
  Checksum checksum_;
};

class Reader {
 public:
  Reader(std::FILE* file, std::string path) : file_(file), path_(std::move(path)) {}
  template <typename T>
  T get() {
    T value;
    bytes(&value, sizeof value);
    return value;
  }
  template <typename T>
  void get_array(std::vector<T>& values, std::uint64_t count) {
    values.resize(count);
    bytes(values.data(), count * sizeof(T));
  }
  std::uint64_t checksum() const { return checksum_.value; }
  [[noreturn]] void fail(const std::string& message) const { throw DataError(path_, 0, 0, message); }

 private:
  void bytes(void* data, std::size_t size) {
    if (size && std::fread(data, 1, size, file_) != size)
      fail(fmt::format("truncated: ends inside the data after byte {}", offset_));
    offset_ += size;
    checksum_.add(data, size);
  }
  std::FILE* file_;
  std::string path_;
  std::uint64_t offset_ = 0;
  Checksum checksum_;
};

// n × size in bytes, or nullopt on overflow.
std::optional<std::uint64_t> times(std::uint64_t n, std::uint64_t size) {
  if (size && n > std::numeric_limits<std::uint64_t>::max() / size) return std::nullopt;
  return n * size;
}
}  // namespace

void save_truth(const WorldTruth& truth, const std::filesystem::path& path) {
  if (truth.dim == 0 || truth.user_interest.size() != truth.n_users() * truth.dim ||
      truth.item_topic.size() != truth.n_items() * truth.dim ||
      truth.item_publisher.size() != truth.n_items())
    throw UsageError(fmt::format("save_truth: inconsistent truth: dim {}, {} users with {} "
                                 "interest values, {} items with {} topic values and {} publishers",
                                 truth.dim, truth.n_users(), truth.user_interest.size(),
                                 truth.n_items(), truth.item_topic.size(),
                                 truth.item_publisher.size()));

  save_atomically(path, [&](const std::filesystem::path& temp) {
    const std::string temp_path = temp.string();
    File file(std::fopen(temp_path.c_str(), "wb"));
    if (!file) throw IoError(fmt::format("{}: cannot create: {}", temp_path, std::strerror(errno)));
    Writer out(file.get(), temp_path);
    out.put(kMagic);
    out.put(kTruthFormatVersion);
    out.put(truth.dim);
    out.put(static_cast<std::uint64_t>(truth.n_users()));
    out.put(static_cast<std::uint64_t>(truth.n_items()));
    out.put(static_cast<std::uint64_t>(truth.n_publishers()));
    out.put(truth.seed);
    for (double value : {truth.relevance_weight, truth.quality_weight, truth.relevance_bias,
                         truth.examination.eta, truth.start_time, truth.end_time})
      out.put(value);
    out.put_array(truth.user_interest);
    out.put_array(truth.item_topic);
    out.put_array(truth.item_quality);
    out.put_array(truth.item_publisher);
    out.put_array(truth.publisher_quality);
    out.put_checksum();
    if (std::fflush(file.get()) != 0 || std::fclose(file.release()) != 0)
      throw IoError(fmt::format("{}: write failed: {}", temp_path, std::strerror(errno)));
  });
}

WorldTruth load_truth(const std::filesystem::path& path) {
  const std::string name = path.string();
  File file(std::fopen(name.c_str(), "rb"));
  if (!file) throw IoError(fmt::format("{}: cannot open: {}", name, std::strerror(errno)));
  std::error_code ec;
  const std::uint64_t file_size = std::filesystem::file_size(path, ec);
  if (ec) throw IoError(fmt::format("{}: cannot read size: {}", name, ec.message()));

  Reader in(file.get(), name);
  if (file_size < sizeof kMagic) in.fail("not an invr truth file: too short for the magic");
  const auto magic = in.get<std::array<char, 8>>();
  if (std::memcmp(magic.data(), kMagic, sizeof kMagic) != 0)
    in.fail("not an invr truth file: bad magic (expected \"INVRTRTH\")");
  if (file_size < kHeaderBytes) in.fail(fmt::format("truncated: {} bytes, header needs {}", file_size, kHeaderBytes));
  const auto version = in.get<std::uint32_t>();
  if (version > kTruthFormatVersion)
    in.fail(fmt::format("written by a newer invr (truth format version {}; this build reads up to {})",
                        version, kTruthFormatVersion));
  if (version == 0) in.fail("bad truth format version 0");

  WorldTruth truth;
  truth.dim = in.get<std::uint32_t>();
  const auto n_users = in.get<std::uint64_t>();
  const auto n_items = in.get<std::uint64_t>();
  const auto n_publishers = in.get<std::uint64_t>();
  truth.seed = in.get<std::uint64_t>();
  truth.relevance_weight = in.get<double>();
  truth.quality_weight = in.get<double>();
  truth.relevance_bias = in.get<double>();
  truth.examination.eta = in.get<double>();
  truth.start_time = in.get<double>();
  truth.end_time = in.get<double>();
  if (truth.dim == 0) in.fail("dim is 0");
  if (n_publishers > n_items) in.fail(fmt::format("{} publishers but only {} items", n_publishers, n_items));
  constexpr std::uint64_t kMaxIndex = std::numeric_limits<Index>::max();
  if (n_users > kMaxIndex || n_items > kMaxIndex)
    in.fail(fmt::format("sizes out of range: {} users, {} items", n_users, n_items));

  // Check the size before allocating, so a corrupt header cannot ask for terabytes.
  const auto user_floats = times(n_users, truth.dim);
  const auto item_floats = times(n_items, truth.dim);
  std::optional<std::uint64_t> expected;
  if (user_floats && item_floats)
    expected = times(*user_floats + *item_floats + 2 * n_items + n_publishers, 4);
  if (!expected) in.fail("sizes out of range");
  const std::uint64_t expected_size = kHeaderBytes + *expected + sizeof(std::uint64_t);
  if (file_size < expected_size)
    in.fail(fmt::format("truncated: {} bytes, expected {} for {} users, {} items, dim {}",
                        file_size, expected_size, n_users, n_items, truth.dim));
  if (file_size > expected_size)
    in.fail(fmt::format("{} unexpected trailing bytes after the data", file_size - expected_size));

  in.get_array(truth.user_interest, *user_floats);
  in.get_array(truth.item_topic, *item_floats);
  in.get_array(truth.item_quality, n_items);
  in.get_array(truth.item_publisher, n_items);
  in.get_array(truth.publisher_quality, n_publishers);
  const std::uint64_t computed = in.checksum();
  if (in.get<std::uint64_t>() != computed) in.fail("checksum mismatch: the file is corrupt");
  for (std::size_t i = 0; i < truth.item_publisher.size(); ++i)
    if (truth.item_publisher[i] < 0 || static_cast<std::uint64_t>(truth.item_publisher[i]) >= n_publishers)
      in.fail(fmt::format("item {} has publisher {} outside [0, {})", i, truth.item_publisher[i],
                          n_publishers));
  return truth;
}

}  // namespace invr
