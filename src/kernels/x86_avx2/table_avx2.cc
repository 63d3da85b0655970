// The AVX2 kernel table: the scalar table with every accelerated slot replaced.
#include "kernels/isa_tables.h"
#include "kernels/x86_avx2/avx2.h"

namespace loom::kernels::avx2 {

void fill_table(KernelTable& table) {
  table.isa = Isa::kAvx2;
  const int f32 = static_cast<int>(DType::kF32), f16 = static_cast<int>(DType::kF16);
  const int bf16 = static_cast<int>(DType::kBF16), q8_0 = static_cast<int>(DType::kQ8_0);
  const int q4_0 = static_cast<int>(DType::kQ4_0), q4_k = static_cast<int>(DType::kQ4_K);
  const int q6_k = static_cast<int>(DType::kQ6_K), q8_k = static_cast<int>(DType::kQ8_K);
  table.vec_dot[f32] = vec_dot_f32;
  table.dequantize_row[f16] = dequantize_row_f16;
  table.quantize_row[f16] = quantize_row_f16;
  table.vec_dot[f16] = vec_dot_f16;
  table.dequantize_row[bf16] = dequantize_row_bf16;
  table.quantize_row[bf16] = quantize_row_bf16;
  table.vec_dot[bf16] = vec_dot_bf16;
  table.dequantize_row[q8_0] = dequantize_row_q8_0;
  table.quantize_row[q8_0] = quantize_row_q8_0;
  table.vec_dot[q8_0] = vec_dot_q8_0_q8_0;
  table.dequantize_row[q4_0] = dequantize_row_q4_0;
  table.vec_dot[q4_0] = vec_dot_q4_0_q8_0;
  table.panel_tile[q8_0] = panel_tile_q8_0;
  table.panel_tile[q4_0] = panel_tile_q4_0;
  table.panel_tile[f16] = panel_tile_f16;
  table.panel_tile[bf16] = panel_tile_bf16;
  table.one_token_panels[f16] = 2;
  table.one_token_panels[bf16] = 2;
  table.prefer_panels = true;
  table.quantize_row[q8_k] = quantize_row_q8_K;
  table.vec_dot[q4_k] = vec_dot_q4_K_q8_K;
  table.vec_dot[q6_k] = vec_dot_q6_K_q8_K;
  table.panel_tile[q4_k] = panel_tile_q4_K;
  table.panel_tile[q6_k] = panel_tile_q6_K;
  table.dot_f32 = dot_f32;
  table.dot_f32_f16 = dot_f32_f16;
  table.axpy_f32 = axpy_f32;
  table.axpy_f16 = axpy_f16;
  table.dot_f32_f16_rows = dot_f32_f16_rows;
  table.axpy_f16_rows = axpy_f16_rows;
  table.attention_tile = attention_tile;
  table.silu_mul = silu_mul;
  table.exp_shifted = exp_shifted;
}

}  // namespace loom::kernels::avx2
