#include "topk_block.h"

#include <immintrin.h>

#include <algorithm>
#include <functional>
#include <limits>

#include "invr/error.h"

namespace invr::retrieval {
namespace {
constexpr float kMinusInf = -std::numeric_limits<float>::infinity();
// Extra slots beyond k: compaction costs O(capacity) and runs once per
// (capacity - k) admitted rows, so slack of about k keeps it O(1) per row.
constexpr int kMinSlack = 32;
}  // namespace

// One version per ISA, chosen by GCC at load time (function multiversioning),
// so a portable binary still compares 16 floats at once on AVX-512 machines.
// Plain loops do not vectorise here: GCC will not vectorise an early exit.
__attribute__((target("avx512f")))
std::int64_t skip_below(const float* scores, std::int64_t begin, std::int64_t count,
                        float threshold) {
  const __m512 t = _mm512_set1_ps(threshold);
  std::int64_t j = begin;
  for (; j + kScanChunk <= count; j += kScanChunk)
    if (_mm512_cmp_ps_mask(_mm512_loadu_ps(scores + j), t, _CMP_GT_OQ)) return j;
  return j;
}

__attribute__((target("avx2")))
std::int64_t skip_below(const float* scores, std::int64_t begin, std::int64_t count,
                        float threshold) {
  const __m256 t = _mm256_set1_ps(threshold);
  std::int64_t j = begin;
  for (; j + kScanChunk <= count; j += kScanChunk) {
    const __m256 a = _mm256_cmp_ps(_mm256_loadu_ps(scores + j), t, _CMP_GT_OQ);
    const __m256 b = _mm256_cmp_ps(_mm256_loadu_ps(scores + j + 8), t, _CMP_GT_OQ);
    if (_mm256_movemask_ps(_mm256_or_ps(a, b))) return j;
  }
  return j;
}

__attribute__((target("default")))
std::int64_t skip_below(const float* scores, std::int64_t begin, std::int64_t count,
                        float threshold) {
  const __m128 t = _mm_set1_ps(threshold);
  std::int64_t j = begin;
  for (; j + kScanChunk <= count; j += kScanChunk) {
    const __m128 a = _mm_or_ps(_mm_cmpgt_ps(_mm_loadu_ps(scores + j), t),
                               _mm_cmpgt_ps(_mm_loadu_ps(scores + j + 4), t));
    const __m128 b = _mm_or_ps(_mm_cmpgt_ps(_mm_loadu_ps(scores + j + 8), t),
                               _mm_cmpgt_ps(_mm_loadu_ps(scores + j + 12), t));
    if (_mm_movemask_ps(_mm_or_ps(a, b))) return j;
  }
  return j;
}

int TopkBlock::capacity_for(int k, std::int64_t max_rows) {
  const std::int64_t wanted = static_cast<std::int64_t>(k) + std::max(k, kMinSlack);
  // Never more slots than rows: with max_rows <= capacity nothing is dropped.
  return static_cast<int>(std::max<std::int64_t>(1, std::min(wanted, max_rows)));
}

std::int64_t TopkBlock::bytes_per_query(int k, std::int64_t max_rows) {
  return static_cast<std::int64_t>(capacity_for(k, max_rows)) *
         static_cast<std::int64_t>(sizeof(float) + sizeof(RowId));
}

void TopkBlock::reset(int queries, int k, std::int64_t max_rows) {
  INVR_CHECK(k >= 1 && queries >= 0);
  k_ = k;
  capacity_ = capacity_for(k, max_rows);
  const auto slots = static_cast<std::size_t>(queries) * static_cast<std::size_t>(capacity_);
  scores_.resize(slots);
  ids_.resize(slots);
  count_.assign(static_cast<std::size_t>(queries), 0);
  threshold_.assign(static_cast<std::size_t>(queries), kMinusInf);
}

void TopkBlock::offer_row(int q, const float* scores, std::int64_t count, RowId first_id) {
  const auto base = static_cast<std::size_t>(q) * static_cast<std::size_t>(capacity_);
  float* kept_scores = scores_.data() + base;
  RowId* kept_ids = ids_.data() + base;
  float threshold = threshold_[static_cast<std::size_t>(q)];
  int kept = count_[static_cast<std::size_t>(q)];
  std::int64_t j = 0;
  while (true) {
    j = skip_below(scores, j, count, threshold);
    if (j >= count) break;
    const std::int64_t end = std::min(j + kScanChunk, count);
    for (; j < end; ++j) {
      if (!(scores[j] > threshold)) continue;
      kept_scores[kept] = scores[j];
      kept_ids[kept] = first_id + j;
      if (++kept == capacity_ && kept > k_) {
        count_[static_cast<std::size_t>(q)] = kept;
        compact(q);
        kept = k_;
        threshold = threshold_[static_cast<std::size_t>(q)];
      }
    }
  }
  count_[static_cast<std::size_t>(q)] = kept;
  threshold_[static_cast<std::size_t>(q)] = threshold;
}

void TopkBlock::compact(int q) {
  const auto base = static_cast<std::size_t>(q) * static_cast<std::size_t>(capacity_);
  float* kept_scores = scores_.data() + base;
  RowId* kept_ids = ids_.data() + base;
  const int kept = count_[static_cast<std::size_t>(q)];
  if (kept <= k_) return;
  // The k-th best score, selected on bare floats (cheaper than on pairs).
  scratch_.assign(kept_scores, kept_scores + kept);
  std::nth_element(scratch_.begin(), scratch_.begin() + (k_ - 1), scratch_.end(),
                   std::greater<float>());
  const float kth = scratch_[static_cast<std::size_t>(k_ - 1)];
  int above = 0;
  for (int i = 0; i < kept; ++i) above += kept_scores[i] > kth;
  // Of the rows tied at kth, keep the earliest (= smallest ids) to fill k.
  int ties_left = k_ - above;
  int out = 0;
  for (int i = 0; i < kept; ++i) {
    const bool keep = kept_scores[i] > kth || (kept_scores[i] == kth && ties_left-- > 0);
    if (!keep) continue;
    kept_scores[out] = kept_scores[i];
    kept_ids[out] = kept_ids[i];
    ++out;
  }
  INVR_CHECK(out == k_);
  count_[static_cast<std::size_t>(q)] = k_;
  threshold_[static_cast<std::size_t>(q)] = kth;
}

void TopkBlock::finish(int q, float* out_scores, RowId* out_ids) {
  compact(q);
  const auto base = static_cast<std::size_t>(q) * static_cast<std::size_t>(capacity_);
  const int kept = count_[static_cast<std::size_t>(q)];
  sorted_.resize(static_cast<std::size_t>(kept));
  for (int i = 0; i < kept; ++i) sorted_[static_cast<std::size_t>(i)] = {scores_[base + i], ids_[base + i]};
  std::sort(sorted_.begin(), sorted_.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  for (int i = 0; i < kept; ++i) {
    out_scores[i] = sorted_[static_cast<std::size_t>(i)].first;
    out_ids[i] = sorted_[static_cast<std::size_t>(i)].second;
  }
  for (int i = kept; i < k_; ++i) {
    out_scores[i] = kMinusInf;
    out_ids[i] = kNoRow;
  }
}

}  // namespace invr::retrieval
