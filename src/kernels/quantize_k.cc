// Q4_K and Q6_K weight quantizers: per sub-block least-squares fits over a
// small search of grid scales, then the sub-block scales quantized against the
// super-block scale, then every value re-rounded against its decoded scale.
// Not llama.cpp's make_qkx2_quants, but the same format and similar error.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/half.h"
#include "kernels/quantize.h"

namespace loom::kernels {

using tensor::BlockQ4_K;
using tensor::BlockQ6_K;
using tensor::kQK_K;

namespace {

int round_clamped(float value, int low, int high) {
  return std::clamp(static_cast<int>(std::lrintf(value)), low, high);
}

// x ~ scale*q - min with q in 0..15, scale >= 0, min >= 0 (GGML's Q4_K
// sub-blocks can only shift down, so the range always includes zero).
struct AffineFit {
  float scale = 0.0f;
  float min = 0.0f;
};

AffineFit fit_affine_4bit(const float* x, int n) {
  float low = 0.0f, high = x[0];
  for (int i = 0; i < n; ++i) {
    low = std::min(low, x[i]);
    high = std::max(high, x[i]);
  }
  if (high <= low) return {0.0f, -low};
  // Start from the plain grid over [low, high]; keep any better fit.
  AffineFit best{(high - low) / 15.0f, -low};
  double best_error = 0.0;
  for (int i = 0; i < n; ++i) {
    const int q = round_clamped((x[i] - low) / best.scale, 0, 15);
    const double diff = best.scale * q - best.min - x[i];
    best_error += diff * diff;
  }
  int q[kQK_K];
  for (int step = -6; step <= 12; ++step) {
    const float inverse = (15.0f + 0.25f * step) / (high - low);
    double sum_q = 0, sum_qq = 0, sum_x = 0, sum_xq = 0;
    for (int i = 0; i < n; ++i) {
      q[i] = round_clamped((x[i] - low) * inverse, 0, 15);
      sum_q += q[i];
      sum_qq += q[i] * q[i];
      sum_x += x[i];
      sum_xq += x[i] * q[i];
    }
    // Least squares x ~ a*q + b, with b <= 0 enforced.
    const double det = n * sum_qq - sum_q * sum_q;
    if (det <= 0.0) continue;
    double a = (n * sum_xq - sum_q * sum_x) / det;
    double b = (sum_qq * sum_x - sum_q * sum_xq) / det;
    if (b > 0.0) {
      b = 0.0;
      a = sum_xq / sum_qq;
    }
    if (a <= 0.0) continue;
    double error = 0.0;
    for (int i = 0; i < n; ++i) {
      const double diff = a * q[i] + b - x[i];
      error += diff * diff;
    }
    if (error < best_error) {
      best_error = error;
      best = {static_cast<float>(a), static_cast<float>(-b)};
    }
  }
  return best;
}

// x ~ scale*q with q in -32..31 (scale may be negative: the value of largest
// magnitude maps to -32, using the grid's extra negative level).
float fit_symmetric_6bit(const float* x, int n) {
  float amax = 0.0f, max = 0.0f;
  for (int i = 0; i < n; ++i) {
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  }
  if (amax == 0.0f) return 0.0f;
  float best = max / -32.0f;
  double best_error = INFINITY;
  for (int step = -10; step <= 10; ++step) {
    const float inverse = -(32.0f + 0.1f * step) / max;
    double sum_xq = 0, sum_qq = 0;
    int q[16];
    for (int i = 0; i < n; ++i) {
      q[i] = round_clamped(x[i] * inverse, -32, 31);
      sum_xq += x[i] * q[i];
      sum_qq += q[i] * q[i];
    }
    if (sum_qq == 0.0) continue;
    const double a = sum_xq / sum_qq;
    double error = 0.0;
    for (int i = 0; i < n; ++i) {
      const double diff = a * q[i] - x[i];
      error += diff * diff;
    }
    if (error < best_error) {
      best_error = error;
      best = static_cast<float>(a);
    }
  }
  return best;
}

void pack_q4_K_scales(const uint8_t* scales, const uint8_t* mins, uint8_t* packed) {
  std::memset(packed, 0, tensor::kKScaleBytes);
  for (int j = 0; j < 4; ++j) {
    packed[j] = scales[j];
    packed[j + 4] = mins[j];
  }
  for (int j = 4; j < 8; ++j) {
    packed[j + 4] = static_cast<uint8_t>((scales[j] & 0x0f) | ((mins[j] & 0x0f) << 4));
    packed[j - 4] |= static_cast<uint8_t>((scales[j] >> 4) << 6);
    packed[j] |= static_cast<uint8_t>((mins[j] >> 4) << 6);
  }
}

void quantize_block_q4_K(const float* x, BlockQ4_K& out) {
  AffineFit fits[8];
  float max_scale = 0.0f, max_min = 0.0f;
  for (int sub = 0; sub < 8; ++sub) {
    fits[sub] = fit_affine_4bit(x + 32 * sub, 32);
    max_scale = std::max(max_scale, fits[sub].scale);
    max_min = std::max(max_min, fits[sub].min);
  }
  out.d = f32_to_f16(max_scale / 63.0f);
  out.dmin = f32_to_f16(max_min / 63.0f);
  const float d = f16_to_f32(out.d), dmin = f16_to_f32(out.dmin);
  uint8_t scales[8], mins[8];
  for (int sub = 0; sub < 8; ++sub) {
    scales[sub] = static_cast<uint8_t>(d > 0.0f ? round_clamped(fits[sub].scale / d, 0, 63) : 0);
    mins[sub] = static_cast<uint8_t>(dmin > 0.0f ? round_clamped(fits[sub].min / dmin, 0, 63) : 0);
  }
  pack_q4_K_scales(scales, mins, out.scales);
  uint8_t q[kQK_K];
  for (int sub = 0; sub < 8; ++sub) {
    const float step = d * scales[sub], offset = dmin * mins[sub];
    for (int l = 0; l < 32; ++l) {
      q[32 * sub + l] =
          static_cast<uint8_t>(step > 0.0f ? round_clamped((x[32 * sub + l] + offset) / step, 0, 15) : 0);
    }
  }
  for (int chunk = 0; chunk < 4; ++chunk) {
    for (int l = 0; l < 32; ++l) {
      out.qs[32 * chunk + l] = static_cast<uint8_t>(q[64 * chunk + l] | (q[64 * chunk + 32 + l] << 4));
    }
  }
}

void quantize_block_q6_K(const float* x, BlockQ6_K& out) {
  float group_scales[16];
  float max_abs = 0.0f;
  for (int group = 0; group < 16; ++group) {
    group_scales[group] = fit_symmetric_6bit(x + 16 * group, 16);
    max_abs = std::max(max_abs, std::fabs(group_scales[group]));
  }
  out.d = f32_to_f16(max_abs / 127.0f);
  const float d = f16_to_f32(out.d);
  std::memset(out.ql, 0, sizeof(out.ql));
  std::memset(out.qh, 0, sizeof(out.qh));
  for (int group = 0; group < 16; ++group) {
    out.scales[group] = static_cast<int8_t>(d > 0.0f ? round_clamped(group_scales[group] / d, -127, 127) : 0);
  }
  for (int i = 0; i < kQK_K; ++i) {
    const float step = d * out.scales[i / 16];
    const int q = (step != 0.0f ? round_clamped(x[i] / step, -32, 31) : 0) + 32;
    // Inverse of the layout described in reference/k_quants_reference.cc.
    const int half = i / 128, quarter = (i % 128) / 32, l = i % 32;
    uint8_t& low_byte = out.ql[64 * half + l + 32 * (quarter & 1)];
    low_byte |= static_cast<uint8_t>(quarter < 2 ? (q & 0x0f) : (q & 0x0f) << 4);
    out.qh[32 * half + l] |= static_cast<uint8_t>((q >> 4) << (2 * quarter));
  }
}

}  // namespace

void quantize_row_q4_K(const float* x, void* y, int64_t n) {
  auto* blocks = static_cast<BlockQ4_K*>(y);
  for (int64_t block = 0; block < n / kQK_K; ++block) quantize_block_q4_K(x + block * kQK_K, blocks[block]);
}

void quantize_row_q6_K(const float* x, void* y, int64_t n) {
  auto* blocks = static_cast<BlockQ6_K*>(y);
  for (int64_t block = 0; block < n / kQK_K; ++block) quantize_block_q6_K(x + block * kQK_K, blocks[block]);
}

}  // namespace loom::kernels
