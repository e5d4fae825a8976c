// Splits [0, n) into contiguous chunks run on worker threads. Each chunk
// writes only its own slice of the output, so results never depend on the
// thread count.
#pragma once

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

namespace invr::inverse {

inline int resolve_threads(std::int64_t requested) {
  if (requested > 0) return static_cast<int>(requested);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// body(begin, end) for chunks covering [0, n); at least min_chunk per thread
// so tiny inputs stay on the calling thread. body must not throw.
template <class Body>
void parallel_chunks(std::int64_t n, std::int64_t threads, std::int64_t min_chunk, Body body) {
  if (n <= 0) return;
  const std::int64_t workers =
      std::max<std::int64_t>(1, std::min<std::int64_t>(resolve_threads(threads),
                                                        n / std::max<std::int64_t>(1, min_chunk)));
  if (workers == 1) {
    body(std::int64_t{0}, n);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(workers));
  for (std::int64_t w = 0; w < workers; ++w) {
    pool.emplace_back([&, w] { body(n * w / workers, n * (w + 1) / workers); });
  }
  for (auto& t : pool) t.join();
}

}  // namespace invr::inverse
