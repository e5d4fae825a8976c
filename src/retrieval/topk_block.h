// Top-k selection for a block of queries, fed one row of scores at a time.
//
// Each query keeps a candidate buffer and a threshold; every kept row beats
// the threshold and at least k kept rows beat every rejected one. offer_row()
// compares 64 scores at a time against the threshold and appends the rows
// above it with no branch per row or per chunk (AVX-512: compress in a
// register, then one unaligned store; see append_above). When the buffer
// fills it is compacted: a pivot estimated from a sample of the buffer
// becomes the new threshold if at least k rows beat it (one vectorised count
// and one branch-free pass), else an exact k-th selection is used. finish()
// selects the exact best k and sorts them.
//
// Ties: rows must be offered in increasing id order per query (the exact
// scan does so), and compaction keeps buffer order, so buffer order is id
// order. A row equal to the threshold is rejected (strict '>'): at least k
// kept rows score strictly higher (fuzzy compaction) or tie with smaller ids
// (exact compaction), so it cannot be in the top k. Among equal scores the
// smallest ids win. NaN and -inf scores are never kept.
//
// Not thread-safe: one TopkBlock per worker thread (scratch owned by it).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "invr/retrieval.h"

namespace invr::retrieval {

constexpr int kScanChunk = 16;
// Rows tested per branch by append_above(); also the buffer's headroom.
constexpr int kScanGroup = 64;

// A scratch array that is not zeroed: every slot is written before it is
// read, and zeroing megabytes per search call showed up in profiles.
template <typename T>
class ScratchArray {
 public:
  void ensure(std::size_t n) {
    if (n <= size_) return;
    data_.reset(new T[n]);  // default-initialised: no memset
    size_ = n;
  }
  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }

 private:
  std::unique_ptr<T[]> data_;
  std::size_t size_ = 0;
};

class TopkBlock {
 public:
  // Prepares `queries` empty lists for top-k out of at most `max_rows` rows,
  // whose ids must be below 2^32.
  // Reuses memory from earlier calls.
  void reset(int queries, int k, std::int64_t max_rows);

  // Starts query q with a threshold instead of -inf: rows scoring at or below
  // it are never kept. If fewer than k rows end up kept (kept(q) < k) the
  // threshold was too high and the result is incomplete. Call before offering.
  void start_above(int q, float threshold) { threshold_[static_cast<std::size_t>(q)] = threshold; }
  int kept(int q) const { return count_[static_cast<std::size_t>(q)]; }

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
  bool compact_fuzzy(int q);
  void compact_exact(int q);
  void keep_above(int q, float pivot);
  void radix_sort(int n);

  // Below this many candidates finish() sorts 64-bit keys by comparison;
  // above it a radix sort wins.
  static constexpr int kRadixMin = 512;

  int k_ = 0;
  int capacity_ = 0;  // slots per query, including one group of headroom
  ScratchArray<float> scores_;    // queries x capacity
  ScratchArray<std::uint32_t> ids_;  // queries x capacity; ids < 2^32
  std::vector<int> count_;        // per query
  std::vector<float> threshold_;  // per query
  std::vector<float> scratch_;    // compaction
  std::vector<std::uint64_t> keys_;  // (score desc, id asc) packed; ids < 2^32
  std::vector<std::uint32_t> radix_keys_, radix_tmp_keys_;  // finish, large k
  std::vector<std::uint32_t> radix_ids_, radix_tmp_ids_;
};

// The first chunk at or after `begin` (a multiple of kScanChunk from it)
// holding a score above threshold, with bit t of `mask` set when
// scores[at + t] > threshold; at == count when there is none. The hot loop
// of exact search, exposed for tests and the benchmark.
struct ChunkHit {
  std::int64_t at;
  std::uint32_t mask;
};
ChunkHit next_above(const float* scores, std::int64_t begin, std::int64_t count, float threshold);

// Appends the rows j in [begin, count) with scores[j] > threshold, in order,
// to out_scores/out_ids (id first_id + j) from slot `kept` on, a group of
// kScanGroup rows at a time; stops after the group that takes kept past
// `limit`. Writes up to kScanGroup - 1 slots beyond the last one kept, so
// the buffers need kScanGroup slots of room past limit. Returns where it
// stopped (count when done) and the new kept.
struct AppendResult {
  std::int64_t next;
  int kept;
};
AppendResult append_above(const float* scores, std::int64_t begin, std::int64_t count,
                          float threshold, std::uint32_t first_id, float* out_scores,
                          std::uint32_t* out_ids, int kept, int limit);

}  // namespace invr::retrieval
