// AVX-512 kernels for the K-quants: the Q8_K activation quantizer and the
// Q4_K / Q6_K dot products (maddubs for 4/6-bit x 8-bit pairs, then vpdpwssd
// to weight each 16-bit pair sum by its sub-block scale). Each super-block's
// integer sum is exact and scaled in the reference's order: identical bits.
#include <cstring>

#include "kernels/x86_avx512/avx512.h"
#include "tensor/dtype.h"

namespace loom::kernels::avx512 {

using tensor::BlockQ4_K;
using tensor::BlockQ6_K;
using tensor::BlockQ8_K;
using tensor::kQK_K;

namespace {

inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
inline __m512i load512(const void* p) { return _mm512_loadu_si512(p); }
inline __m512i concat(__m256i low, __m256i high) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(low), high, 1);
}

void unpack_q4_K_scales(const uint8_t* packed, uint8_t* scales, uint8_t* mins) {
  for (int j = 0; j < 4; ++j) {
    scales[j] = packed[j] & 63;
    mins[j] = packed[j + 4] & 63;
  }
  for (int j = 4; j < 8; ++j) {
    scales[j] = static_cast<uint8_t>((packed[j + 4] & 0x0f) | ((packed[j - 4] >> 6) << 4));
    mins[j] = static_cast<uint8_t>((packed[j + 4] >> 4) | ((packed[j] >> 6) << 4));
  }
}

}  // namespace

void quantize_row_q8_K(const float* x, void* y, int64_t n) {
  auto* blocks = static_cast<BlockQ8_K*>(y);
  for (int64_t block = 0; block < n / kQK_K; ++block) {
    const float* in = x + block * kQK_K;
    BlockQ8_K& out = blocks[block];
    __m512 amax16 = _mm512_setzero_ps();
    for (int i = 0; i < kQK_K; i += 16) amax16 = _mm512_max_ps(amax16, _mm512_abs_ps(_mm512_loadu_ps(in + i)));
    const float amax = _mm512_reduce_max_ps(amax16);
    if (amax == 0.0f) {
      std::memset(&out, 0, sizeof(out));
      continue;
    }
    // The first element of largest magnitude decides the sign, as in the reference.
    float max = 0.0f;
    for (int i = 0; i < kQK_K; i += 16) {
      const __mmask16 hits =
          _mm512_cmp_ps_mask(_mm512_abs_ps(_mm512_loadu_ps(in + i)), _mm512_set1_ps(amax), _CMP_EQ_OQ);
      if (hits != 0) {
        max = in[i + __builtin_ctz(hits)];
        break;
      }
    }
    const float inverse_scale = -127.0f / max;
    const __m512 scale = _mm512_set1_ps(inverse_scale);
    for (int group = 0; group < kQK_K / 16; ++group) {
      // cvtps rounds to nearest even, as llama.cpp's nearest_int does.
      const __m512i q =
          _mm512_min_epi32(_mm512_set1_epi32(127), _mm512_cvtps_epi32(_mm512_mul_ps(scale, _mm512_loadu_ps(in + 16 * group))));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out.qs + 16 * group), _mm512_cvtsepi32_epi8(q));
      out.bsums[group] = static_cast<int16_t>(_mm512_reduce_add_epi32(q));
    }
    out.d = 1.0f / inverse_scale;
  }
}

float vec_dot_q4_K_q8_K(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* w = static_cast<const BlockQ4_K*>(weight_row);
  const auto* a = static_cast<const BlockQ8_K*>(activation_row);
  const __m256i low_mask = _mm256_set1_epi8(0x0f);
  float sum = 0.0f;
  for (int64_t block = 0; block < n / kQK_K; ++block) {
    const BlockQ4_K& wb = w[block];
    const BlockQ8_K& ab = a[block];
    uint8_t scales[8], mins[8];
    unpack_q4_K_scales(wb.scales, scales, mins);
    int32_t min_sum = 0;
    for (int sub = 0; sub < 8; ++sub) min_sum += mins[sub] * (ab.bsums[2 * sub] + ab.bsums[2 * sub + 1]);
    __m512i acc = _mm512_setzero_si512();
    for (int chunk = 0; chunk < 4; ++chunk) {
      // 64 elements: sub-block 2*chunk (low nibbles), then 2*chunk+1 (high).
      const __m256i q4 = load256(wb.qs + 32 * chunk);
      const __m512i q = concat(_mm256_and_si256(q4, low_mask), _mm256_and_si256(_mm256_srli_epi16(q4, 4), low_mask));
      const __m512i products = _mm512_maddubs_epi16(q, load512(ab.qs + 64 * chunk));  // |.| <= 2*15*127
      const __m512i sub_scales = concat(_mm256_set1_epi16(scales[2 * chunk]), _mm256_set1_epi16(scales[2 * chunk + 1]));
      acc = _mm512_dpwssd_epi32(acc, products, sub_scales);
    }
    const float d = half_to_float(wb.d) * ab.d;
    const float dmin = half_to_float(wb.dmin) * ab.d;
    sum += d * static_cast<float>(_mm512_reduce_add_epi32(acc));
    sum -= dmin * static_cast<float>(min_sum);
  }
  return sum;
}

// Quants enter unsigned (0..63); the -32 offset comes off through bsums.
float vec_dot_q6_K_q8_K(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* w = static_cast<const BlockQ6_K*>(weight_row);
  const auto* a = static_cast<const BlockQ8_K*>(activation_row);
  const __m256i low_mask = _mm256_set1_epi8(0x0f);
  const __m256i high_mask = _mm256_set1_epi8(0x30);
  // Broadcast 16-bit scale k of a register to 128-bit lane k (groups of 16).
  const __m512i first_four = _mm512_set_epi64(0x0003000300030003, 0x0003000300030003, 0x0002000200020002,
                                              0x0002000200020002, 0x0001000100010001, 0x0001000100010001, 0, 0);
  const __m512i last_four = _mm512_add_epi16(first_four, _mm512_set1_epi16(4));
  float sum = 0.0f;
  for (int64_t block = 0; block < n / kQK_K; ++block) {
    const BlockQ6_K& wb = w[block];
    const BlockQ8_K& ab = a[block];
    int32_t offset = 0;
    for (int group = 0; group < 16; ++group) offset += wb.scales[group] * ab.bsums[group];
    __m512i acc = _mm512_setzero_si512();
    for (int half = 0; half < 2; ++half) {
      const __m256i ql0 = load256(wb.ql + 64 * half);
      const __m256i ql1 = load256(wb.ql + 64 * half + 32);
      const __m256i qh = load256(wb.qh + 32 * half);
      // Shifts are 16-bit; the masks drop the bits that cross between bytes.
      const __m256i q0 = _mm256_or_si256(_mm256_and_si256(ql0, low_mask), _mm256_and_si256(_mm256_slli_epi16(qh, 4), high_mask));
      const __m256i q1 = _mm256_or_si256(_mm256_and_si256(ql1, low_mask), _mm256_and_si256(_mm256_slli_epi16(qh, 2), high_mask));
      const __m256i q2 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low_mask), _mm256_and_si256(qh, high_mask));
      const __m256i q3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low_mask),
                                         _mm256_and_si256(_mm256_srli_epi16(qh, 2), high_mask));
      const __m128i scales8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(wb.scales + 8 * half));
      const __m512i scales16 = _mm512_castsi128_si512(_mm_cvtepi8_epi16(scales8));
      const __m512i products_low = _mm512_maddubs_epi16(concat(q0, q1), load512(ab.qs + 128 * half));
      const __m512i products_high = _mm512_maddubs_epi16(concat(q2, q3), load512(ab.qs + 128 * half + 64));
      acc = _mm512_dpwssd_epi32(acc, products_low, _mm512_permutexvar_epi16(first_four, scales16));
      acc = _mm512_dpwssd_epi32(acc, products_high, _mm512_permutexvar_epi16(last_four, scales16));
    }
    const int32_t scaled = _mm512_reduce_add_epi32(acc) - 32 * offset;
    sum += half_to_float(wb.d) * ab.d * static_cast<float>(scaled);
  }
  return sum;
}

}  // namespace loom::kernels::avx512
