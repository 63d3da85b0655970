// Scalar reference kernels for the 32-element block formats Q8_0 and Q4_0
// (GGML layouts, llama.cpp's reference quantizers and scalar dot products).
#include <algorithm>
#include <cmath>

#include "base/half.h"
#include "kernels/reference/reference.h"
#include "tensor/dtype.h"

namespace loom::kernels::reference {

using tensor::BlockQ4_0;
using tensor::BlockQ8_0;
using tensor::kQK4_0;
using tensor::kQK8_0;

void dequantize_row_q8_0(const void* x, float* y, int64_t n) {
  const auto* blocks = static_cast<const BlockQ8_0*>(x);
  for (int64_t block = 0; block < n / kQK8_0; ++block) {
    const float d = f16_to_f32(blocks[block].d);
    for (int j = 0; j < kQK8_0; ++j) y[block * kQK8_0 + j] = blocks[block].qs[j] * d;
  }
}

// Element j sits in the low nibble of qs[j], element j+16 in its high nibble.
void dequantize_row_q4_0(const void* x, float* y, int64_t n) {
  const auto* blocks = static_cast<const BlockQ4_0*>(x);
  for (int64_t block = 0; block < n / kQK4_0; ++block) {
    const float d = f16_to_f32(blocks[block].d);
    float* out = y + block * kQK4_0;
    for (int j = 0; j < kQK4_0 / 2; ++j) {
      out[j] = ((blocks[block].qs[j] & 0x0f) - 8) * d;
      out[j + kQK4_0 / 2] = ((blocks[block].qs[j] >> 4) - 8) * d;
    }
  }
}

void quantize_row_q8_0(const float* x, void* y, int64_t n) {
  auto* blocks = static_cast<BlockQ8_0*>(y);
  for (int64_t block = 0; block < n / kQK8_0; ++block) {
    const float* in = x + block * kQK8_0;
    float amax = 0.0f;
    for (int j = 0; j < kQK8_0; ++j) amax = std::max(amax, std::fabs(in[j]));
    // llama.cpp's x86 quantize_row_q8_0 (what its CPU build runs on this
    // architecture, unlike quantize_row_q8_0_ref): multiplier 127/amax, not
    // 1/d, and round half to even, not roundf. Matching it keeps activation
    // rounding identical to the oracle's.
    const float d = amax / 127.0f;
    const float inverse = amax != 0.0f ? 127.0f / amax : 0.0f;
    blocks[block].d = f32_to_f16(d);
    for (int j = 0; j < kQK8_0; ++j) {
      blocks[block].qs[j] = static_cast<int8_t>(std::nearbyint(in[j] * inverse));
    }
  }
}

void quantize_row_q4_0(const float* x, void* y, int64_t n) {
  auto* blocks = static_cast<BlockQ4_0*>(y);
  for (int64_t block = 0; block < n / kQK4_0; ++block) {
    const float* in = x + block * kQK4_0;
    float amax = 0.0f;
    float max = 0.0f;  // the value of largest magnitude, with its sign
    for (int j = 0; j < kQK4_0; ++j) {
      if (amax < std::fabs(in[j])) {
        amax = std::fabs(in[j]);
        max = in[j];
      }
    }
    const float d = max / -8.0f;
    const float inverse = d != 0.0f ? 1.0f / d : 0.0f;
    blocks[block].d = f32_to_f16(d);
    for (int j = 0; j < kQK4_0 / 2; ++j) {
      // Truncation toward zero of x/d + 8.5 (always > 0 here) rounds x/d + 8
      // to nearest, halves up; x = max maps to 0.
      const int low = std::min(15, static_cast<int>(static_cast<int8_t>(in[j] * inverse + 8.5f)));
      const int high =
          std::min(15, static_cast<int>(static_cast<int8_t>(in[j + kQK4_0 / 2] * inverse + 8.5f)));
      blocks[block].qs[j] = static_cast<uint8_t>(low | (high << 4));
    }
  }
}

float vec_dot_q8_0_q8_0(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* w = static_cast<const BlockQ8_0*>(weight_row);
  const auto* a = static_cast<const BlockQ8_0*>(activation_row);
  float sum = 0.0f;
  for (int64_t block = 0; block < n / kQK8_0; ++block) {
    int32_t sum_int = 0;
    for (int j = 0; j < kQK8_0; ++j) sum_int += w[block].qs[j] * a[block].qs[j];
    sum += static_cast<float>(sum_int) * (f16_to_f32(w[block].d) * f16_to_f32(a[block].d));
  }
  return sum;
}

float vec_dot_q4_0_q8_0(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* w = static_cast<const BlockQ4_0*>(weight_row);
  const auto* a = static_cast<const BlockQ8_0*>(activation_row);
  float sum = 0.0f;
  for (int64_t block = 0; block < n / kQK4_0; ++block) {
    int32_t sum_int = 0;
    for (int j = 0; j < kQK4_0 / 2; ++j) {
      sum_int += ((w[block].qs[j] & 0x0f) - 8) * a[block].qs[j];
      sum_int += ((w[block].qs[j] >> 4) - 8) * a[block].qs[j + kQK4_0 / 2];
    }
    sum += static_cast<float>(sum_int) * f16_to_f32(w[block].d) * f16_to_f32(a[block].d);
  }
  return sum;
}

}  // namespace loom::kernels::reference
