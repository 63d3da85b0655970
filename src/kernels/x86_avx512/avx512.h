// AVX-512 (F, BW, VL, DQ, VNNI; BF16 where the CPU has it) kernels, declared
// for table_avx512.cc and the tests. Helpers are static: no AVX-512
// instruction may leak into an inline symbol shared with other code.
#pragma once

#include <immintrin.h>

#include <cstdint>

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
void dot_f32_f16_rows(int64_t n, const float* q, const uint16_t* rows, size_t stride, int64_t count, float scale,
                      float* scores);
void axpy_f16_rows(int64_t n, const float* weights, const uint16_t* rows, size_t stride, int64_t count, float* y);

void dequantize_row_q8_0(const void* x, float* y, int64_t n);
void dequantize_row_q4_0(const void* x, float* y, int64_t n);
void quantize_row_q8_0(const float* x, void* y, int64_t n);
float vec_dot_q8_0_q8_0(int64_t n, const void* weight_row, const void* activation_row);
float vec_dot_q4_0_q8_0(int64_t n, const void* weight_row, const void* activation_row);
void dot_tile_q8_0_q8_0(const DotTile& tile);
void dot_tile_q4_0_q8_0(const DotTile& tile);
void panel_tile_q8_0(const PanelTile& tile);
void panel_tile_q4_0(const PanelTile& tile);

void quantize_row_q8_K(const float* x, void* y, int64_t n);
float vec_dot_q4_K_q8_K(int64_t n, const void* weight_row, const void* activation_row);
float vec_dot_q6_K_q8_K(int64_t n, const void* weight_row, const void* activation_row);

// Mask of the first `count` (0..16) lanes.
static inline __mmask16 first_lanes(int64_t count) {
  return static_cast<__mmask16>(count >= 16 ? 0xffff : (1u << count) - 1);
}

static inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }
static inline uint16_t float_to_half(float f) {
  return static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

}  // namespace loom::kernels::avx512
