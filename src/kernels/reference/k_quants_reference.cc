// Scalar reference kernels for the 256-element K-quant super-blocks: Q4_K and
// Q6_K weights, Q8_K activations (GGML layouts; llama.cpp's reference
// quantizer and scalar dot products: integer sums per block, then one scale).
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "base/half.h"
#include "kernels/reference/reference.h"
#include "tensor/dtype.h"

namespace loom::kernels::reference {

using tensor::BlockQ4_K;
using tensor::BlockQ6_K;
using tensor::BlockQ8_K;
using tensor::kQK_K;

namespace {

// llama.cpp's nearest_int: round half to even via the 1.5*2^23 trick; exact
// for |value| < 2^22.
int nearest_int(float value) {
  const float shifted = value + 12582912.0f;
  const auto bits = std::bit_cast<int32_t>(shifted);
  return (bits & 0x007fffff) - 0x00400000;
}

// The 6-bit quant of element `index` (0..255) of a Q6_K block, unsigned
// (0..63; the value is q - 32). Each 128-element half uses 64 ql bytes and 32
// qh bytes: element l (< 32) takes the low nibble of ql[l] and qh bits 0-1;
// l+32: low nibble of ql[l+32], qh bits 2-3; l+64: high nibble of ql[l], bits
// 4-5; l+96: high nibble of ql[l+32], bits 6-7.
int q6_K_quant(const BlockQ6_K& block, int index) {
  const int half = index / 128;
  const int quarter = (index % 128) / 32;
  const int l = index % 32;
  const uint8_t* ql = block.ql + 64 * half;
  const uint8_t* qh = block.qh + 32 * half;
  const uint8_t low_byte = ql[l + 32 * (quarter & 1)];
  const int low = quarter < 2 ? (low_byte & 0x0f) : (low_byte >> 4);
  const int high = (qh[l] >> (2 * quarter)) & 3;
  return low | (high << 4);
}

}  // namespace

// Bytes 0-3: low 6 bits = scales 0-3, top 2 bits = bits 4-5 of scales 4-7.
// Bytes 4-7: low 6 bits = mins 0-3, top 2 bits = bits 4-5 of mins 4-7.
// Bytes 8-11: low nibble = bits 0-3 of scales 4-7, high nibble = of mins 4-7.
void unpack_q4_K_scale_min(const uint8_t* packed, int j, uint8_t* scale, uint8_t* min) {
  if (j < 4) {
    *scale = packed[j] & 63;
    *min = packed[j + 4] & 63;
  } else {
    *scale = static_cast<uint8_t>((packed[j + 4] & 0x0f) | ((packed[j - 4] >> 6) << 4));
    *min = static_cast<uint8_t>((packed[j + 4] >> 4) | ((packed[j] >> 6) << 4));
  }
}

// Sub-block j (32 elements) decodes to d*scale_j*q - dmin*min_j. The 128 qs
// bytes hold 4 chunks of 64 elements: chunk c's elements 0-31 in the low
// nibbles of qs[32c..32c+31], elements 32-63 in the high nibbles.
void dequantize_row_q4_K(const void* x, float* y, int64_t n) {
  const auto* blocks = static_cast<const BlockQ4_K*>(x);
  for (int64_t block = 0; block < n / kQK_K; ++block) {
    const BlockQ4_K& b = blocks[block];
    const float d = f16_to_f32(b.d);
    const float dmin = f16_to_f32(b.dmin);
    float* out = y + block * kQK_K;
    for (int chunk = 0; chunk < 4; ++chunk) {
      uint8_t scale, min;
      unpack_q4_K_scale_min(b.scales, 2 * chunk, &scale, &min);
      const float d_low = d * scale, m_low = dmin * min;
      unpack_q4_K_scale_min(b.scales, 2 * chunk + 1, &scale, &min);
      const float d_high = d * scale, m_high = dmin * min;
      const uint8_t* qs = b.qs + 32 * chunk;
      for (int l = 0; l < 32; ++l) out[64 * chunk + l] = d_low * (qs[l] & 0x0f) - m_low;
      for (int l = 0; l < 32; ++l) out[64 * chunk + 32 + l] = d_high * (qs[l] >> 4) - m_high;
    }
  }
}

// Group g of 16 elements decodes to d*scales[g]*(q - 32).
void dequantize_row_q6_K(const void* x, float* y, int64_t n) {
  const auto* blocks = static_cast<const BlockQ6_K*>(x);
  for (int64_t block = 0; block < n / kQK_K; ++block) {
    const BlockQ6_K& b = blocks[block];
    const float d = f16_to_f32(b.d);
    for (int i = 0; i < kQK_K; ++i) {
      y[block * kQK_K + i] = d * b.scales[i / 16] * (q6_K_quant(b, i) - 32);
    }
  }
}

void dequantize_row_q8_K(const void* x, float* y, int64_t n) {
  const auto* blocks = static_cast<const BlockQ8_K*>(x);
  for (int64_t block = 0; block < n / kQK_K; ++block) {
    for (int i = 0; i < kQK_K; ++i) y[block * kQK_K + i] = blocks[block].d * blocks[block].qs[i];
  }
}

void quantize_row_q8_K(const float* x, void* y, int64_t n) {
  auto* blocks = static_cast<BlockQ8_K*>(y);
  for (int64_t block = 0; block < n / kQK_K; ++block) {
    const float* in = x + block * kQK_K;
    BlockQ8_K& out = blocks[block];
    float amax = 0.0f;
    float max = 0.0f;  // first value of largest magnitude, with its sign
    for (int i = 0; i < kQK_K; ++i) {
      if (std::fabs(in[i]) > amax) {
        amax = std::fabs(in[i]);
        max = in[i];
      }
    }
    if (amax == 0.0f) {
      out.d = 0.0f;
      std::memset(out.qs, 0, sizeof(out.qs));
      std::memset(out.bsums, 0, sizeof(out.bsums));
      continue;
    }
    const float inverse_scale = -127.0f / max;
    for (int i = 0; i < kQK_K; ++i) {
      out.qs[i] = static_cast<int8_t>(std::min(127, nearest_int(inverse_scale * in[i])));
    }
    for (int group = 0; group < kQK_K / 16; ++group) {
      int sum = 0;
      for (int i = 0; i < 16; ++i) sum += out.qs[16 * group + i];
      out.bsums[group] = static_cast<int16_t>(sum);
    }
    out.d = 1.0f / inverse_scale;
  }
}

// sum = d*y.d * sum_j scale_j*(q4 . q8)_j - dmin*y.d * sum_j min_j*(sum of q8)_j
float vec_dot_q4_K_q8_K(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* w = static_cast<const BlockQ4_K*>(weight_row);
  const auto* a = static_cast<const BlockQ8_K*>(activation_row);
  float sum = 0.0f;
  for (int64_t block = 0; block < n / kQK_K; ++block) {
    const BlockQ4_K& wb = w[block];
    const BlockQ8_K& ab = a[block];
    int32_t scaled = 0;
    int32_t mins = 0;
    for (int sub = 0; sub < 8; ++sub) {
      uint8_t scale, min;
      unpack_q4_K_scale_min(wb.scales, sub, &scale, &min);
      const uint8_t* qs = wb.qs + 32 * (sub / 2);
      const int shift = 4 * (sub % 2);
      int32_t dot = 0;
      for (int l = 0; l < 32; ++l) dot += ((qs[l] >> shift) & 0x0f) * ab.qs[32 * sub + l];
      scaled += scale * dot;
      mins += min * (ab.bsums[2 * sub] + ab.bsums[2 * sub + 1]);
    }
    const float d = f16_to_f32(wb.d) * ab.d;
    const float dmin = f16_to_f32(wb.dmin) * ab.d;
    sum += d * static_cast<float>(scaled);
    sum -= dmin * static_cast<float>(mins);
  }
  return sum;
}

float vec_dot_q6_K_q8_K(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* w = static_cast<const BlockQ6_K*>(weight_row);
  const auto* a = static_cast<const BlockQ8_K*>(activation_row);
  float sum = 0.0f;
  for (int64_t block = 0; block < n / kQK_K; ++block) {
    const BlockQ6_K& wb = w[block];
    const BlockQ8_K& ab = a[block];
    int32_t scaled = 0;
    for (int group = 0; group < kQK_K / 16; ++group) {
      int32_t dot = 0;
      for (int i = 16 * group; i < 16 * group + 16; ++i) dot += (q6_K_quant(wb, i) - 32) * ab.qs[i];
      scaled += wb.scales[group] * dot;
    }
    sum += f16_to_f32(wb.d) * ab.d * static_cast<float>(scaled);
  }
  return sum;
}

}  // namespace loom::kernels::reference
