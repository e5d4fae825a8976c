// Horizontal max and sum of a 512-bit register, for the AVX-512 paths of
// retrieval (int8_kernel.cc, embedding_check.cc). By shuffles, in maskz_
// forms with a full mask: GCC 12's _mm512_reduce_* and the plain shuffles
// pass an _mm512_undefined_* operand and warn that it is uninitialised (a
// false positive that -Werror builds stop on).
#pragma once

#include <immintrin.h>

namespace invr::retrieval {

__attribute__((target("avx512f"), always_inline))
inline float lanes_max(__m512 v) {
  v = _mm512_maskz_max_ps(0xffff, v, _mm512_maskz_shuffle_f32x4(0xffff, v, v, 0x4e));
  v = _mm512_maskz_max_ps(0xffff, v, _mm512_maskz_shuffle_f32x4(0xffff, v, v, 0xb1));
  v = _mm512_maskz_max_ps(0xffff, v, _mm512_maskz_permute_ps(0xffff, v, 0x4e));
  v = _mm512_maskz_max_ps(0xffff, v, _mm512_maskz_permute_ps(0xffff, v, 0xb1));
  return _mm512_cvtss_f32(v);
}

__attribute__((target("avx512f"), always_inline))
inline float lanes_sum(__m512 v) {
  v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(0xffff, v, v, 0x4e));
  v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(0xffff, v, v, 0xb1));
  v = _mm512_add_ps(v, _mm512_maskz_permute_ps(0xffff, v, 0x4e));
  v = _mm512_add_ps(v, _mm512_maskz_permute_ps(0xffff, v, 0xb1));
  return _mm512_cvtss_f32(v);
}

}  // namespace invr::retrieval
