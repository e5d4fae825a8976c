#include "store/rocksdb/rocksdb_layout.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

#include <fmt/format.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>

#include "invr/atomic_file.h"
#include "invr/error.h"
#include "invr/log.h"

namespace invr::store {
namespace fs = std::filesystem;

namespace {
constexpr std::string_view kStateMagic = "invr-candidate-store 1";

[[noreturn]] void io_failure(const fs::path& path, const char* action) {
  throw IoError(fmt::format("{}: cannot {}: {}", path.string(), action, std::strerror(errno)));
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t pos = 0;
  while (pos <= line.size()) {
    const auto space = line.find(' ', pos);
    const auto end = space == std::string_view::npos ? line.size() : space;
    fields.push_back(line.substr(pos, end - pos));
    pos = end + 1;
  }
  return fields;
}
}  // namespace

bool StoreState::contains(std::string_view id) const {
  return std::any_of(committed.begin(), committed.end(), [&](const GenerationInfo& g) { return g.id == id; });
}

// CURRENT, version 1:
//   invr-candidate-store 1
//   current ID
//   generation ID COMMIT_TIME_MS        (one per kept generation, oldest first)
StoreState read_state(const RocksDbPaths& paths) {
  const fs::path file = paths.current_file();
  std::ifstream in(file, std::ios::binary);
  StoreState state;
  if (!in) {
    if (errno == ENOENT) return state;
    io_failure(file, "read");
  }
  const std::string name = file.string();
  std::string line;
  std::size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line_number == 1) {
      if (line != kStateMagic) {
        throw DataError(name, 1, 1, fmt::format("expected \"{}\", got \"{}\"", kStateMagic, line));
      }
      continue;
    }
    const auto fields = split_fields(line);
    if (fields.size() == 2 && fields[0] == "current" && valid_generation_id(fields[1])) {
      state.current = std::string(fields[1]);
    } else if (fields.size() == 3 && fields[0] == "generation" && valid_generation_id(fields[1])) {
      GenerationInfo info{std::string(fields[1]), 0};
      const auto [end, ec] = std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(),
                                             info.commit_time_ms);
      if (ec != std::errc() || end != fields[2].data() + fields[2].size()) {
        throw DataError(name, line_number, fields[0].size() + fields[1].size() + 3,
                        fmt::format("expected a commit time in milliseconds, got \"{}\"", fields[2]));
      }
      state.committed.push_back(std::move(info));
    } else {
      throw DataError(name, line_number, 1,
                      fmt::format("expected \"current ID\" or \"generation ID TIME_MS\", got \"{}\"", line));
    }
  }
  if (line_number == 0) throw DataError(name, 0, 0, "empty file; expected the store state");
  if (state.current && !state.contains(*state.current)) {
    throw DataError(name, 0, 0, fmt::format("current generation {} is not listed", *state.current));
  }
  return state;
}

void write_state(const RocksDbPaths& paths, const StoreState& state) {
  std::string text = std::string(kStateMagic) + "\n";
  if (state.current) text += fmt::format("current {}\n", *state.current);
  for (const GenerationInfo& g : state.committed) text += fmt::format("generation {} {}\n", g.id, g.commit_time_ms);
  // Temp file, fsync, rename, fsync of the folder. It throws only before the
  // rename (the commit point), so an exception means the old state is in place;
  // a failed folder fsync after it is logged, not thrown.
  write_text_atomically(paths.current_file(), text);
}

std::optional<WriterLock> WriterLock::try_acquire(const RocksDbPaths& paths, std::string_view uri) {
  const fs::path file = paths.lock_file();
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw IoError(fmt::format("{}: cannot open the writer lock {}: {}", uri, file.string(), std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int saved = errno;
    ::close(fd);
    if (saved == EWOULDBLOCK) return std::nullopt;
    throw IoError(fmt::format("{}: cannot lock {}: {}", uri, file.string(), std::strerror(saved)));
  }
  return WriterLock(fd);
}

WriterLock::WriterLock(WriterLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

WriterLock::~WriterLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the only descriptor drops the flock
}

rocksdb::Options generation_options() {
  rocksdb::Options options;
  rocksdb::BlockBasedTableOptions table;
  // Most server lookups hit, but users without candidates miss; the filter
  // answers those without reading a block.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  const auto supported = rocksdb::GetSupportedCompressions();
  const bool lz4 = std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) != supported.end();
  options.compression = lz4 ? rocksdb::kLZ4Compression : rocksdb::kNoCompression;
  // A generation is written once by ingesting sorted files and then only read:
  // nothing to compact, and no timer work that a forked writer could not run.
  options.disable_auto_compactions = true;
  options.stats_dump_period_sec = 0;
  options.stats_persist_period_sec = 0;
  return options;
}

void remove_unlisted_generations(const RocksDbPaths& paths, const StoreState& state) {
  std::error_code ec;
  for (fs::directory_iterator it(paths.generations(), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (state.contains(name)) continue;
    std::error_code remove_ec;
    fs::remove_all(it->path(), remove_ec);
    if (remove_ec) invr::logger().warn("{}: cannot remove leftover generation: {}", it->path().string(), remove_ec.message());
  }
}

}  // namespace invr::store
