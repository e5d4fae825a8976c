#include "invr/atomic_file.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "invr/error.h"

namespace invr {
namespace fs = std::filesystem;

namespace {
fs::path temporary_path(const fs::path& path) {
  // Same folder as the target, so the rename cannot cross file systems.
  static std::atomic<unsigned> counter{0};
  fs::path tmp = path;
  tmp += fmt::format(".tmp.{}.{}", ::getpid(), counter++);
  return tmp;
}
}  // namespace

void save_atomically(const fs::path& path, const std::function<void(const fs::path&)>& save) {
  const fs::path tmp = temporary_path(path);
  std::error_code ec;
  try {
    save(tmp);
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw IoError(fmt::format("{}: cannot write: {}", path.string(), ec.message()));
  }
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
