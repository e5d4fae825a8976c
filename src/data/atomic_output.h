// Writing user-facing text files atomically: everything goes to a temporary
// file in the destination folder, which is fsynced and renamed over the
// destination only when complete (then the folder is fsynced), so a reader
// never sees half a file. The steps are common/durable_file.h's, streamed.
#pragma once

#include <filesystem>
#include <string_view>

#include <fmt/format.h>

namespace invr::data {

class AtomicOutput {
 public:
  // Creates a temporary file next to path (IoError on failure).
  explicit AtomicOutput(std::filesystem::path path);
  // Removes the temporary file unless commit() ran.
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  // Formatted output goes through buffer(); call flush_if_full() now and then.
  fmt::memory_buffer& buffer() { return buffer_; }
  void write(std::string_view text) { buffer_.append(text.data(), text.data() + text.size()); }
  void flush_if_full() {
    if (buffer_.size() >= (1u << 20)) flush();
  }
  // Writes everything, syncs and closes the temporary file.
  void finish();
  // finish() if needed, then renames the temporary file onto the destination
  // and fsyncs its folder (publish_file: IoError only if the rename fails).
  void commit();

 private:
  void flush();

  std::filesystem::path path_;
  std::filesystem::path temp_path_;
  int fd_ = -1;
  bool committed_ = false;
  fmt::memory_buffer buffer_;
};

// Throws UsageError unless id can be written as a field of a tab-separated
// file: not empty, no tab, CR or LF, and (for token_seq items) no space. An
// id (allow_space) holds no control character at all, as the loaders demand.
// `what` names it in the message, e.g. "item id" or "token of item 'i7'".
void check_writable(std::string_view id, std::string_view what, bool allow_space = true);

}  // namespace invr::data
