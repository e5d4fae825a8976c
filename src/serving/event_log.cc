// EventLog: whole-line appends with one write(2), torn-tail repair on open,
// and an fsync policy (per append, or delayed by a background thread).
#include "serving/event_log.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/log.h"

namespace invr::serving {
namespace {

std::string os_error(int error) { return std::strerror(error); }

// A failed append, the same error for a full disk (ENOSPC) and the file-size
// limit (EFBIG): the server answers both with 503.
IoError append_error(const std::filesystem::path& path, int error) {
  std::string reason = os_error(error);
  if (error == EFBIG) reason += " (the process's file-size limit, RLIMIT_FSIZE / ulimit -f)";
  return IoError(fmt::format("{}: cannot append to the event log: {}", path.string(), reason));
}

// Whether appending `bytes` to a file of `size` bytes passes RLIMIT_FSIZE. A
// write that does is cut short at the limit (a torn line) and the next one
// raises SIGXFSZ, which kills a process that does not ignore it: such an
// append is refused before anything is written.
bool over_file_size_limit(std::uint64_t size, std::size_t bytes) {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_FSIZE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return false;
  return size + bytes > static_cast<std::uint64_t>(limit.rlim_cur);
}

// Reads `size` bytes at `offset` (fewer at the end of the file).
std::string read_at(int fd, std::uint64_t offset, std::size_t size) {
  std::string out(size, '\0');
  const ssize_t got = ::pread(fd, out.data(), size, static_cast<off_t>(offset));
  out.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  return out;
}

// Length of the file up to and including its last '\n' (0 if none).
std::uint64_t complete_prefix(int fd, std::uint64_t size) {
  constexpr std::size_t kChunk = 4096;
  std::uint64_t end = size;
  while (end > 0) {
    const std::uint64_t begin = end > kChunk ? end - kChunk : 0;
    const std::string chunk = read_at(fd, begin, static_cast<std::size_t>(end - begin));
    const auto newline = chunk.rfind('\n');
    if (newline != std::string::npos) return begin + newline + 1;
    end = begin;
  }
  return 0;
}

}  // namespace

std::string event_line(const LoggedEvent& event) {
  return fmt::format("{}\t{}\t{}\t{}\n", event.user, event.item, event.timestamp,
                     event_type_name(event.event));
}

EventLog::EventLog(std::filesystem::path path, double fsync_seconds, std::string_view header)
    : path_(std::move(path)), fsync_seconds_(fsync_seconds), header_(header) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw IoError(fmt::format("{}: cannot open event log: {}", path_.string(), os_error(errno)));
  struct stat st {};
  ::fstat(fd_, &st);
  std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
  const std::string head = read_at(fd_, 0, header_.size());
  // A header cut short is a log that never got its first line: start over.
  const bool torn_header = size < header_.size() && header_.substr(0, size) == head;
  if (size > 0 && !torn_header && head != header_) {
    ::close(fd_);
    throw DataError(path_.string(), 1, 1,
                    fmt::format("not an invr event log: expected the header '{}'",
                                header_.substr(0, header_.size() - 1)));
  }
  const std::uint64_t keep = torn_header ? 0 : complete_prefix(fd_, size);
  if (keep < size) {
    invr::logger().warn("{}: dropping a torn last line ({} bytes) left by an interrupted write",
                        path_.string(), size - keep);
    if (::ftruncate(fd_, static_cast<off_t>(keep)) != 0) {
      const int error = errno;
      ::close(fd_);
      throw IoError(fmt::format("{}: cannot truncate a torn last line: {}", path_.string(),
                                os_error(error)));
    }
    size = keep;
  }
  size_ = size;
  if (fsync_seconds_ > 0) flusher_ = std::thread([this] { flusher(); });
}

EventLog::~EventLog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  if (::fdatasync(fd_) != 0)
    invr::logger().error("{}: fsync of the event log failed: {}", path_.string(), os_error(errno));
  ::close(fd_);
}

std::uint64_t EventLog::bytes() const {
  std::lock_guard lock(mutex_);
  return size_;
}

void EventLog::append(std::span<const LoggedEvent> events) {
  if (events.empty()) return;
  std::string text;
  for (const auto& event : events) text += event_line(event);
  append_lines(std::move(text));
}

void EventLog::append_lines(std::string text) {
  if (text.empty()) return;
  std::unique_lock lock(mutex_);
  if (size_ == 0) text.insert(0, header_);
  if (over_file_size_limit(size_, text.size())) throw append_error(path_, EFBIG);
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : ENOSPC;
      // Leave no partial line behind: later appends and readers stay whole.
      if (written > 0 && ::ftruncate(fd_, static_cast<off_t>(size_)) != 0)
        invr::logger().error("{}: cannot truncate a failed append: {}", path_.string(), os_error(errno));
      throw append_error(path_, error);
    }
    written += static_cast<std::size_t>(n);
  }
  size_ += text.size();
  if (fsync_seconds_ <= 0) {
    if (::fdatasync(fd_) != 0)
      throw IoError(fmt::format("{}: fsync of the event log failed: {}", path_.string(),
                                os_error(errno)));
    return;
  }
  if (!dirty_) {
    dirty_ = true;
    lock.unlock();
    wake_.notify_all();
  }
}

void EventLog::sync() {
  if (::fdatasync(fd_) != 0)
    throw IoError(fmt::format("{}: fsync of the event log failed: {}", path_.string(),
                              os_error(errno)));
}

void EventLog::flusher() {
  std::unique_lock lock(mutex_);
  const auto delay = std::chrono::duration<double>(fsync_seconds_);
  while (!stopping_) {
    wake_.wait(lock, [&] { return dirty_ || stopping_; });
    if (stopping_) break;
    // Batch: appends arriving during the delay share this fsync.
    wake_.wait_for(lock, delay, [&] { return stopping_; });
    dirty_ = false;
    lock.unlock();
    if (::fdatasync(fd_) != 0)
      invr::logger().error("{}: fsync of the event log failed: {}", path_.string(), os_error(errno));
    lock.lock();
  }
}

}  // namespace invr::serving
