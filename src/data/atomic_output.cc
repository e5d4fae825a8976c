#include "data/atomic_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/durable_file.h"
#include "data/text_reader.h"
#include "invr/error.h"

namespace invr::data {
namespace {
[[noreturn]] void throw_io(const char* what, const std::filesystem::path& path) {
  throw IoError(fmt::format("cannot {} {}: {}", what, path.string(), std::strerror(errno)));
}
}  // namespace

AtomicOutput::AtomicOutput(std::filesystem::path path) : path_(std::move(path)) {
  // A name unique per process and call; O_EXCL guards against anything left over.
  temp_path_ = temporary_path_next_to(path_);
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) throw_io("create", temp_path_);
}

AtomicOutput::~AtomicOutput() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_path_.c_str());
}

void AtomicOutput::flush() {
  const char* p = buffer_.data();
  std::size_t left = buffer_.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      // Named by its destination: the temporary file is removed anyway.
      const int error = errno;
      throw IoError(fmt::format("cannot write {}: {}{}", path_.string(), std::strerror(error),
                                error == EFBIG ? " (the process's file-size limit, ulimit -f)" : ""));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  buffer_.clear();
}

void AtomicOutput::finish() {
  if (fd_ < 0) return;
  flush();
  // Data must be on disk before the rename makes it visible.
  if (::fsync(fd_) != 0) throw_io("sync", temp_path_);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) throw_io("close", temp_path_);
}

void AtomicOutput::commit() {
  finish();
  publish_file(temp_path_, path_);
  committed_ = true;
}

void check_writable(std::string_view id, std::string_view what, bool allow_space) {
  if (id.empty()) throw UsageError(fmt::format("cannot save an empty {}", what));
  // Ids load only without control characters (docs/formats.md, "Ids"): what
  // is saved must load again.
  const std::size_t control = find_control_character(id);
  if (allow_space && control != std::string_view::npos && id[control] != '\t' &&
      id[control] != '\r' && id[control] != '\n')
    throw UsageError(fmt::format("cannot save {} {}: it contains the control character 0x{:02X}",
                                 what, quote_value(id), static_cast<unsigned char>(id[control])));
  const char* forbidden = allow_space ? "\t\r\n" : "\t\r\n ";
  if (id.find_first_of(forbidden) == std::string_view::npos) return;
  throw UsageError(fmt::format("cannot save {} {}: it contains {}", what, quote_value(id),
                               allow_space ? "a tab or line break"
                                           : "a tab, line break or space (token_seq "
                                             "fields are space-separated)"));
}

}  // namespace invr::data
