// Progress reporting for long work (generation, loading, training, jobs).
//
// Draws "label [=====>    ] 42% 4.2M/10M 1.3M/s ETA 0:05" on stderr. On a
// terminal it redraws in place several times a second; otherwise it prints a
// line at every 10% so logs stay readable. Disabled globally by --quiet.
// add() is thread-safe and cheap (one atomic add; drawing is rate-limited).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace invr {

class Progress {
 public:
  // total == 0 means unknown: shows a counter and rate but no bar or ETA.
  Progress(std::string label, std::uint64_t total, std::string unit = "");
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void add(std::uint64_t amount = 1);
  // Final line with elapsed time; called by the destructor if not earlier.
  void finish();

  // Process-wide switch, set from --quiet.
  static void set_enabled(bool enabled);
  static bool enabled();

 private:
  void draw(bool final_line);

  std::string label_;
  std::uint64_t total_;
  std::string unit_;
  std::atomic<std::uint64_t> done_{0};
  std::atomic<std::int64_t> next_draw_ns_{0};
  int last_decile_ = -1;
  bool finished_ = false;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  std::mutex draw_mutex_;
};

// "1.2M", "340k", "17" — for human-readable counts.
std::string human_count(double value);
// "1:02:03" or "4:05".
std::string human_duration(double seconds);

}  // namespace invr
