// Helpers for the fault-suite tests (docs/fuzzing.md, "Fault suite"): a
// small tmpfs to make a real full disk, and a writer that fills it.
#pragma once

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

namespace invr::test {

// A tmpfs of `size` ("64k", "4m") mounted on `where`, unmounted (lazily) at
// destruction. Mounting needs root with CAP_SYS_ADMIN: check `error` and skip
// with its reason when it is refused.
struct SmallTmpfs {
  std::filesystem::path path;
  int error = 0;  // errno of a refused mount; 0 when mounted

  SmallTmpfs(std::filesystem::path where, const std::string& size) : path(std::move(where)) {
    std::filesystem::create_directories(path);
    if (::geteuid() != 0) {
      error = EPERM;
    } else if (::mount("tmpfs", path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, ("size=" + size).c_str()) != 0) {
      error = errno;
    }
  }
  ~SmallTmpfs() {
    if (!error) ::umount2(path.c_str(), MNT_DETACH);
  }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;
};

// Writes `path` until its disk is full; false if it cannot be created.
inline bool fill_disk(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const std::string chunk(4096, 'x');
  while (::write(fd, chunk.data(), chunk.size()) > 0) {
  }
  ::close(fd);
  return true;
}

}  // namespace invr::test
