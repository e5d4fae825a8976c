// Top-k selection for a block of queries, fed one row of scores at a time.
//
// Each query keeps a candidate buffer of `capacity` slots (> k) and a
// threshold: the k-th best score after the last compaction (-inf before).
// offer_row() scans scores with a vectorised "any above threshold?" test per
// chunk and appends only the few rows that beat the threshold; when the buffer
// fills it is compacted to exactly the best k. Appending and compacting are
// amortised O(1) per candidate, unlike a heap's O(log k).
//
// Ties: rows must be offered in increasing id order per query (the exact
// scan does so). Then a row whose score equals the threshold always has a
// larger id than the k rows kept and can be rejected with a strict '>'.
// Compaction keeps buffer order, so buffer order stays id order and the
// smallest ids win among equal scores. NaN and -inf scores are never kept.
//
// Not thread-safe: one TopkBlock per worker thread (scratch owned by it).
#pragma once

#include <cstdint>
#include <vector>

#include "invr/retrieval.h"

namespace invr::retrieval {

class TopkBlock {
 public:
  // Prepares `queries` empty lists for top-k out of at most `max_rows` rows.
  // Reuses memory from earlier calls.
  void reset(int queries, int k, std::int64_t max_rows);

  // Offers rows first_id .. first_id+count-1 with these scores to query q.
  void offer_row(int q, const float* scores, std::int64_t count, RowId first_id);

  // Writes query q's best k, best first (score desc, id asc), padding with
  // (-inf, kNoRow) when fewer than k rows were kept.
  void finish(int q, float* out_scores, RowId* out_ids);

  // Bytes a block of this shape holds, to size query blocks.
  static std::int64_t bytes_per_query(int k, std::int64_t max_rows);

 private:
  static int capacity_for(int k, std::int64_t max_rows);
  void compact(int q);

  int k_ = 0;
  int capacity_ = 0;
  std::vector<float> scores_;     // queries x capacity
  std::vector<RowId> ids_;        // queries x capacity
  std::vector<int> count_;        // per query
  std::vector<float> threshold_;  // per query
  std::vector<float> scratch_;    // compaction
  std::vector<std::pair<float, RowId>> sorted_;  // finish
};

// Index of the first chunk at or after `begin` holding a score above
// threshold, or `count` if none: the hot loop of exact search. Exposed for
// the benchmark. Returns a multiple of the chunk size from begin, or count.
std::int64_t skip_below(const float* scores, std::int64_t begin, std::int64_t count,
                        float threshold);
constexpr int kScanChunk = 16;

}  // namespace invr::retrieval
