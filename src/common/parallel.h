// The project's one work-sharing helpers over std::thread (no OpenMP outside
// FAISS, so a stage's thread count is exactly what its caller asked for).
// Both keep results independent of the thread count: callers write per task
// or per range.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace invr {

// requested > 0 as is; 0 (or less) = std::thread::hardware_concurrency().
inline int resolve_threads(std::int64_t requested) {
  if (requested > 0) return static_cast<int>(requested);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// body(task) for every task in [0, tasks), each exactly once, handed out
// dynamically on up to `threads` threads (the caller's among them). The
// first exception stops the hand-out and is rethrown.
template <typename Body>
void parallel_tasks(std::size_t tasks, int threads, Body&& body) {
  const auto workers = static_cast<std::size_t>(std::max(1, threads));
  if (workers == 1 || tasks <= 1) {
    for (std::size_t t = 0; t < tasks; ++t) body(t);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (std::size_t task; (task = next.fetch_add(1)) < tasks;) {
      try {
        body(task);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        next = tasks;  // stop handing out work
      }
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t w = 1; w < std::min(workers, tasks); ++w) pool.emplace_back(worker);
  worker();
  for (auto& thread : pool) thread.join();
  if (error) std::rethrow_exception(error);
}

// body(begin, end) over contiguous ranges covering [0, n), one per thread,
// at least min_chunk each so tiny inputs stay on the calling thread
// (threads 0 = all cores). body must not throw.
template <class Body>
void parallel_ranges(std::int64_t n, std::int64_t threads, std::int64_t min_chunk, Body body) {
  if (n <= 0) return;
  const std::int64_t workers = std::max<std::int64_t>(
      1, std::min<std::int64_t>(resolve_threads(threads), n / std::max<std::int64_t>(1, min_chunk)));
  if (workers == 1) {
    body(std::int64_t{0}, n);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(workers));
  for (std::int64_t w = 0; w < workers; ++w)
    pool.emplace_back([&, w] { body(n * w / workers, n * (w + 1) / workers); });
  for (auto& t : pool) t.join();
}

}  // namespace invr
