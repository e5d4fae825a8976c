// next_above(): the vectorised threshold scan of exact top-k. One version per
// ISA, chosen once at run time, so a portable binary still compares 16 floats
// at once on AVX-512 machines. Plain loops do not vectorise here: GCC will not
// vectorise a loop with an early exit. The choice is made by hand: GCC's
// function multiversioning only dispatches calls made in the defining file,
// so callers elsewhere silently got the baseline SSE version.
//
// append_above(): the same scan, appending what passes. A branch per hit or
// per chunk mispredicts whenever a few percent of scores pass (large k early
// in a scan), so rows are tested 64 at a time and a group with any hit is
// appended without branches: AVX-512 compresses scores and ids in registers
// and stores 16 lanes (a compress straight to memory is microcoded and slow
// on AMD); other ISAs append every row of the group and advance by the bit.
#include <immintrin.h>

#include <algorithm>
#include <bit>

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

// Rows begin..end-1 (at most kScanGroup), branch-free: each row is written
// to the next slot and kept only if it passes.
int append_rows(const float* scores, std::int64_t begin, std::int64_t end, float threshold,
                std::uint32_t first_id, float* out_scores, std::uint32_t* out_ids, int kept) {
  for (std::int64_t j = begin; j < end; ++j) {
    const float s = scores[j];
    out_scores[kept] = s;
    out_ids[kept] = first_id + static_cast<std::uint32_t>(j);
    kept += s > threshold;
  }
  return kept;
}

// Appends the passing rows of one chunk: compress in registers, store 16 lanes.
__attribute__((target("avx512f,popcnt")))
inline int append_chunk(__m512 values, __mmask16 mask, std::uint32_t id0, float* out_scores,
                        std::uint32_t* out_ids, int kept) {
  const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i ids = _mm512_add_epi32(lanes, _mm512_set1_epi32(static_cast<int>(id0)));
  _mm512_storeu_ps(out_scores + kept, _mm512_maskz_compress_ps(mask, values));
  _mm512_storeu_si512(out_ids + kept, _mm512_maskz_compress_epi32(mask, ids));
  return kept + std::popcount(static_cast<unsigned>(mask));
}

__attribute__((target("avx512f,popcnt")))
AppendResult append_above_avx512(const float* scores, std::int64_t begin, std::int64_t count,
                                 float threshold, std::uint32_t first_id, float* out_scores,
                                 std::uint32_t* out_ids, int kept, int limit) {
  const __m512 t = _mm512_set1_ps(threshold);
  std::int64_t j = begin;
  // Whole groups: four chunks compared, one branch.
  while (j + kScanGroup <= count) {
    const __m512 v0 = _mm512_loadu_ps(scores + j);
    const __m512 v1 = _mm512_loadu_ps(scores + j + 16);
    const __m512 v2 = _mm512_loadu_ps(scores + j + 32);
    const __m512 v3 = _mm512_loadu_ps(scores + j + 48);
    const __mmask16 m0 = _mm512_cmp_ps_mask(v0, t, _CMP_GT_OQ);
    const __mmask16 m1 = _mm512_cmp_ps_mask(v1, t, _CMP_GT_OQ);
    const __mmask16 m2 = _mm512_cmp_ps_mask(v2, t, _CMP_GT_OQ);
    const __mmask16 m3 = _mm512_cmp_ps_mask(v3, t, _CMP_GT_OQ);
    const auto id0 = first_id + static_cast<std::uint32_t>(j);
    j += kScanGroup;
    if (_mm512_kortestz(_mm512_kor(m0, m1), _mm512_kor(m2, m3))) continue;
    kept = append_chunk(v0, m0, id0, out_scores, out_ids, kept);
    kept = append_chunk(v1, m1, id0 + 16, out_scores, out_ids, kept);
    kept = append_chunk(v2, m2, id0 + 32, out_scores, out_ids, kept);
    kept = append_chunk(v3, m3, id0 + 48, out_scores, out_ids, kept);
    if (kept > limit) return {j, kept};
  }
  // The last partial group, a chunk at a time with masked loads (fewer than
  // kScanGroup rows, so the headroom still holds).
  for (; j < count; j += kScanChunk) {
    const std::int64_t left = count - j;
    const auto valid = static_cast<__mmask16>(left >= kScanChunk ? 0xffffu : (1u << left) - 1);
    const __m512 v = _mm512_maskz_loadu_ps(valid, scores + j);
    const __mmask16 m = _mm512_mask_cmp_ps_mask(valid, v, t, _CMP_GT_OQ);
    kept = append_chunk(v, m, first_id + static_cast<std::uint32_t>(j), out_scores, out_ids, kept);
  }
  return {count, kept};
}

AppendResult append_above_generic(const float* scores, std::int64_t begin, std::int64_t count,
                                  float threshold, std::uint32_t first_id, float* out_scores,
                                  std::uint32_t* out_ids, int kept, int limit) {
  std::int64_t j = begin;
  while (j < count) {
    const std::int64_t end = std::min(j + kScanGroup, count);
    const ChunkHit hit = next_above(scores, j, end, threshold);
    if (hit.at < end) kept = append_rows(scores, hit.at, end, threshold, first_id, out_scores, out_ids, kept);
    j = end;
    if (kept > limit) break;
  }
  return {j, kept};
}

__attribute__((target("avx512f")))
ChunkHit next_above_avx512(const float* scores, std::int64_t begin, std::int64_t count, float threshold) {
  const __m512 t = _mm512_set1_ps(threshold);
  std::int64_t j = begin;
  for (; j + kScanChunk <= count; j += kScanChunk) {
    const __mmask16 mask = _mm512_cmp_ps_mask(_mm512_loadu_ps(scores + j), t, _CMP_GT_OQ);
    if (mask) return {j, mask};
  }
  return tail(scores, j, count, threshold);
}

__attribute__((target("avx2")))
ChunkHit next_above_avx2(const float* scores, std::int64_t begin, std::int64_t count, float threshold) {
  const __m256 t = _mm256_set1_ps(threshold);
  std::int64_t j = begin;
  for (; j + kScanChunk <= count; j += kScanChunk) {
    const int lo = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(scores + j), t, _CMP_GT_OQ));
    const int hi = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(scores + j + 8), t, _CMP_GT_OQ));
    if (lo | hi) return {j, static_cast<std::uint32_t>(lo | (hi << 8))};
  }
  return tail(scores, j, count, threshold);
}

ChunkHit next_above_sse(const float* scores, std::int64_t begin, std::int64_t count, float threshold) {
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

}  // namespace

ChunkHit next_above(const float* scores, std::int64_t begin, std::int64_t count, float threshold) {
  static const auto impl = __builtin_cpu_supports("avx512f") ? next_above_avx512
                           : __builtin_cpu_supports("avx2") ? next_above_avx2
                                                            : next_above_sse;
  return impl(scores, begin, count, threshold);
}

AppendResult append_above(const float* scores, std::int64_t begin, std::int64_t count,
                          float threshold, std::uint32_t first_id, float* out_scores,
                          std::uint32_t* out_ids, int kept, int limit) {
  static const auto impl =
      __builtin_cpu_supports("avx512f") ? append_above_avx512 : append_above_generic;
  return impl(scores, begin, count, threshold, first_id, out_scores, out_ids, kept, limit);
}

}  // namespace invr::retrieval
