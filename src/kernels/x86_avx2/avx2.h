// AVX2 (+FMA, F16C) kernels, declared for table_avx2.cc and the tests. Only
// code compiled with AVX2 flags includes this header's inline helpers: they
// are static so no AVX2 instruction can leak into a shared inline symbol.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/attention_tile.h"
#include "kernels/exp_approx.h"
#include "kernels/kernels.h"

namespace loom::kernels::avx2 {

void dequantize_row_f16(const void* x, float* y, int64_t n);
void dequantize_row_bf16(const void* x, float* y, int64_t n);
void quantize_row_f16(const float* x, void* y, int64_t n);
void quantize_row_bf16(const float* x, void* y, int64_t n);
float vec_dot_f32(int64_t n, const void* weight_row, const void* activation_row);
float vec_dot_f16(int64_t n, const void* weight_row, const void* activation_row);
float vec_dot_bf16(int64_t n, const void* weight_row, const void* activation_row);
float dot_f32(int64_t n, const float* a, const float* b);
float dot_f32_f16(int64_t n, const float* a, const uint16_t* b);
void axpy_f32(int64_t n, float alpha, const float* x, float* y);
void axpy_f16(int64_t n, float alpha, const uint16_t* x, float* y);
// Batched forms over F16 cache rows (attention_rows_avx2.cc) and the prefill
// attention tile (attention_avx2.cc).
void dot_f32_f16_rows(int64_t n, const float* q, int64_t queries, const uint16_t* rows, const uint16_t* next_rows,
                      size_t stride, int64_t count, float scale, float* scores, size_t scores_stride);
void axpy_f16_rows(int64_t n, const float* weights, size_t weights_stride, int64_t queries, const uint16_t* rows,
                   const uint16_t* next_rows, size_t stride, int64_t count, float* y);
void attention_tile(const AttentionTile& tile);

void dequantize_row_q8_0(const void* x, float* y, int64_t n);
void dequantize_row_q4_0(const void* x, float* y, int64_t n);
void quantize_row_q8_0(const float* x, void* y, int64_t n);
float vec_dot_q8_0_q8_0(int64_t n, const void* weight_row, const void* activation_row);
float vec_dot_q4_0_q8_0(int64_t n, const void* weight_row, const void* activation_row);

// Panel kernels (kernels/panels.h).
void panel_tile_q8_0(const PanelTile& tile);
void panel_tile_q4_0(const PanelTile& tile);
void panel_tile_f16(const PanelTile& tile);
void panel_tile_bf16(const PanelTile& tile);
void panel_tile_q4_K(const PanelTile& tile);  // panels_k_quants_avx2.cc
void panel_tile_q6_K(const PanelTile& tile);

void quantize_row_q8_K(const float* x, void* y, int64_t n);
float vec_dot_q4_K_q8_K(int64_t n, const void* weight_row, const void* activation_row);
float vec_dot_q6_K_q8_K(int64_t n, const void* weight_row, const void* activation_row);

// ---- helpers shared by the AVX2 (and AVX-512) translation units ----

void silu_mul(float* gate, const float* up, int64_t n);
double exp_shifted(float* x, int64_t n, float shift);

// exp_approx.h's exp for 8 floats: the scalar reference's bits per lane.
static inline __m256 exp_approx(__m256 x) {
  namespace e = kernels::exp_approx;
  const __m256 zero = _mm256_cmp_ps(x, _mm256_set1_ps(e::kLowest), _CMP_LE_OQ);
  const __m256 infinite = _mm256_cmp_ps(x, _mm256_set1_ps(e::kHighest), _CMP_GT_OQ);
  x = _mm256_min_ps(_mm256_set1_ps(e::kHighest), x);  // keeps 2^n finite; the second operand when NaN: NaN stays
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(e::kLog2e)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(e::kLn2Lo), _mm256_fnmadd_ps(n, _mm256_set1_ps(e::kLn2Hi), x));
  __m256 p = _mm256_set1_ps(e::kCoefficients[0]);
#pragma GCC unroll 8
  for (int k = 1; k < 8; ++k) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(e::kCoefficients[k]));
  const __m256i exponent = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  const __m256 result = _mm256_andnot_ps(zero, _mm256_mul_ps(p, _mm256_castsi256_ps(exponent)));
  return _mm256_blendv_ps(result, _mm256_set1_ps(__builtin_inff()), infinite);
}

static inline float hsum(__m256 v) {
  __m128 sum = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
  sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
  return _mm_cvtss_f32(sum);
}

static inline int32_t hsum_epi32(__m256i v) {
  __m128i sum = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, _MM_SHUFFLE(1, 0, 3, 2)));
  sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(sum);
}

static inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }
static inline uint16_t float_to_half(float f) {
  return static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}
static inline float bf16_to_float(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float value;
  __builtin_memcpy(&value, &bits, sizeof(value));
  return value;
}

// 8 bf16 -> 8 floats.
static inline __m256 load_bf16(const uint16_t* p) {
  const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}
static inline __m256 load_f16(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// Unpacks GGML's 12-byte Q4_K scales/mins into 8 + 8 bytes (get_scale_min_k4).
static inline void unpack_q4_K_scales(const uint8_t* packed, uint8_t* scales, uint8_t* mins) {
  for (int j = 0; j < 4; ++j) {
    scales[j] = packed[j] & 63;
    mins[j] = packed[j + 4] & 63;
  }
  for (int j = 4; j < 8; ++j) {
    scales[j] = static_cast<uint8_t>((packed[j + 4] & 0x0f) | ((packed[j - 4] >> 6) << 4));
    mins[j] = static_cast<uint8_t>((packed[j + 4] >> 4) | ((packed[j] >> 6) << 4));
  }
}

}  // namespace loom::kernels::avx2
