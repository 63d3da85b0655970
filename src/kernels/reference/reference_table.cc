// The scalar kernel table: every slot filled with the reference kernels. The
// SIMD tables start from a copy of it and override what they accelerate.
#include "kernels/kernels.h"
#include "kernels/reference/reference.h"

namespace loom::kernels::reference {

void fill_table(KernelTable& table) {
  table.isa = Isa::kScalar;
  const auto set = [&](DType type, auto dequantize, auto quantize, auto vec_dot) {
    table.dequantize_row[slot(type)] = dequantize;
    table.quantize_row[slot(type)] = quantize;
    table.vec_dot[slot(type)] = vec_dot;
  };
  set(DType::kF32, dequantize_row_f32, quantize_row_f32, vec_dot_f32);
  set(DType::kF16, dequantize_row_f16, quantize_row_f16, vec_dot_f16);
  set(DType::kBF16, dequantize_row_bf16, quantize_row_bf16, vec_dot_bf16);
  set(DType::kQ8_0, dequantize_row_q8_0, quantize_row_q8_0, vec_dot_q8_0_q8_0);
  // quantize_row holds activation formats only; weight quantizers are in quantize.h.
  set(DType::kQ4_0, dequantize_row_q4_0, nullptr, vec_dot_q4_0_q8_0);
  set(DType::kQ4_K, dequantize_row_q4_K, nullptr, vec_dot_q4_K_q8_K);
  set(DType::kQ6_K, dequantize_row_q6_K, nullptr, vec_dot_q6_K_q8_K);
  set(DType::kQ8_K, dequantize_row_q8_K, quantize_row_q8_K, nullptr);
  table.panel_tile[slot(DType::kQ8_0)] = panel_tile_q8_0;
  table.panel_tile[slot(DType::kQ4_0)] = panel_tile_q4_0;
  table.panel_tile[slot(DType::kF16)] = panel_tile_f16;
  table.panel_tile[slot(DType::kBF16)] = panel_tile_bf16;
  table.panel_tile[slot(DType::kQ4_K)] = panel_tile_q4_K;
  table.panel_tile[slot(DType::kQ6_K)] = panel_tile_q6_K;
  table.dot_f32 = dot_f32;
  table.dot_f32_f16 = dot_f32_f16;
  table.axpy_f32 = axpy_f32;
  table.axpy_f16 = axpy_f16;
  table.silu_mul = silu_mul;
  table.exp_shifted = exp_shifted;
}

}  // namespace loom::kernels::reference
