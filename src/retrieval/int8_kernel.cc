// The int8 kernel behind exact search's filter (int8_kernel.h). Hand-written
// because no library on the list offers it: OpenBLAS has no int8 GEMM, and
// FAISS's 8-bit scalar quantiser computes one distance at a time. VPDPBUSD
// multiplies 64 byte pairs per instruction, four times the inner products
// per instruction of sgemm's fp32 FMA.
#include "int8_kernel.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>


#include "common/parallel.h"
#include "lanes.h"

namespace invr::retrieval {
namespace {

std::int64_t round_up(std::int64_t a, std::int64_t b) { return (a + b - 1) / b * b; }

// Scale and int8 values of one row; false if the row is not finite.
bool quantize_row(const float* x, std::int64_t dim, std::int8_t* out, float& scale) {
  float top = 0.0f;
  for (std::int64_t j = 0; j < dim; ++j) top = std::max(top, std::fabs(x[j]));
  if (!std::isfinite(top)) return false;  // NaN compares false, so check the inputs too
  for (std::int64_t j = 0; j < dim; ++j)
    if (!std::isfinite(x[j])) return false;
  scale = top / 127.0f;
  const float inverse = top > 0.0f ? 127.0f / top : 0.0f;
  // Round half away from zero by hand: std::lrint is a library call per value.
  for (std::int64_t j = 0; j < dim; ++j) {
    const float v = x[j] * inverse;
    const int rounded = static_cast<int>(v + (v < 0.0f ? -0.5f : 0.5f));
    out[j] = static_cast<std::int8_t>(std::clamp(rounded, -127, 127));
  }
  return true;
}

// |x| and |x - scale * xi| in double.
void row_norms(const float* x, const std::int8_t* xi, std::int64_t dim, float scale, double& norm,
               double& residual) {
  double n2 = 0.0, r2 = 0.0;
  for (std::int64_t j = 0; j < dim; ++j) {
    const double v = x[j];
    const double e = v - static_cast<double>(scale) * xi[j];
    n2 += v * v;
    r2 += e * e;
  }
  norm = std::sqrt(n2);
  residual = std::sqrt(r2);
}

// maskz_ forms with a full mask below: GCC 12's plain forms pass an
// _mm512_undefined_* operand and warn that it is uninitialised (a false
// positive that -Werror builds stop on).

// One base row, vectorised (the base is the bulk of the quantising): the
// bytes xi + 128 into `bytes` (dims past `dim` keep what is there), the
// scale, |x| and |x - s xi|. Sums are in float, so |x| and the residual are
// widened by 1e-4 of themselves, far above the rounding of 1,024 terms
// (kMaxDim). False if a value or a norm is not finite.
__attribute__((target("avx512f,avx512bw,avx512vl")))
bool quantize_base_row(const float* x, std::int64_t dim, std::uint8_t* bytes, float& scale,
                       float& norm, float& residual) {
  __m512 top = _mm512_setzero_ps();
  __m512 nan = _mm512_setzero_ps();  // v - v: 0 when finite, NaN otherwise
  for (std::int64_t j = 0; j < dim; j += 16) {
    const auto mask = static_cast<__mmask16>(dim - j >= 16 ? 0xffff : (1u << (dim - j)) - 1);
    const __m512 v = _mm512_maskz_loadu_ps(mask, x + j);
    top = _mm512_maskz_max_ps(0xffff, top, _mm512_abs_ps(v));
    nan = _mm512_add_ps(nan, _mm512_sub_ps(v, v));
  }
  if (_mm512_cmp_ps_mask(nan, nan, _CMP_UNORD_Q)) return false;
  const float largest = lanes_max(top);
  scale = largest / 127.0f;
  const __m512 inverse = _mm512_set1_ps(largest > 0.0f ? 127.0f / largest : 0.0f);
  const __m512 s = _mm512_set1_ps(scale);
  __m512 n2 = _mm512_setzero_ps(), r2 = _mm512_setzero_ps();
  for (std::int64_t j = 0; j < dim; j += 16) {
    const auto mask = static_cast<__mmask16>(dim - j >= 16 ? 0xffff : (1u << (dim - j)) - 1);
    const __m512 v = _mm512_maskz_loadu_ps(mask, x + j);
    __m512i q = _mm512_maskz_cvtps_epi32(0xffff, _mm512_mul_ps(v, inverse));  // nearest
    q = _mm512_maskz_max_epi32(0xffff, _mm512_maskz_min_epi32(0xffff, q, _mm512_set1_epi32(127)),
                                 _mm512_set1_epi32(-127));
    const __m512 e = _mm512_fnmadd_ps(s, _mm512_maskz_cvtepi32_ps(0xffff, q), v);  // v - s q, one rounding
    n2 = _mm512_fmadd_ps(v, v, n2);
    r2 = _mm512_fmadd_ps(e, e, r2);
    _mm_mask_storeu_epi8(bytes + j, mask,
                         _mm512_maskz_cvtepi32_epi8(0xffff, _mm512_add_epi32(q, _mm512_set1_epi32(128))));
  }
  norm = std::sqrt(lanes_sum(n2)) * (1.0f + 1e-4f);
  residual = std::sqrt(lanes_sum(r2)) * (1.0f + 1e-4f);
  return std::isfinite(norm) && std::isfinite(residual);
}

// Rounds up so the bound stays a bound after the cast to float.
float up(double v) { return std::nextafter(static_cast<float>(v), INFINITY); }

// c += a (unsigned bytes) . b (signed bytes), four at a time per lane. In
// asm because GCC 12 keeps the intrinsic's accumulators in zmm16-31 and
// copies each one twice per step (measured: 32 moves per 16 products).
__attribute__((target("avx512f,avx512vnni"), always_inline))
inline void dpbusd(__m512i& c, __m512i a, __m512i b) {  // a unsigned, b signed
  asm("vpdpbusd %[b], %[a], %[c]" : [c] "+v"(c) : [a] "v"(a), [b] "v"(b));
}

// What a kernel call reads: the query words from query q0 and the panels
// from row r0.
struct Operands {
  std::int64_t groups;
  const std::uint32_t* words;
  const std::uint8_t* panels;
};
inline Operands operands(const QuantizedQueries& qs, std::int64_t q0, const QuantizedBase& base,
                         std::int64_t r0) {
  return {qs.groups, qs.words.data() + q0 * qs.groups,
          base.packed.get() + (r0 / kPanelRows) * qs.groups * 64};
}

// 4 queries x 64 rows (4 panels): 16 accumulators of exact int32 products
// (each query's offset taken off by starting there); then per query and
// panel, to float times the rows' scales, handed to `store(q, p, values)`.
template <typename Store>
__attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline))
inline void kernel_4x64(const QuantizedQueries& qs, std::int64_t q0, const QuantizedBase& base,
                        std::int64_t r0, Store&& store) {
  const auto [groups, words, panels] = operands(qs, q0, base, r0);
  // Starting at -offset leaves the exact products of qi and xi (one
  // subtraction per query instead of one per result).
  const std::int32_t* offset = qs.offset.data() + q0;
  __m512i c00 = _mm512_set1_epi32(-offset[0]), c01 = c00, c02 = c00, c03 = c00;
  __m512i c10 = _mm512_set1_epi32(-offset[1]), c11 = c10, c12 = c10, c13 = c10;
  __m512i c20 = _mm512_set1_epi32(-offset[2]), c21 = c20, c22 = c20, c23 = c20;
  __m512i c30 = _mm512_set1_epi32(-offset[3]), c31 = c30, c32 = c30, c33 = c30;
  const std::int64_t panel_bytes = groups * 64;
  for (std::int64_t g = 0; g < groups; ++g) {
    const __m512i b0 = _mm512_load_si512(panels + g * 64);
    const __m512i b1 = _mm512_load_si512(panels + panel_bytes + g * 64);
    const __m512i b2 = _mm512_load_si512(panels + 2 * panel_bytes + g * 64);
    const __m512i b3 = _mm512_load_si512(panels + 3 * panel_bytes + g * 64);
    __m512i w = _mm512_set1_epi32(static_cast<int>(words[g]));
    dpbusd(c00, b0, w);
    dpbusd(c01, b1, w);
    dpbusd(c02, b2, w);
    dpbusd(c03, b3, w);
    w = _mm512_set1_epi32(static_cast<int>(words[groups + g]));
    dpbusd(c10, b0, w);
    dpbusd(c11, b1, w);
    dpbusd(c12, b2, w);
    dpbusd(c13, b3, w);
    w = _mm512_set1_epi32(static_cast<int>(words[2 * groups + g]));
    dpbusd(c20, b0, w);
    dpbusd(c21, b1, w);
    dpbusd(c22, b2, w);
    dpbusd(c23, b3, w);
    w = _mm512_set1_epi32(static_cast<int>(words[3 * groups + g]));
    dpbusd(c30, b0, w);
    dpbusd(c31, b1, w);
    dpbusd(c32, b2, w);
    dpbusd(c33, b3, w);
  }
  const __m512i acc[4][4] = {{c00, c01, c02, c03}, {c10, c11, c12, c13},
                             {c20, c21, c22, c23}, {c30, c31, c32, c33}};
#pragma GCC unroll 4
  for (int q = 0; q < 4; ++q) {
#pragma GCC unroll 4
    for (int p = 0; p < 4; ++p) {
      // maskz: GCC 12 warns that the plain conversion's undefined source is uninitialised.
      store(q, p, _mm512_mul_ps(_mm512_maskz_cvtepi32_ps(0xffff, acc[q][p]),
                                _mm512_loadu_ps(base.scale.data() + r0 + p * 16)));
    }
  }
}

// The epilogues are function objects, not lambdas: a lambda does not take
// its enclosing function's target attribute, so GCC will not inline the
// AVX-512 intrinsics into it.
struct StoreAll {
  float* out;
  std::int64_t stride;
  __attribute__((target("avx512f"), always_inline)) void operator()(int q, int p, __m512 v) const {
    _mm512_storeu_ps(out + q * stride + p * 16, v);
  }
};

__attribute__((target("avx512f,avx512bw,avx512vnni")))
void products_4x64(const QuantizedQueries& qs, std::int64_t q0, const QuantizedBase& base,
                   std::int64_t r0, float* out, std::int64_t stride) {
  kernel_4x64(qs, q0, base, r0, StoreAll{out, stride});
}

// Keeps the lanes above the query's threshold, with their bounds
// hi = a + error and lo = a - error: compressed in registers and stored 16
// lanes wide (a compress straight to memory is microcoded and slow on AMD).
struct StoreAbove {
  __m512 limit[4], scale[4], norm_weight[4], residual_weight[4];
  __mmask16 valid[16];  // per panel of the call
  const QuantizedBase* base;
  std::int64_t q0, r0, stride;
  float* hi;
  float* lo;
  std::uint32_t* ids;
  int* counts;
  __attribute__((target("avx512f"), always_inline)) void operator()(int q, int p, __m512 v) const {
    const __mmask16 pass = _mm512_mask_cmp_ps_mask(valid[p], v, limit[q], _CMP_GT_OQ);
    if (!pass) return;
    const std::int64_t r = r0 + p * 16;
    const __m512 a = _mm512_mul_ps(v, scale[q]);
    const __m512 error = _mm512_fmadd_ps(
        norm_weight[q], _mm512_loadu_ps(base->norm.data() + r),
        _mm512_mul_ps(residual_weight[q], _mm512_loadu_ps(base->residual.data() + r)));
    const std::int64_t at = (q0 + q) * stride + counts[q0 + q];
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i id = _mm512_add_epi32(lanes, _mm512_set1_epi32(static_cast<int>(r)));
    _mm512_storeu_ps(hi + at, _mm512_maskz_compress_ps(pass, _mm512_add_ps(a, error)));
    _mm512_storeu_ps(lo + at, _mm512_maskz_compress_ps(pass, _mm512_sub_ps(a, error)));
    _mm512_storeu_si512(ids + at, _mm512_maskz_compress_epi32(pass, id));
    counts[q0 + q] += __builtin_popcount(pass);
  }
};

__attribute__((target("avx512f,avx512bw,avx512vnni")))
void above_4x64(const QuantizedQueries& qs, std::int64_t q0, const QuantizedBase& base,
                std::int64_t r0, std::int64_t end, const float* threshold, float* hi, float* lo,
                std::uint32_t* ids, std::int64_t stride, int* counts) {
  StoreAbove store{{}, {}, {}, {}, {}, &base, q0, r0, stride, hi, lo, ids, counts};
  for (int q = 0; q < 4; ++q) {
    const auto at = static_cast<std::size_t>(q0 + q);
    // Padding queries pass nothing.
    store.limit[q] = _mm512_set1_ps(q0 + q < qs.rows ? threshold[at] : INFINITY);
    store.scale[q] = _mm512_set1_ps(qs.scale[at]);
    store.norm_weight[q] = _mm512_set1_ps(qs.norm_weight[at]);
    store.residual_weight[q] = _mm512_set1_ps(qs.residual_weight[at]);
  }
  for (int p = 0; p < 4; ++p) {
    const std::int64_t left = end - (r0 + p * 16);
    store.valid[p] = left >= 16 ? 0xffff : left <= 0 ? 0 : static_cast<__mmask16>((1u << left) - 1);
  }
  kernel_4x64(qs, q0, base, r0, store);
}

// One query x 256 rows (16 panels): a server's single request. The 4 x 64
// kernel would spend three quarters of its products on padding queries.
template <typename Store>
__attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline))
inline void kernel_1x256(const QuantizedQueries& qs, std::int64_t q0, const QuantizedBase& base,
                         std::int64_t r0, Store&& store) {
  const auto [groups, words, panels] = operands(qs, q0, base, r0);
  const std::int64_t pb = groups * 64;  // bytes per panel
  // Named accumulators, as in kernel_4x64, starting at -offset.
  __m512i c0 = _mm512_set1_epi32(-qs.offset[static_cast<std::size_t>(q0)]), c1 = c0, c2 = c0,
          c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0,
          c12 = c0, c13 = c0, c14 = c0, c15 = c0;
  for (std::int64_t g = 0; g < groups; ++g) {
    const __m512i w = _mm512_set1_epi32(static_cast<int>(words[g]));
    const std::uint8_t* at = panels + g * 64;
    dpbusd(c0, _mm512_load_si512(at), w);
    dpbusd(c1, _mm512_load_si512(at + pb), w);
    dpbusd(c2, _mm512_load_si512(at + 2 * pb), w);
    dpbusd(c3, _mm512_load_si512(at + 3 * pb), w);
    dpbusd(c4, _mm512_load_si512(at + 4 * pb), w);
    dpbusd(c5, _mm512_load_si512(at + 5 * pb), w);
    dpbusd(c6, _mm512_load_si512(at + 6 * pb), w);
    dpbusd(c7, _mm512_load_si512(at + 7 * pb), w);
    dpbusd(c8, _mm512_load_si512(at + 8 * pb), w);
    dpbusd(c9, _mm512_load_si512(at + 9 * pb), w);
    dpbusd(c10, _mm512_load_si512(at + 10 * pb), w);
    dpbusd(c11, _mm512_load_si512(at + 11 * pb), w);
    dpbusd(c12, _mm512_load_si512(at + 12 * pb), w);
    dpbusd(c13, _mm512_load_si512(at + 13 * pb), w);
    dpbusd(c14, _mm512_load_si512(at + 14 * pb), w);
    dpbusd(c15, _mm512_load_si512(at + 15 * pb), w);
  }
  const __m512i acc[16] = {c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15};
#pragma GCC unroll 16
  for (int p = 0; p < 16; ++p)
    store(0, p, _mm512_mul_ps(_mm512_maskz_cvtepi32_ps(0xffff, acc[p]),
                              _mm512_loadu_ps(base.scale.data() + r0 + p * 16)));
}

__attribute__((target("avx512f,avx512bw,avx512vnni")))
void above_1x256(const QuantizedQueries& qs, std::int64_t q0, const QuantizedBase& base,
                 std::int64_t r0, std::int64_t end, const float* threshold, float* hi, float* lo,
                 std::uint32_t* ids, std::int64_t stride, int* counts) {
  StoreAbove store{{}, {}, {}, {}, {}, &base, q0, r0, stride, hi, lo, ids, counts};
  const auto at = static_cast<std::size_t>(q0);
  store.limit[0] = _mm512_set1_ps(threshold[at]);
  store.scale[0] = _mm512_set1_ps(qs.scale[at]);
  store.norm_weight[0] = _mm512_set1_ps(qs.norm_weight[at]);
  store.residual_weight[0] = _mm512_set1_ps(qs.residual_weight[at]);
  for (int p = 0; p < 16; ++p) {
    const std::int64_t left = end - (r0 + p * 16);
    store.valid[p] = left >= 16 ? 0xffff : left <= 0 ? 0 : static_cast<__mmask16>((1u << left) - 1);
  }
  kernel_1x256(qs, q0, base, r0, store);
}

}  // namespace

// Eight partial sums (one 512-bit register of doubles once vectorised), then
// a fixed pairwise sum: the order is part of the result, so no fast-math.
__attribute__((target("avx512f")))
double exact_dot(const float* a, const float* b, std::int64_t dim) {
  double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::int64_t j = 0;
  for (; j + 8 <= dim; j += 8)
    for (int t = 0; t < 8; ++t) part[t] += static_cast<double>(a[j + t]) * b[j + t];
  for (int t = 0; j + t < dim; ++t) part[t] += static_cast<double>(a[j + t]) * b[j + t];
  return ((part[0] + part[4]) + (part[2] + part[6])) + ((part[1] + part[5]) + (part[3] + part[7]));
}

bool int8_kernel_supported() {
  static const bool supported = __builtin_cpu_supports("avx512f") &&
                                __builtin_cpu_supports("avx512bw") &&
                                __builtin_cpu_supports("avx512vl") &&
                                __builtin_cpu_supports("avx512vnni");
  return supported;
}

bool quantize_base(MatrixView base, int threads, QuantizedBase& out) {
  const std::int64_t dim = base.cols;
  const std::int64_t padded = round_up(std::max<std::int64_t>(base.rows, 1), kSingleRows);
  out.rows = base.rows;
  out.groups = (dim + 3) / 4;
  const auto bytes = static_cast<std::size_t>(padded * out.groups * 4);
  out.packed = PackedBytes(bytes);
  // One populated mapping for the per-row arrays too: zero-filled vectors
  // cost 7 ms of page faults at 200k rows.
  const auto rows = static_cast<std::size_t>(padded);
  out.row_memory = PackedBytes(3 * rows * sizeof(float));
  auto* floats = reinterpret_cast<float*>(out.row_memory.get());
  out.scale = {floats, rows};
  out.norm = {floats + rows, rows};
  out.residual = {floats + 2 * rows, rows};
  std::atomic<bool> finite{true};
  const std::int64_t panels = padded / kPanelRows;
  parallel_ranges(panels, threads, 256, [&](std::int64_t begin, std::int64_t end) {
    // One row's bytes, dims padded with 128 (xi = 0).
    std::vector<std::uint32_t> words(static_cast<std::size_t>(out.groups), 0x80808080u);
    auto* bytes = reinterpret_cast<std::uint8_t*>(words.data());
    for (std::int64_t p = begin; p < end && finite; ++p) {
      auto* panel = reinterpret_cast<std::uint32_t*>(out.packed.get() + p * out.groups * 64);
      for (std::int64_t lane = 0; lane < kPanelRows; ++lane) {
        const std::int64_t r = p * kPanelRows + lane;
        const auto at = static_cast<std::size_t>(r);
        if (r < base.rows) {
          if (!quantize_base_row(base.row(r), dim, bytes, out.scale[at], out.norm[at],
                                 out.residual[at])) {
            finite = false;
            return;
          }
        } else {
          std::fill(words.begin(), words.end(), 0x80808080u);  // a zero row
        }
        for (std::int64_t g = 0; g < out.groups; ++g)
          panel[g * kPanelRows + lane] = words[static_cast<std::size_t>(g)];
      }
    }
  });
  return finite;
}

void quantize_queries(MatrixView queries, QuantizedQueries& out) {
  const std::int64_t dim = queries.cols;
  const std::int64_t padded = round_up(std::max<std::int64_t>(queries.rows, 1), kKernelQueries);
  out.rows = queries.rows;
  out.groups = (dim + 3) / 4;
  out.words.assign(static_cast<std::size_t>(padded * out.groups), 0u);
  out.offset.assign(static_cast<std::size_t>(padded), 0);
  out.scale.assign(static_cast<std::size_t>(padded), 0.0f);
  out.norm_weight.assign(static_cast<std::size_t>(padded), 0.0f);
  out.residual_weight.assign(static_cast<std::size_t>(padded), 0.0f);
  std::vector<std::int8_t> qi(static_cast<std::size_t>(out.groups * 4), 0);
  for (std::int64_t q = 0; q < queries.rows; ++q) {
    float s = 0.0f;
    // exact_search has checked the queries are finite.
    quantize_row(queries.row(q), dim, qi.data(), s);
    double norm = 0.0, residual = 0.0, rounded = 0.0;
    row_norms(queries.row(q), qi.data(), dim, s, norm, residual);
    for (std::int64_t j = 0; j < dim; ++j) rounded += std::pow(static_cast<double>(s) * qi[static_cast<std::size_t>(j)], 2);
    std::memcpy(out.words.data() + q * out.groups, qi.data(), qi.size());
    std::int32_t sum = 0;
    for (const auto v : qi) sum += v;
    // |q.x - approximate| <= residual |x| + |sq qi| |x - sx xi| (int8_kernel.h),
    // widened by 1e-3 of itself and by 1e-5 of the largest possible score,
    // (|q| + residual) (|x| + |x - sx xi|): far above float rounding.
    const double margin = 1e-5 * (norm + residual);
    const auto at = static_cast<std::size_t>(q);
    out.scale[at] = s;
    out.offset[at] = 128 * sum;
    out.norm_weight[at] = up(residual * (1.0 + 1e-3) + margin);
    out.residual_weight[at] = up(std::sqrt(rounded) * (1.0 + 1e-3) + margin);
  }
}

void approximate_products(const QuantizedQueries& qs, const QuantizedBase& base,
                          std::int64_t first_row, std::int64_t rows, float* out,
                          std::int64_t stride) {
  const std::int64_t padded_queries = round_up(std::max<std::int64_t>(qs.rows, 1), kKernelQueries);
  const std::int64_t end = first_row + round_up(rows, kKernelRows);
  // Rows outer: a tile's 4 KiB of panels stays in L1 across every query
  // (queries inner measured about 2x slower, bound by L2 reads).
  for (std::int64_t r = first_row; r < end; r += kKernelRows)
    for (std::int64_t q = 0; q < padded_queries; q += kKernelQueries)
      products_4x64(qs, q, base, r, out + q * stride + (r - first_row), stride);
}

void approximate_above(const QuantizedQueries& qs, const QuantizedBase& base,
                       std::int64_t first_row, std::int64_t rows, const float* threshold,
                       float* hi, float* lo, std::uint32_t* ids, std::int64_t stride,
                       int* counts) {
  const std::int64_t padded_queries = round_up(std::max<std::int64_t>(qs.rows, 1), kKernelQueries);
  if (qs.rows == 1) {  // one query: the single-query kernel, 256 rows a call
    const std::int64_t end = first_row + round_up(rows, kSingleRows);
    for (std::int64_t r = first_row; r < end; r += kSingleRows)
      above_1x256(qs, 0, base, r, first_row + rows, threshold, hi, lo, ids, stride, counts);
    return;
  }
  const std::int64_t end = first_row + round_up(rows, kKernelRows);
  for (std::int64_t r = first_row; r < end; r += kKernelRows)  // as approximate_products
    for (std::int64_t q = 0; q < padded_queries; q += kKernelQueries)
      above_4x64(qs, q, base, r, first_row + rows, threshold, hi, lo, ids, stride, counts);
}

}  // namespace invr::retrieval
