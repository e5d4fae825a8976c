// next_above(): the vectorised threshold scan of exact top-k. One version per
// ISA, chosen by GCC at load time (function multiversioning), so a portable
// binary still compares 16 floats at once on AVX-512 machines. Plain loops do
// not vectorise here: GCC will not vectorise a loop with an early exit.
#include <immintrin.h>

#include "topk_block.h"

namespace invr::retrieval {
namespace {

// The last partial chunk, compared one by one.
ChunkHit tail(const float* scores, std::int64_t j, std::int64_t count, float threshold) {
  std::uint32_t mask = 0;
  for (std::int64_t t = 0; j + t < count; ++t)
    mask |= static_cast<std::uint32_t>(scores[j + t] > threshold) << t;
  return mask ? ChunkHit{j, mask} : ChunkHit{count, 0};
}

}  // namespace

__attribute__((target("avx512f")))
ChunkHit next_above(const float* scores, std::int64_t begin, std::int64_t count, float threshold) {
  const __m512 t = _mm512_set1_ps(threshold);
  std::int64_t j = begin;
  for (; j + kScanChunk <= count; j += kScanChunk) {
    const __mmask16 mask = _mm512_cmp_ps_mask(_mm512_loadu_ps(scores + j), t, _CMP_GT_OQ);
    if (mask) return {j, mask};
  }
  return tail(scores, j, count, threshold);
}

__attribute__((target("avx2")))
ChunkHit next_above(const float* scores, std::int64_t begin, std::int64_t count, float threshold) {
  const __m256 t = _mm256_set1_ps(threshold);
  std::int64_t j = begin;
  for (; j + kScanChunk <= count; j += kScanChunk) {
    const int lo = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(scores + j), t, _CMP_GT_OQ));
    const int hi = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(scores + j + 8), t, _CMP_GT_OQ));
    if (lo | hi) return {j, static_cast<std::uint32_t>(lo | (hi << 8))};
  }
  return tail(scores, j, count, threshold);
}

__attribute__((target("default")))
ChunkHit next_above(const float* scores, std::int64_t begin, std::int64_t count, float threshold) {
  const __m128 t = _mm_set1_ps(threshold);
  std::int64_t j = begin;
  for (; j + kScanChunk <= count; j += kScanChunk) {
    const int m0 = _mm_movemask_ps(_mm_cmpgt_ps(_mm_loadu_ps(scores + j), t));
    const int m1 = _mm_movemask_ps(_mm_cmpgt_ps(_mm_loadu_ps(scores + j + 4), t));
    const int m2 = _mm_movemask_ps(_mm_cmpgt_ps(_mm_loadu_ps(scores + j + 8), t));
    const int m3 = _mm_movemask_ps(_mm_cmpgt_ps(_mm_loadu_ps(scores + j + 12), t));
    const int mask = m0 | (m1 << 4) | (m2 << 8) | (m3 << 12);
    if (mask) return {j, static_cast<std::uint32_t>(mask)};
  }
  return tail(scores, j, count, threshold);
}

}  // namespace invr::retrieval
