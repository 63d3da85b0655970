// The scalar reference kernels: plain C++ that defines what every SIMD kernel
// must compute. Quantizers and dot products follow llama.cpp's reference
// (ggml-quants.c) and generic scalar code, so results match llama.cpp up to
// float summation order. Signatures match the KernelTable slots.
#pragma once

#include <cstdint>

namespace loom::kernels {
struct KernelTable;
struct PanelTile;
struct AttentionTile;
}

namespace loom::kernels::reference {

// ---- float formats ----
void dequantize_row_f32(const void* x, float* y, int64_t n);
void dequantize_row_f16(const void* x, float* y, int64_t n);
void dequantize_row_bf16(const void* x, float* y, int64_t n);
void quantize_row_f32(const float* x, void* y, int64_t n);
void quantize_row_f16(const float* x, void* y, int64_t n);   // round to nearest even
void quantize_row_bf16(const float* x, void* y, int64_t n);  // round to nearest even
float vec_dot_f32(int64_t n, const void* weight_row, const void* activation_row);
float vec_dot_f16(int64_t n, const void* weight_row, const void* activation_row);
float vec_dot_bf16(int64_t n, const void* weight_row, const void* activation_row);

// ---- 32-element blocks ----
void dequantize_row_q8_0(const void* x, float* y, int64_t n);
void dequantize_row_q4_0(const void* x, float* y, int64_t n);
// llama.cpp's quantize_row_q8_0_ref: d = amax/127, q = roundf(x/d).
void quantize_row_q8_0(const float* x, void* y, int64_t n);
// llama.cpp's quantize_row_q4_0_ref: d = max/-8 (max keeps its sign),
// q = min(15, (int8)(x/d + 8.5)). Used for weights only.
void quantize_row_q4_0(const float* x, void* y, int64_t n);
float vec_dot_q8_0_q8_0(int64_t n, const void* weight_row, const void* activation_row);
float vec_dot_q4_0_q8_0(int64_t n, const void* weight_row, const void* activation_row);
// Panels of Q8_0 / Q4_0 weights (kernels/panels.h) times Q8_0 activations.
void panel_tile_q8_0(const PanelTile& tile);
void panel_tile_q4_0(const PanelTile& tile);
void panel_tile_f16(const PanelTile& tile);   // F32 activations
void panel_tile_bf16(const PanelTile& tile);  // F32 activations

// ---- 256-element super-blocks ----
void dequantize_row_q4_K(const void* x, float* y, int64_t n);
void dequantize_row_q6_K(const void* x, float* y, int64_t n);
void dequantize_row_q8_K(const void* x, float* y, int64_t n);
// llama.cpp's quantize_row_q8_K_ref: iscale = -127/max (max keeps its sign),
// q = min(127, nearest_int(iscale*x)), d = 1/iscale, bsums of 16. An all-zero
// block gets d = 0 and zero bsums (llama.cpp leaves its bsums unwritten).
void quantize_row_q8_K(const float* x, void* y, int64_t n);
float vec_dot_q4_K_q8_K(int64_t n, const void* weight_row, const void* activation_row);
float vec_dot_q6_K_q8_K(int64_t n, const void* weight_row, const void* activation_row);
// Panels of Q4_K / Q6_K weights (kernels/panels.h) times Q8_K activations.
void panel_tile_q4_K(const PanelTile& tile);
void panel_tile_q6_K(const PanelTile& tile);

// Unpacks the 6-bit scale and min of sub-block j (0..7) from a Q4_K block's
// 12 packed bytes (GGML's get_scale_min_k4).
void unpack_q4_K_scale_min(const uint8_t* packed, int j, uint8_t* scale, uint8_t* min);

// ---- attention helpers ----
float dot_f32(int64_t n, const float* a, const float* b);
float dot_f32_f16(int64_t n, const float* a, const uint16_t* b);
void axpy_f32(int64_t n, float alpha, const float* x, float* y);
void axpy_f16(int64_t n, float alpha, const uint16_t* x, float* y);
// exp_approx.h's exp, one float at a time.
float exp_approx(float x);
void silu_mul(float* gate, const float* up, int64_t n);
double exp_shifted(float* x, int64_t n, float shift);
// The prefill attention tile (attention_tile.h). Not in the scalar table: the
// scalar and AVX2 tables attend row by row; this defines the SIMD tiles' bits.
void attention_tile(const AttentionTile& tile);

// Fills every slot with the scalar kernels.
void fill_table(KernelTable& table);

}  // namespace loom::kernels::reference
