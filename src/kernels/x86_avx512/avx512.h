// AVX-512 (F, BW, VL, DQ, VNNI; BF16 where the CPU has it) kernels, declared
// for table_avx512.cc and the tests. Helpers are static: no AVX-512
// instruction may leak into an inline symbol shared with other code.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/exp_approx.h"
#include "kernels/kernels.h"

namespace loom::kernels::avx512 {

void dequantize_row_f16(const void* x, float* y, int64_t n);
void dequantize_row_bf16(const void* x, float* y, int64_t n);
void quantize_row_f16(const float* x, void* y, int64_t n);
void quantize_row_bf16(const float* x, void* y, int64_t n);
float vec_dot_f32(int64_t n, const void* weight_row, const void* activation_row);
float vec_dot_f16(int64_t n, const void* weight_row, const void* activation_row);
void dot_tile_f16(const DotTile& tile);
float vec_dot_bf16(int64_t n, const void* weight_row, const void* activation_row);
// vdpbf16ps; only for CPUs with AVX512_BF16.
float vec_dot_bf16_dpbf16(int64_t n, const void* weight_row, const void* activation_row);
float dot_f32(int64_t n, const float* a, const float* b);
float dot_f32_f16(int64_t n, const float* a, const uint16_t* b);
void axpy_f32(int64_t n, float alpha, const float* x, float* y);
void axpy_f16(int64_t n, float alpha, const uint16_t* x, float* y);
void dot_f32_f16_rows(int64_t n, const float* q, int64_t queries, const uint16_t* rows, const uint16_t* next_rows,
                      size_t stride, int64_t count, float scale, float* scores, size_t scores_stride);
void axpy_f16_rows(int64_t n, const float* weights, size_t weights_stride, int64_t queries, const uint16_t* rows,
                   const uint16_t* next_rows, size_t stride, int64_t count, float* y);
void attention_tile(const AttentionTile& tile);
void silu_mul(float* gate, const float* up, int64_t n);
double exp_shifted(float* x, int64_t n, float shift);

void dequantize_row_q8_0(const void* x, float* y, int64_t n);
void dequantize_row_q4_0(const void* x, float* y, int64_t n);
void quantize_row_q8_0(const float* x, void* y, int64_t n);
float vec_dot_q8_0_q8_0(int64_t n, const void* weight_row, const void* activation_row);
float vec_dot_q4_0_q8_0(int64_t n, const void* weight_row, const void* activation_row);
void dot_tile_q8_0_q8_0(const DotTile& tile);
void dot_tile_q4_0_q8_0(const DotTile& tile);
void panel_tile_q8_0(const PanelTile& tile);
void panel_tile_q4_0(const PanelTile& tile);
void panel_tile_f16(const PanelTile& tile);

void quantize_row_q8_K(const float* x, void* y, int64_t n);
float vec_dot_q4_K_q8_K(int64_t n, const void* weight_row, const void* activation_row);
float vec_dot_q6_K_q8_K(int64_t n, const void* weight_row, const void* activation_row);

// Mask of the first `count` (0..16) lanes.
static inline __mmask16 first_lanes(int64_t count) {
  return static_cast<__mmask16>(count >= 16 ? 0xffff : (1u << count) - 1);
}

// exp_approx.h's exp for 16 floats: the scalar reference's bits per lane.
static inline __m512 exp_approx(__m512 x) {
  namespace e = kernels::exp_approx;
  const __mmask16 zero = _mm512_cmp_ps_mask(x, _mm512_set1_ps(e::kLowest), _CMP_LE_OQ);
  const __mmask16 infinite = _mm512_cmp_ps_mask(x, _mm512_set1_ps(e::kHighest), _CMP_GT_OQ);
  x = _mm512_min_ps(_mm512_set1_ps(e::kHighest), x);  // keeps 2^n finite; the second operand when NaN: NaN stays
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(e::kLog2e)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(e::kLn2Lo), _mm512_fnmadd_ps(n, _mm512_set1_ps(e::kLn2Hi), x));
  __m512 p = _mm512_set1_ps(e::kCoefficients[0]);
#pragma GCC unroll 8
  for (int k = 1; k < 8; ++k) p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(e::kCoefficients[k]));
  const __m512i exponent = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
  const __m512 result = _mm512_mask_mov_ps(_mm512_mul_ps(p, _mm512_castsi512_ps(exponent)), zero, _mm512_setzero_ps());
  return _mm512_mask_mov_ps(result, infinite, _mm512_set1_ps(__builtin_inff()));
}

static inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }
static inline uint16_t float_to_half(float f) {
  return static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

}  // namespace loom::kernels::avx512
