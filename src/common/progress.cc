#include "invr/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace invr {
namespace {
std::atomic<bool> g_enabled{false};
thread_local const ProgressScope* t_scope = nullptr;
constexpr std::int64_t kRedrawNs = 200'000'000;  // 5 redraws a second at most

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

void Progress::set_enabled(bool enabled) { g_enabled = enabled; }
bool Progress::enabled() { return t_scope ? static_cast<bool>(t_scope->callback_) : g_enabled.load(); }

ProgressScope::ProgressScope(ProgressCallback callback)
    : previous_(t_scope), callback_(std::move(callback)) {
  t_scope = this;
}

ProgressScope::~ProgressScope() { t_scope = previous_; }

std::string human_count(double value) {
  const double a = std::fabs(value);
  if (a >= 1e9) return fmt::format("{:.2f}G", value / 1e9);
  if (a >= 1e6) return fmt::format("{:.2f}M", value / 1e6);
  if (a >= 1e4) return fmt::format("{:.1f}k", value / 1e3);
  if (a == std::floor(a)) return fmt::format("{:.0f}", value);
  return fmt::format("{:.2f}", value);
}

std::string human_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto s = static_cast<long long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

Progress::Progress(std::string label, std::uint64_t total, std::string unit,
                   ProgressOutput output)
    : label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      terminal_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      output_(output) {
  if (output_ != ProgressOutput::inherit) return;
  if (t_scope) {
    callback_ = t_scope->callback_;
    output_ = ProgressOutput::silent;  // the callback, or nothing when it is empty
  } else {
    output_ = g_enabled ? ProgressOutput::bars : ProgressOutput::silent;
  }
}

Progress::~Progress() { finish(); }

void Progress::add(std::uint64_t amount) {
  done_.fetch_add(amount, std::memory_order_relaxed);
  if (!callback_ && output_ != ProgressOutput::bars) return;
  auto now = now_ns();
  auto next = next_draw_ns_.load(std::memory_order_relaxed);
  if (now < next) return;
  if (!next_draw_ns_.compare_exchange_strong(next, now + kRedrawNs)) return;
  report(false);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  report(true);
}

void Progress::report(bool final_line) {
  if (callback_) {
    std::lock_guard lock(draw_mutex_);
    ProgressUpdate update;
    update.label = label_;
    update.done = done_.load(std::memory_order_relaxed);
    update.total = total_;
    update.unit = unit_;
    update.elapsed_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    update.finished = final_line;
    callback_(update);
  } else if (output_ == ProgressOutput::bars) {
    draw(final_line);
  }
}

void Progress::draw(bool final_line) {
  std::lock_guard lock(draw_mutex_);
  const double done = static_cast<double>(done_.load(std::memory_order_relaxed));
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? done / elapsed : 0;
  std::string unit = unit_.empty() ? "" : " " + unit_;
  std::string line;
  if (total_ > 0) {
    const double fraction = std::min(1.0, done / static_cast<double>(total_));
    if (!terminal_ && !final_line) {
      int decile = static_cast<int>(fraction * 10);
      if (decile == last_decile_) return;
      last_decile_ = decile;
    }
    constexpr int kWidth = 24;
    int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<std::size_t>(filled), '=');
    if (filled < kWidth) bar += '>' + std::string(static_cast<std::size_t>(kWidth - filled - 1), ' ');
    double eta = rate > 0 ? (static_cast<double>(total_) - done) / rate : NAN;
    line = fmt::format("{} [{}] {:3.0f}% {}/{}{} {}/s {} {}", label_, bar, fraction * 100,
                       human_count(done), human_count(static_cast<double>(total_)), unit,
                       human_count(rate), final_line ? "in" : "ETA",
                       human_duration(final_line ? elapsed : eta));
  } else {
    if (!terminal_ && !final_line) return;
    line = fmt::format("{} {}{} {}/s {} {}", label_, human_count(done), unit, human_count(rate),
                       final_line ? "in" : "elapsed", human_duration(elapsed));
  }
  if (terminal_)
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final_line ? "\n" : "");
  else
    std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

}  // namespace invr
