#include "invr/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "common/durable_file.h"
#include "invr/error.h"
#include "invr/log.h"

namespace invr {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void throw_os_error(const fs::path& path, const std::string& action, int error) {
  throw IoError(fmt::format("{}: cannot {}: {}", path.string(), action, std::strerror(error)));
}

// `what` is "file" or "folder", for the message.
void fsync_by_name(const fs::path& path, int open_flags, std::string_view what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | open_flags);
  if (fd < 0) throw_os_error(path, fmt::format("open {} for fsync", what), errno);
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0) throw_os_error(path, fmt::format("fsync {}", what), error);
}

fs::path folder_of(const fs::path& path) {
  const fs::path parent = path.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

}  // namespace

fs::path temporary_path_next_to(const fs::path& path) {
  static std::atomic<unsigned> counter{0};
  fs::path tmp = path;
  tmp += fmt::format(".tmp.{}.{}", ::getpid(), counter++);
  return tmp;
}

void sync_file(const fs::path& path) { fsync_by_name(path, 0, "file"); }

void sync_directory(const fs::path& dir) { fsync_by_name(dir, O_DIRECTORY, "folder"); }

void publish_file(const fs::path& temporary, const fs::path& path) {
  std::error_code ec;
  fs::rename(temporary, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw IoError(fmt::format("{}: cannot write: {}", path.string(), ec.message()));
  }
  try {
    sync_directory(folder_of(path));
  } catch (const IoError& e) {
    invr::logger().warn("{} (the new {} is in place but may not survive a power loss)", e.what(),
                        path.string());
  }
}

void save_atomically(const fs::path& path, const std::function<void(const fs::path&)>& save) {
  const fs::path tmp = temporary_path_next_to(path);
  try {
    save(tmp);
    // The data is on disk before the rename makes it visible.
    sync_file(tmp);
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
  publish_file(tmp, path);
}

void write_text_atomically(const fs::path& path, std::string_view content) {
  save_atomically(path, [&](const fs::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) throw IoError(fmt::format("{}: cannot write: {}", path.string(), std::strerror(errno)));
  });
}

}  // namespace invr
