#include "data/inter_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <type_traits>

#include <fmt/format.h>

#include "common/utf8.h"
#include "data/atomic_output.h"
#include "invr/error.h"
#include "invr/log.h"

namespace invr::data {
namespace fs = std::filesystem;
namespace {

// Bump the version whenever the layout or the meaning of a field changes.
constexpr char kMagic[8] = {'I', 'N', 'V', 'R', 'I', 'C', '0', '1'};
// Written as is: on a machine of the other byte order it reads swapped, and the cache is ignored.
constexpr std::uint64_t kByteOrder = 0x0102030405060708ULL;

// The fixed-size head of a cache file, written and read as one block.
struct Head {
  char magic[8];
  std::uint64_t byte_order;
  std::uint64_t index_bytes;  // sizeof(Index)
  FileStamp inter;
  std::uint64_t has_item, has_user;
  FileStamp item, user;
  std::uint64_t items_before;
  std::uint64_t rows;
  std::uint64_t new_users, new_user_bytes, new_items, new_item_bytes;
};
static_assert(std::is_trivially_copyable_v<Head>);

Head head_for(const InterCacheKey& key) {
  Head head{};
  std::memcpy(head.magic, kMagic, sizeof kMagic);
  head.byte_order = kByteOrder;
  head.index_bytes = sizeof(Index);
  head.inter = key.inter;
  head.has_item = key.item.has_value();
  head.has_user = key.user.has_value();
  if (key.item) head.item = *key.item;
  if (key.user) head.user = *key.user;
  head.items_before = key.items_before;
  return head;
}

// The key fields of two heads agree (rows and id counts are the payload's).
bool same_key(const Head& a, const Head& b) {
  return std::memcmp(a.magic, b.magic, sizeof a.magic) == 0 && a.byte_order == b.byte_order &&
         a.index_bytes == b.index_bytes && a.inter == b.inter && a.has_item == b.has_item &&
         a.has_user == b.has_user && (!a.has_item || a.item == b.item) &&
         (!a.has_user || a.user == b.user) && a.items_before == b.items_before;
}

std::int64_t nanoseconds(const timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// Reads exactly `bytes` into p; false on a short file or an error.
bool read_exactly(int fd, void* p, std::size_t bytes) {
  auto* out = static_cast<char*>(p);
  while (bytes > 0) {
    const ssize_t n = ::read(fd, out, std::min<std::size_t>(bytes, std::size_t{1} << 30));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    out += n;
    bytes -= static_cast<std::size_t>(n);
  }
  return true;
}

// Reads rows values into column in chunks that stay in cache while they are
// zero-filled by resize, filled by read() and checked, so the column's memory
// is written once; false on a short file or an error, or when
// check(value) fails for a value.
template <class T, class Check>
bool read_column(int fd, std::vector<T>& column, std::size_t rows, Check check) {
  constexpr std::size_t kChunkRows = (std::size_t{128} << 10) / sizeof(T);
  // Faulting in hundreds of megabytes 4 KiB at a time costs more than reading
  // them (docs/formats.md, "Loading speed").
  column.reserve(rows);
  prepare_for_writing(column.data(), rows * sizeof(T));
  for (std::size_t done = 0; done < rows;) {
    const std::size_t n = std::min(kChunkRows, rows - done);
    column.resize(done + n);
    if (!read_exactly(fd, column.data() + done, n * sizeof(T))) return false;
    bool ok = true;
    for (std::size_t i = done; i < done + n; ++i) ok &= check(column[i]);
    if (!ok) return false;
    done += n;
  }
  return true;
}

// count ids, as their lengths (uint32) then their bytes back to back, added to
// map; false when unreadable or when an id is already in map (a damaged cache).
bool read_ids(int fd, std::size_t count, std::size_t bytes, IdMap& map) {
  std::vector<std::uint32_t> lengths;
  std::string text;
  std::vector<std::string_view> ids;
  // A million users' worth of these is 28 MB: fault it in at once.
  lengths.reserve(count);
  text.reserve(bytes);
  ids.reserve(count);
  prepare_for_writing(lengths.data(), count * sizeof(std::uint32_t));
  prepare_for_writing(text.data(), bytes);
  prepare_for_writing(ids.data(), count * sizeof(std::string_view));
  lengths.resize(count);
  text.resize(bytes);
  if (!read_exactly(fd, lengths.data(), count * sizeof(std::uint32_t)) ||
      !read_exactly(fd, text.data(), bytes))
    return false;
  std::uint64_t total = 0;
  for (std::uint32_t length : lengths) total += length;
  if (total != bytes) return false;
  // A cache from before ids were checked may hold one the text load refuses.
  if (find_control_character(text) != std::string_view::npos) return false;
  std::size_t at = 0;
  for (std::uint32_t length : lengths) {
    ids.push_back(std::string_view(text).substr(at, length));
    at += length;
  }
  return map.add_new(ids);
}

void write_ids(AtomicOutput& out, const FastIdIndex& index, std::size_t from) {
  for (std::size_t i = from; i < index.size(); ++i) {
    const auto length = static_cast<std::uint32_t>(index.id(static_cast<Index>(i)).size());
    out.write({reinterpret_cast<const char*>(&length), sizeof length});
    out.flush_if_full();
  }
  for (std::size_t i = from; i < index.size(); ++i) {
    out.write(index.id(static_cast<Index>(i)));
    out.flush_if_full();
  }
}

std::uint64_t id_bytes(const FastIdIndex& index, std::size_t from) {
  std::uint64_t bytes = 0;
  for (std::size_t i = from; i < index.size(); ++i) bytes += index.id(static_cast<Index>(i)).size();
  return bytes;
}

template <class T>
void write_column(AtomicOutput& out, const std::vector<T>& column) {
  const auto* bytes = reinterpret_cast<const char*>(column.data());
  const std::size_t total = column.size() * sizeof(T);
  for (std::size_t at = 0; at < total; at += std::size_t{1} << 20) {
    out.write({bytes + at, std::min<std::size_t>(total - at, std::size_t{1} << 20)});
    out.flush_if_full();
  }
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::optional<FileStamp> stamp_file(const fs::path& path) {
  struct stat s {};
  if (::stat(path.c_str(), &s) != 0) return std::nullopt;
  FileStamp stamp;
  stamp.size = static_cast<std::uint64_t>(s.st_size);
  stamp.inode = static_cast<std::uint64_t>(s.st_ino);
  stamp.device = static_cast<std::uint64_t>(s.st_dev);
  stamp.modified_ns = nanoseconds(s.st_mtim);
  stamp.changed_ns = nanoseconds(s.st_ctim);
  return stamp;
}

bool changed_recently(const FileStamp& stamp) {
  const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const auto window = static_cast<std::int64_t>(kRacySeconds * 1e9);
  // A time in the future (a clock set back) counts as recent too.
  return now - std::max(stamp.modified_ns, stamp.changed_ns) < window;
}

bool settled(const InterCacheKey& key, const fs::path& inter, const fs::path& item,
             const fs::path& user) {
  auto settled_file = [](const fs::path& path, const std::optional<FileStamp>& stamp) {
    return stamp_file(path) == stamp && !(stamp && changed_recently(*stamp));
  };
  return settled_file(inter, key.inter) && settled_file(item, key.item) &&
         settled_file(user, key.user);
}

fs::path inter_cache_path(const fs::path& inter_path) {
  fs::path cache = inter_path;
  cache += ".cache";
  return cache;
}

std::optional<Interactions> read_inter_cache(const fs::path& cache, const InterCacheKey& key,
                                             IdMap& users, IdMap& items) {
  auto skip = [&](std::string_view why) -> std::optional<Interactions> {
    invr::logger().debug("not using {}: {}", cache.string(), why);
    return std::nullopt;
  };
  const Fd fd(::open(cache.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return skip(errno == ENOENT ? "none yet" : std::strerror(errno));
  struct stat s {};
  Head head{};
  if (::fstat(fd.get(), &s) != 0 || !read_exactly(fd.get(), &head, sizeof head))
    return skip("too short");
  if (!same_key(head, head_for(key))) return skip("stale (a source file changed)");

  const std::uint64_t rows = head.rows;
  // Counts past the file's size are damage, and would overflow the sum below.
  const auto size = static_cast<std::uint64_t>(s.st_size);
  for (std::uint64_t count : {rows, head.new_users, head.new_user_bytes, head.new_items,
                              head.new_item_bytes})
    if (count > size) return skip("wrong size");
  const std::uint64_t expected =
      sizeof head + 4 * (head.new_users + head.new_items) + head.new_user_bytes +
      head.new_item_bytes +
      rows * (2 * sizeof(Index) + sizeof(double) + sizeof(EventType) + sizeof(float));
  if (size != expected) return skip("wrong size");

  if (!users.empty() || items.size() != head.items_before)
    return skip("the maps it extends differ");
  Interactions x;
  // Unsigned compares: a negative index wraps past every limit.
  const std::uint64_t user_limit = head.new_users;
  const std::uint64_t item_limit = head.items_before + head.new_items;
  const auto user_ok = [&](Index u) { return static_cast<std::uint64_t>(u) < user_limit; };
  const auto item_ok = [&](Index i) { return static_cast<std::uint64_t>(i) < item_limit; };
  const auto any = [](auto) { return true; };
  const auto event_ok = [](EventType e) { return e <= EventType::checkin; };
  // A damaged cache must not hand out indices past the maps it comes with.
  if (!read_ids(fd.get(), head.new_users, head.new_user_bytes, users) ||
      !read_ids(fd.get(), head.new_items, head.new_item_bytes, items) ||
      !read_column(fd.get(), x.user, rows, user_ok) ||
      !read_column(fd.get(), x.item, rows, item_ok) ||
      !read_column(fd.get(), x.timestamp, rows, any) ||
      !read_column(fd.get(), x.event, rows, event_ok) || !read_column(fd.get(), x.value, rows, any))
    return skip("damaged (unreadable, a repeated id or a value out of range)");
  return x;
}

bool write_inter_cache(const fs::path& cache, const InterCacheKey& key, const FastIdIndex& users,
                       const FastIdIndex& items, const Interactions& interactions) {
  Head head = head_for(key);
  head.rows = interactions.size();
  head.new_users = users.size();
  head.new_user_bytes = id_bytes(users, 0);
  head.new_items = items.size() - key.items_before;
  head.new_item_bytes = id_bytes(items, key.items_before);
  try {
    AtomicOutput out(cache);
    out.write({reinterpret_cast<const char*>(&head), sizeof head});
    write_ids(out, users, 0);
    write_ids(out, items, key.items_before);
    write_column(out, interactions.user);
    write_column(out, interactions.item);
    write_column(out, interactions.timestamp);
    write_column(out, interactions.event);
    write_column(out, interactions.value);
    out.commit();
  } catch (const IoError& e) {
    invr::logger().info("no load cache written: {}", e.what());
    return false;
  }
  // Said once per dataset, since it puts a file the size of the columns next to the data.
  std::error_code ec;
  const auto bytes = fs::file_size(cache, ec);
  invr::logger().info("wrote the load cache {} ({:.0f} MB): later loads of these files read it instead "
                      "of parsing the text",
                      cache.string(), ec ? 0.0 : static_cast<double>(bytes) / 1e6);
  return true;
}

}  // namespace invr::data
