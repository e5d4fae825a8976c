// Pieces the single-process job (job.cc) and the sharded one
// (src/distributed/sharded_job.cc) share: the per-stage clock behind the
// manifest's timings, and the in-place compaction of embedding rows.
#pragma once

#include <chrono>
#include <cstring>
#include <span>
#include <vector>

#include "invr/error.h"
#include "invr/job.h"
#include "invr/log.h"
#include "invr/matrix.h"
#include "job/peak_rss.h"

namespace invr::job {

// Appends {stage, seconds since the last stage, peak RSS} at each done();
// logs it when `log` (a sharded job's rank 0 only).
class StageClock {
 public:
  explicit StageClock(std::vector<StageTiming>& stages, bool log = true) : stages_(stages), log_(log) {}
  void done(const char* stage) {
    const auto now = std::chrono::steady_clock::now();
    stages_.push_back({stage, std::chrono::duration<double>(now - start_).count(), peak_rss_bytes()});
    if (log_)
      invr::logger().info("job: {} took {:.2f} s (peak RSS {:.0f} MB)", stage, stages_.back().seconds,
                          static_cast<double>(stages_.back().peak_rss_bytes) / 1e6);
    start_ = now;
  }

 private:
  std::vector<StageTiming>& stages_;
  bool log_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Moves the listed rows (ascending) to the front of `matrix` and drops the
// rest, so only one copy of the user embeddings is ever held.
inline void keep_rows_in_place(Matrix& matrix, std::span<const Index> rows) {
  const std::size_t cols = matrix.cols;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const auto from = static_cast<std::size_t>(rows[r]);
    INVR_CHECK(from >= r && from < matrix.rows);
    if (from != r) std::memmove(&matrix.data[r * cols], &matrix.data[from * cols], cols * sizeof(float));
  }
  matrix.rows = rows.size();
  matrix.data.resize(matrix.rows * cols);
  matrix.data.shrink_to_fit();
}

}  // namespace invr::job
