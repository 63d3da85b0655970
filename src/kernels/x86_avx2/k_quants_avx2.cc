// AVX2 kernels for the K-quants: the Q8_K activation quantizer and the Q4_K /
// Q6_K dot products. Each super-block's integer sum is formed exactly and then
// scaled in the reference's order, so results are bit-identical to it.
#include <cstring>

#include "kernels/x86_avx2/avx2.h"
#include "tensor/dtype.h"

namespace loom::kernels::avx2 {

using tensor::BlockQ4_K;
using tensor::BlockQ6_K;
using tensor::BlockQ8_K;
using tensor::kQK_K;

namespace {

inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// Four vectors of 8 int32 (each in -127..127) -> 32 int8 in element order.
inline __m256i pack_to_int8(__m256i i0, __m256i i1, __m256i i2, __m256i i3) {
  const __m256i words = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
  return _mm256_permutevar8x32_epi32(words, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

}  // namespace

void quantize_row_q8_K(const float* x, void* y, int64_t n) {
  auto* blocks = static_cast<BlockQ8_K*>(y);
  const __m256 sign_mask = _mm256_set1_ps(-0.0f);
  for (int64_t block = 0; block < n / kQK_K; ++block) {
    const float* in = x + block * kQK_K;
    BlockQ8_K& out = blocks[block];
    __m256 amax8 = _mm256_setzero_ps();
    for (int i = 0; i < kQK_K; i += 8) amax8 = _mm256_max_ps(amax8, _mm256_andnot_ps(sign_mask, _mm256_loadu_ps(in + i)));
    __m128 max4 = _mm_max_ps(_mm256_castps256_ps128(amax8), _mm256_extractf128_ps(amax8, 1));
    max4 = _mm_max_ps(max4, _mm_movehl_ps(max4, max4));
    max4 = _mm_max_ss(max4, _mm_movehdup_ps(max4));
    const float amax = _mm_cvtss_f32(max4);
    if (amax == 0.0f) {
      std::memset(&out, 0, sizeof(out));
      continue;
    }
    // The reference keeps the first element of largest magnitude (its sign
    // decides the sign of d).
    float max = 0.0f;
    const __m256 target = _mm256_set1_ps(amax);
    for (int i = 0; i < kQK_K; i += 8) {
      const __m256 magnitude = _mm256_andnot_ps(sign_mask, _mm256_loadu_ps(in + i));
      const int hits = _mm256_movemask_ps(_mm256_cmp_ps(magnitude, target, _CMP_EQ_OQ));
      if (hits != 0) {
        max = in[i + __builtin_ctz(static_cast<unsigned>(hits))];
        break;
      }
    }
    const float inverse_scale = -127.0f / max;
    const __m256 scale = _mm256_set1_ps(inverse_scale);
    const __m256i limit = _mm256_set1_epi32(127);
    for (int i = 0; i < kQK_K; i += 32) {
      // cvtps rounds to nearest even, as llama.cpp's nearest_int does.
      __m256i q[4];
      for (int k = 0; k < 4; ++k) {
        q[k] = _mm256_min_epi32(limit, _mm256_cvtps_epi32(_mm256_mul_ps(scale, _mm256_loadu_ps(in + i + 8 * k))));
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out.qs + i), pack_to_int8(q[0], q[1], q[2], q[3]));
      out.bsums[i / 16] = static_cast<int16_t>(hsum_epi32(_mm256_add_epi32(q[0], q[1])));
      out.bsums[i / 16 + 1] = static_cast<int16_t>(hsum_epi32(_mm256_add_epi32(q[2], q[3])));
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
    __m256i acc = _mm256_setzero_si256();
    for (int chunk = 0; chunk < 4; ++chunk) {
      const __m256i q4 = load256(wb.qs + 32 * chunk);
      const __m256i low = _mm256_and_si256(q4, low_mask);
      const __m256i high = _mm256_and_si256(_mm256_srli_epi16(q4, 4), low_mask);
      // |products| <= 2*15*127: int16 cannot saturate.
      const __m256i p_low = _mm256_maddubs_epi16(low, load256(ab.qs + 64 * chunk));
      const __m256i p_high = _mm256_maddubs_epi16(high, load256(ab.qs + 64 * chunk + 32));
      acc = _mm256_add_epi32(acc, _mm256_madd_epi16(p_low, _mm256_set1_epi16(scales[2 * chunk])));
      acc = _mm256_add_epi32(acc, _mm256_madd_epi16(p_high, _mm256_set1_epi16(scales[2 * chunk + 1])));
    }
    const float d = half_to_float(wb.d) * ab.d;
    const float dmin = half_to_float(wb.dmin) * ab.d;
    sum += d * static_cast<float>(hsum_epi32(acc));
    sum -= dmin * static_cast<float>(min_sum);
  }
  return sum;
}

// The 6-bit quants are used unsigned (0..63) with maddubs; the -32 offset is
// taken out afterwards through the activation group sums (bsums).
float vec_dot_q6_K_q8_K(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* w = static_cast<const BlockQ6_K*>(weight_row);
  const auto* a = static_cast<const BlockQ8_K*>(activation_row);
  const __m256i low_mask = _mm256_set1_epi8(0x0f);
  const __m256i high_mask = _mm256_set1_epi8(0x30);
  float sum = 0.0f;
  for (int64_t block = 0; block < n / kQK_K; ++block) {
    const BlockQ6_K& wb = w[block];
    const BlockQ8_K& ab = a[block];
    int32_t offset = 0;
    for (int group = 0; group < 16; ++group) offset += wb.scales[group] * ab.bsums[group];
    __m256i acc = _mm256_setzero_si256();
    for (int half = 0; half < 2; ++half) {
      const __m256i ql0 = load256(wb.ql + 64 * half);
      const __m256i ql1 = load256(wb.ql + 64 * half + 32);
      const __m256i qh = load256(wb.qh + 32 * half);
      // Shifts are 16-bit; the masks drop the bits that cross between bytes.
      __m256i q[4];
      q[0] = _mm256_or_si256(_mm256_and_si256(ql0, low_mask), _mm256_and_si256(_mm256_slli_epi16(qh, 4), high_mask));
      q[1] = _mm256_or_si256(_mm256_and_si256(ql1, low_mask), _mm256_and_si256(_mm256_slli_epi16(qh, 2), high_mask));
      q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low_mask), _mm256_and_si256(qh, high_mask));
      q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low_mask),
                             _mm256_and_si256(_mm256_srli_epi16(qh, 2), high_mask));
      const int8_t* scales = wb.scales + 8 * half;
      for (int k = 0; k < 4; ++k) {
        // |products| <= 2*63*127: no saturation. Lanes 0-7 are group 2k, 8-15 group 2k+1.
        const __m256i products = _mm256_maddubs_epi16(q[k], load256(ab.qs + 128 * half + 32 * k));
        const __m256i group_scales =
            _mm256_set_m128i(_mm_set1_epi16(scales[2 * k + 1]), _mm_set1_epi16(scales[2 * k]));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(products, group_scales));
      }
    }
    const int32_t scaled = hsum_epi32(acc) - 32 * offset;
    sum += half_to_float(wb.d) * ab.d * static_cast<float>(scaled);
  }
  return sum;
}

}  // namespace loom::kernels::avx2
