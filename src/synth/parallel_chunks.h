// parallel_chunks(): a tiny work-sharing loop over std::thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace invr::synth {

// Runs body(chunk) for chunk in [0, chunks) on `threads` threads. Chunks are
// handed out dynamically, so callers keep output per chunk: results then do
// not depend on which thread ran what. The first exception is rethrown.
template <typename Body>
void parallel_chunks(std::size_t chunks, int threads, Body&& body) {
  std::atomic<std::size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (std::size_t chunk; (chunk = next.fetch_add(1)) < chunks;) {
      try {
        body(chunk);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        next = chunks;  // stop handing out work
      }
    }
  };
  const auto count = static_cast<std::size_t>(std::max(1, threads));
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < std::min(count, chunks); ++t) pool.emplace_back(worker);
  worker();
  for (auto& thread : pool) thread.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace invr::synth
