// Progress reporting for long work (generation, loading, training, jobs).
//
// The library prints nothing by default (CONTRIBUTING.md, convention 7):
// where a Progress reports is settled when it is made, on the thread that
// makes it:
//  1. the callback of the innermost ProgressScope alive on that thread: a
//     caller wraps one call in a scope to get that call's progress (an empty
//     callback silences it);
//  2. otherwise bars on stderr if the program turned them on with
//     Progress::set_enabled(true) (the invr CLI does, unless --quiet);
//  3. otherwise nowhere (the default; the Python module keeps it).
// Bars read "label [=====>    ] 42% 4.2M/10M 1.3M/s ETA 0:05": on a terminal
// redrawn in place several times a second, otherwise a line every 10%.
// add() is thread-safe and cheap (one atomic add; reporting is rate-limited
// to 5 a second), so worker threads of the call report into the same object.
// docs/library.md, "Progress".
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace invr {

// One report: `done` of `total` (0 = unknown) `unit` since the work began.
struct ProgressUpdate {
  std::string_view label;
  std::uint64_t done = 0;
  std::uint64_t total = 0;
  std::string_view unit;
  double elapsed_seconds = 0;
  bool finished = false;  // the last report of this piece of work
};

// Called at most 5 times a second per piece of work, and once with finished;
// from whichever of the call's threads reported (never two at once for one
// piece of work). Must not throw.
using ProgressCallback = std::function<void(const ProgressUpdate&)>;

// Routes the progress of work started on this thread to `callback` while it
// lives, then restores the routing before it. Per call, per thread.
class ProgressScope {
 public:
  explicit ProgressScope(ProgressCallback callback);
  ~ProgressScope();
  ProgressScope(const ProgressScope&) = delete;
  ProgressScope& operator=(const ProgressScope&) = delete;

 private:
  const ProgressScope* previous_;
  ProgressCallback callback_;
  friend class Progress;
};

// Where one Progress reports: as settled above (inherit), or fixed.
enum class ProgressOutput { inherit, bars, silent };

class Progress {
 public:
  // total == 0 means unknown: shows a counter and rate but no bar or ETA.
  Progress(std::string label, std::uint64_t total, std::string unit = "",
           ProgressOutput output = ProgressOutput::inherit);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void add(std::uint64_t amount = 1);
  // Final line with elapsed time; called by the destructor if not earlier.
  void finish();

  // Bars on stderr where no ProgressScope is alive: a program's choice, made
  // once (the CLI: on unless --quiet). Off by default.
  static void set_enabled(bool enabled);
  // Whether a Progress made on this thread now would report anywhere.
  static bool enabled();

 private:
  void draw(bool final_line);
  void report(bool final_line);

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
  ProgressOutput output_;      // bars or silent once settled
  ProgressCallback callback_;  // set: reports go here instead
};

// "1.2M", "340k", "17" — for human-readable counts.
std::string human_count(double value);
// "1:02:03" or "4:05".
std::string human_duration(double seconds);

}  // namespace invr
