// The served -> logged -> next job loop's log: impressions and clicks that
// clients POST, appended to a RecBole atomic .inter file
//
//   user_id:token<TAB>item_id:token<TAB>timestamp:float<TAB>event_type:token
//
// which load_atomic reads like any dataset (docs/serving_http.md, "Events").
//
// Contract:
//  - Append-only. One append() is one write(2) of whole lines under a mutex, so
//    concurrent requests never interleave within a line and a reader (or a
//    crash) sees whole requests only; a failed write is truncated back.
//  - A full disk (ENOSPC) and the file-size limit (RLIMIT_FSIZE: EFBIG) are the
//    same IoError, and leave no partial line. An append that would pass the
//    limit is refused before writing, so no line is torn even in a process
//    that does not ignore SIGXFSZ (the `invr` CLI ignores it).
//  - The header is written with the first event, so an empty log is an empty
//    file (load_atomic refuses a header without rows).
//  - Opening an existing log checks its header and drops a torn last line (a
//    write cut short by a full disk or power loss) with a warning.
//  - Durability: fsync_seconds = 0 fsyncs before append() returns; otherwise a
//    background thread fsyncs at most that long after an append. Either way
//    the data is in the kernel when append() returns.
//  - Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>

#include "invr/data.h"

namespace invr::serving {

struct LoggedEvent {
  std::string user;
  std::string item;
  double timestamp = 0;
  EventType event = EventType::impression;
};

class EventLog {
 public:
  static constexpr std::string_view kHeader =
      "user_id:token\titem_id:token\ttimestamp:float\tevent_type:token\n";

  // Opens or creates `path` (its folder must exist). IoError if it cannot be
  // opened, DataError if an existing file has another header. `header` (one
  // line with its '\n') lets the item log (POST /v1/items) share the writer.
  EventLog(std::filesystem::path path, double fsync_seconds, std::string_view header = kHeader);
  ~EventLog();  // fsyncs and closes
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Appends the events as lines (ids must hold no tab or line break: the
  // caller validates). IoError on a failed write or fsync; nothing is left
  // of a failed append.
  void append(std::span<const LoggedEvent> events);
  // The same for lines already formatted (each ending in '\n').
  void append_lines(std::string text);
  // fsync now.
  void sync();

  const std::filesystem::path& path() const { return path_; }
  std::uint64_t bytes() const;

 private:
  void flusher();

  std::filesystem::path path_;
  double fsync_seconds_;
  std::string header_;
  int fd_ = -1;
  mutable std::mutex mutex_;
  std::uint64_t size_ = 0;  // bytes in the file
  bool dirty_ = false;      // appended since the last fsync
  bool stopping_ = false;
  std::condition_variable wake_;
  std::thread flusher_;
};

// One event line (with its line end), as append() writes it.
std::string event_line(const LoggedEvent& event);

}  // namespace invr::serving
