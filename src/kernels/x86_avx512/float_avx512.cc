// AVX-512 kernels for the float formats and the attention helpers: 16 lanes,
// four accumulators, masked loads for the tail (no scalar remainder loop).
#include "kernels/x86_avx512/avx512.h"

#include <cstddef>
#include <cstdint>

namespace loom::kernels::avx512 {

namespace {

// Loads up to 16 elements of a float format as floats; masked-off lanes are 0.
struct F32Loader {
  const float* p;
  __m512 load(int64_t i) const { return _mm512_loadu_ps(p + i); }
  __m512 load(int64_t i, __mmask16 mask) const { return _mm512_maskz_loadu_ps(mask, p + i); }
};
struct F16Loader {
  const uint16_t* p;
  __m512 load(int64_t i) const { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i))); }
  __m512 load(int64_t i, __mmask16 mask) const { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, p + i)); }
};
struct BF16Loader {
  const uint16_t* p;
  static __m512 widen(__m256i h) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)); }
  __m512 load(int64_t i) const { return widen(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i))); }
  __m512 load(int64_t i, __mmask16 mask) const { return widen(_mm256_maskz_loadu_epi16(mask, p + i)); }
};

template <typename A, typename B>
float dot(int64_t n, A a, B b) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    acc0 = _mm512_fmadd_ps(a.load(i), b.load(i), acc0);
    acc1 = _mm512_fmadd_ps(a.load(i + 16), b.load(i + 16), acc1);
    acc2 = _mm512_fmadd_ps(a.load(i + 32), b.load(i + 32), acc2);
    acc3 = _mm512_fmadd_ps(a.load(i + 48), b.load(i + 48), acc3);
  }
  for (; i < n; i += 16) {
    const __mmask16 mask = first_lanes(n - i);
    acc0 = _mm512_fmadd_ps(a.load(i, mask), b.load(i, mask), acc0);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

// y += alpha*x as a multiply then an add (no FMA), bit-identical to the reference.
template <typename X>
void axpy(int64_t n, float alpha, X x, float* y) {
  const __m512 scale = _mm512_set1_ps(alpha);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm512_storeu_ps(y + i, _mm512_add_ps(_mm512_loadu_ps(y + i), _mm512_mul_ps(scale, x.load(i))));
  }
  if (i < n) {
    const __mmask16 mask = first_lanes(n - i);
    const __m512 sum = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, y + i), _mm512_mul_ps(scale, x.load(i, mask)));
    _mm512_mask_storeu_ps(y + i, mask, sum);
  }
}

}  // namespace

void dequantize_row_f16(const void* x, float* y, int64_t n) {
  const F16Loader in{static_cast<const uint16_t*>(x)};
  for (int64_t i = 0; i < n; i += 16) _mm512_mask_storeu_ps(y + i, first_lanes(n - i), in.load(i, first_lanes(n - i)));
}

void dequantize_row_bf16(const void* x, float* y, int64_t n) {
  const BF16Loader in{static_cast<const uint16_t*>(x)};
  for (int64_t i = 0; i < n; i += 16) _mm512_mask_storeu_ps(y + i, first_lanes(n - i), in.load(i, first_lanes(n - i)));
}

void quantize_row_f16(const float* x, void* y, int64_t n) {
  auto* half = static_cast<uint16_t*>(y);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 mask = first_lanes(n - i);
    const __m256i packed =
        _mm512_cvtps_ph(_mm512_maskz_loadu_ps(mask, x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm256_mask_storeu_epi16(half + i, mask, packed);
  }
}

// Round to nearest even on the bits, as half.h's f32_to_bf16 (vcvtneps2bf16
// would also flush subnormals, so it is not used).
void quantize_row_bf16(const float* x, void* y, int64_t n) {
  auto* half = static_cast<uint16_t*>(y);
  const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff);
  const __m512i infinity = _mm512_set1_epi32(0x7f800000);
  const __m512i bias = _mm512_set1_epi32(0x7fff);
  const __m512i one = _mm512_set1_epi32(1);
  const __m512i quiet = _mm512_set1_epi32(0x40);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 mask = first_lanes(n - i);
    const __m512i bits = _mm512_castps_si512(_mm512_maskz_loadu_ps(mask, x + i));
    const __mmask16 is_nan = _mm512_cmpgt_epi32_mask(_mm512_and_si512(bits, abs_mask), infinity);
    const __m512i lowest_kept = _mm512_and_si512(_mm512_srli_epi32(bits, 16), one);
    __m512i result = _mm512_srli_epi32(_mm512_add_epi32(bits, _mm512_add_epi32(bias, lowest_kept)), 16);
    result = _mm512_mask_or_epi32(result, is_nan, _mm512_srli_epi32(bits, 16), quiet);
    _mm256_mask_storeu_epi16(half + i, mask, _mm512_cvtepi32_epi16(result));
  }
}

float vec_dot_f32(int64_t n, const void* weight_row, const void* activation_row) {
  return dot(n, F32Loader{static_cast<const float*>(weight_row)},
             F32Loader{static_cast<const float*>(activation_row)});
}

namespace {

// F16 weights against F16 activations for a tile of rows and tokens: each
// weight vector is widened once for all tokens and each activation vector
// once for all rows. One accumulator per element, 16 lanes per step, masked
// tail: the same operations in the same order for every multi-token tile
// shape, so they all give identical bits (one-token tiles are vec_dot_f16).
template <int kRows, int kTokens>
void dot_tile_f16_fixed(const DotTile& tile) {
  const uint16_t* w[kRows];
  const uint16_t* a[kTokens];
  for (int r = 0; r < kRows; ++r) {
    w[r] = reinterpret_cast<const uint16_t*>(static_cast<const std::byte*>(tile.weights) + r * tile.weight_stride);
  }
  for (int t = 0; t < kTokens; ++t) {
    a[t] = reinterpret_cast<const uint16_t*>(static_cast<const std::byte*>(tile.activations) +
                                             t * tile.activation_stride);
  }
  __m512 acc[kRows][kTokens];
  for (int r = 0; r < kRows; ++r) {
    for (int t = 0; t < kTokens; ++t) acc[r][t] = _mm512_setzero_ps();
  }
  for (int64_t i = 0; i < tile.n; i += 16) {
    const __mmask16 mask = first_lanes(tile.n - i);
    __m512 act[kTokens];
    for (int t = 0; t < kTokens; ++t) act[t] = F16Loader{a[t]}.load(i, mask);
    for (int r = 0; r < kRows; ++r) {
      const __m512 weight = F16Loader{w[r]}.load(i, mask);
      for (int t = 0; t < kTokens; ++t) acc[r][t] = _mm512_fmadd_ps(weight, act[t], acc[r][t]);
    }
  }
  for (int t = 0; t < kTokens; ++t) {
    for (int r = 0; r < kRows; ++r) tile.y[t * tile.y_stride + r] = _mm512_reduce_add_ps(acc[r][t]);
  }
}

template <int kRows>
void dot_tile_f16_rows(const DotTile& tile) {
  switch (tile.tokens) {
    case 2: return dot_tile_f16_fixed<kRows, 2>(tile);
    case 3: return dot_tile_f16_fixed<kRows, 3>(tile);
    default: return dot_tile_f16_fixed<kRows, 4>(tile);
  }
}

}  // namespace

void dot_tile_f16(const DotTile& tile) {
  if (tile.tokens == 1) {  // decode: vec_dot's order, as the greedy-decoding references
    for (int r = 0; r < tile.rows; ++r) {
      tile.y[r] = vec_dot_f16(tile.n, static_cast<const std::byte*>(tile.weights) + r * tile.weight_stride,
                              tile.activations);
    }
    return;
  }
  switch (tile.rows) {
    case 1: return dot_tile_f16_rows<1>(tile);
    case 2: return dot_tile_f16_rows<2>(tile);
    case 3: return dot_tile_f16_rows<3>(tile);
    default: return dot_tile_f16_rows<4>(tile);
  }
}

float vec_dot_f16(int64_t n, const void* weight_row, const void* activation_row) {
  return dot(n, F16Loader{static_cast<const uint16_t*>(weight_row)},
             F16Loader{static_cast<const uint16_t*>(activation_row)});
}

float vec_dot_bf16(int64_t n, const void* weight_row, const void* activation_row) {
  return dot(n, BF16Loader{static_cast<const uint16_t*>(weight_row)},
             BF16Loader{static_cast<const uint16_t*>(activation_row)});
}

// 32 bf16 pairs per instruction. vdpbf16ps treats subnormal inputs as zero
// and rounds each pair's sum once, so it differs from the reference by the
// usual reordering error (bf16 subnormals, below 1e-38, never occur in
// weights or activations that matter).
float vec_dot_bf16_dpbf16(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* w = static_cast<const uint16_t*>(weight_row);
  const auto* a = static_cast<const uint16_t*>(activation_row);
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    acc0 = _mm512_dpbf16_ps(acc0, (__m512bh)_mm512_loadu_si512(w + i), (__m512bh)_mm512_loadu_si512(a + i));
    acc1 = _mm512_dpbf16_ps(acc1, (__m512bh)_mm512_loadu_si512(w + i + 32), (__m512bh)_mm512_loadu_si512(a + i + 32));
  }
  for (; i < n; i += 32) {
    const __mmask32 mask = static_cast<__mmask32>(n - i >= 32 ? 0xffffffffu : (1u << (n - i)) - 1);
    acc0 = _mm512_dpbf16_ps(acc0, (__m512bh)_mm512_maskz_loadu_epi16(mask, w + i),
                            (__m512bh)_mm512_maskz_loadu_epi16(mask, a + i));
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

float dot_f32(int64_t n, const float* a, const float* b) { return dot(n, F32Loader{a}, F32Loader{b}); }

float dot_f32_f16(int64_t n, const float* a, const uint16_t* b) { return dot(n, F32Loader{a}, F16Loader{b}); }

void axpy_f32(int64_t n, float alpha, const float* x, float* y) { axpy(n, alpha, F32Loader{x}, y); }

void axpy_f16(int64_t n, float alpha, const uint16_t* x, float* y) { axpy(n, alpha, F16Loader{x}, y); }

void dot_f32_f16_rows(int64_t n, const float* q, const uint16_t* rows, size_t stride, int64_t count, float scale,
                      float* scores) {
  for (int64_t j = 0; j < count; ++j) scores[j] = dot(n, F32Loader{q}, F16Loader{rows + j * stride}) * scale;
}

// y is walked in slices of 64 floats held in four registers while every row
// passes; each element still sees axpy's multiply and add, rows in order.
void axpy_f16_rows(int64_t n, const float* weights, const uint16_t* rows, size_t stride, int64_t count, float* y) {
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    __m512 y0 = _mm512_loadu_ps(y + i), y1 = _mm512_loadu_ps(y + i + 16);
    __m512 y2 = _mm512_loadu_ps(y + i + 32), y3 = _mm512_loadu_ps(y + i + 48);
    for (int64_t j = 0; j < count; ++j) {
      const F16Loader row{rows + j * stride + i};
      const __m512 w = _mm512_set1_ps(weights[j]);
      y0 = _mm512_add_ps(y0, _mm512_mul_ps(w, row.load(0)));
      y1 = _mm512_add_ps(y1, _mm512_mul_ps(w, row.load(16)));
      y2 = _mm512_add_ps(y2, _mm512_mul_ps(w, row.load(32)));
      y3 = _mm512_add_ps(y3, _mm512_mul_ps(w, row.load(48)));
    }
    _mm512_storeu_ps(y + i, y0);
    _mm512_storeu_ps(y + i + 16, y1);
    _mm512_storeu_ps(y + i + 32, y2);
    _mm512_storeu_ps(y + i + 48, y3);
  }
  if (i < n) {
    for (int64_t j = 0; j < count; ++j) axpy(n - i, weights[j], F16Loader{rows + j * stride + i}, y + i);
  }
}

void silu_mul(float* gate, const float* up, int64_t n) {
  const __m512 one = _mm512_set1_ps(1.0f);
  int64_t i = 0;
  for (; i < n; i += 16) {
    const __mmask16 mask = first_lanes(n - i);
    const __m512 g = _mm512_maskz_loadu_ps(mask, gate + i);
    const __m512 minus_g = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(g), _mm512_set1_epi32(INT32_MIN)));
    const __m512 e = exp_approx(minus_g);
    const __m512 silu = _mm512_div_ps(g, _mm512_add_ps(one, e));
    _mm512_mask_storeu_ps(gate + i, mask, _mm512_mul_ps(silu, _mm512_maskz_loadu_ps(mask, up + i)));
  }
}

}  // namespace loom::kernels::avx512
