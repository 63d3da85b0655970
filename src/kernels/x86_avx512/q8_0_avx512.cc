// AVX-512 kernels for Q8_0 and Q4_0 blocks: the activation quantizer (rounding
// exactly as llama.cpp's quantize_row_q8_0_ref) and VNNI dot products, two
// 32-element blocks per 512-bit register. vpdpbusd multiplies unsigned by
// signed bytes, so Q8_0 weights enter as |w| with the sign moved onto the
// activations, and Q4_0 nibbles enter unsigned with 8*sum(a) taken off.
#include "kernels/x86_avx512/avx512.h"
#include "tensor/dtype.h"

namespace loom::kernels::avx512 {

using tensor::BlockQ4_0;
using tensor::BlockQ8_0;
using tensor::kQK8_0;

namespace {

// To nearest, halves to even: llama.cpp's x86 quantize_row_q8_0 rounding.
inline __m512i round_even(__m512 p) { return _mm512_cvt_roundps_epi32(p, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }

inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
inline __m512i load_pair(const void* low, const void* high) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(load256(low)), load256(high), 1);
}

// 32 Q4_0 nibbles as unsigned bytes 0..15 in element order.
inline __m256i unpack_q4_0(const uint8_t* qs) {
  const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i low_mask = _mm_set1_epi8(0x0f);
  return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(packed, 4), low_mask), _mm_and_si128(packed, low_mask));
}

// Per-lane scales: block `first` in lanes 0-7, block `first + 1` in lanes 8-15.
inline __m512 pair_scales(float low, float high) {
  return _mm512_insertf32x8(_mm512_set1_ps(low), _mm256_set1_ps(high), 1);
}

// Signed-by-signed byte dot of two blocks at once: 16 int32 partial sums.
inline __m512i dot_int8_pair(__m512i w, __m512i a) {
  const __mmask64 negative = _mm512_movepi8_mask(w);
  const __m512i signed_a = _mm512_mask_sub_epi8(a, negative, _mm512_setzero_si512(), a);
  return _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_abs_epi8(w), signed_a);
}

inline __m256i dot_int8(__m256i w, __m256i a) {
  return _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w));
}

}  // namespace

void dequantize_row_q8_0(const void* x, float* y, int64_t n) {
  const auto* blocks = static_cast<const BlockQ8_0*>(x);
  for (int64_t block = 0; block < n / kQK8_0; ++block) {
    const __m512 d = _mm512_set1_ps(half_to_float(blocks[block].d));
    for (int j = 0; j < kQK8_0; j += 16) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blocks[block].qs + j));
      _mm512_storeu_ps(y + block * kQK8_0 + j, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(bytes)), d));
    }
  }
}

void dequantize_row_q4_0(const void* x, float* y, int64_t n) {
  const auto* blocks = static_cast<const BlockQ4_0*>(x);
  for (int64_t block = 0; block < n / kQK8_0; ++block) {
    const __m512 d = _mm512_set1_ps(half_to_float(blocks[block].d));
    const __m256i q = _mm256_sub_epi8(unpack_q4_0(blocks[block].qs), _mm256_set1_epi8(8));
    const __m512 low = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm256_castsi256_si128(q)));
    const __m512 high = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm256_extracti128_si256(q, 1)));
    _mm512_storeu_ps(y + block * kQK8_0, _mm512_mul_ps(low, d));
    _mm512_storeu_ps(y + block * kQK8_0 + 16, _mm512_mul_ps(high, d));
  }
}

void quantize_row_q8_0(const float* x, void* y, int64_t n) {
  auto* blocks = static_cast<BlockQ8_0*>(y);
  for (int64_t block = 0; block < n / kQK8_0; ++block) {
    const __m512 v0 = _mm512_loadu_ps(x + block * kQK8_0);
    const __m512 v1 = _mm512_loadu_ps(x + block * kQK8_0 + 16);
    const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
    const float d = amax / 127.0f;
    const float inverse = amax != 0.0f ? 127.0f / amax : 0.0f;  // as llama.cpp's x86 path
    blocks[block].d = float_to_half(d);
    const __m512 scale = _mm512_set1_ps(inverse);
    // Values are within -127..127, so the saturating narrowing is exact.
    _mm_storeu_si128(reinterpret_cast<__m128i*>(blocks[block].qs),
                     _mm512_cvtsepi32_epi8(round_even(_mm512_mul_ps(v0, scale))));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(blocks[block].qs + 16),
                     _mm512_cvtsepi32_epi8(round_even(_mm512_mul_ps(v1, scale))));
  }
}

float vec_dot_q8_0_q8_0(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* w = static_cast<const BlockQ8_0*>(weight_row);
  const auto* a = static_cast<const BlockQ8_0*>(activation_row);
  const int64_t blocks = n / kQK8_0;
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  int64_t block = 0;
  for (; block + 4 <= blocks; block += 4) {
    const __m512i dot0 = dot_int8_pair(load_pair(w[block].qs, w[block + 1].qs), load_pair(a[block].qs, a[block + 1].qs));
    const __m512i dot1 =
        dot_int8_pair(load_pair(w[block + 2].qs, w[block + 3].qs), load_pair(a[block + 2].qs, a[block + 3].qs));
    const __m512 d0 = pair_scales(half_to_float(w[block].d) * half_to_float(a[block].d),
                                  half_to_float(w[block + 1].d) * half_to_float(a[block + 1].d));
    const __m512 d1 = pair_scales(half_to_float(w[block + 2].d) * half_to_float(a[block + 2].d),
                                  half_to_float(w[block + 3].d) * half_to_float(a[block + 3].d));
    acc0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot0), d0, acc0);
    acc1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot1), d1, acc1);
  }
  __m256 tail = _mm256_setzero_ps();
  for (; block < blocks; ++block) {
    const __m256i dot = dot_int8(load256(w[block].qs), load256(a[block].qs));
    const __m256 d = _mm256_set1_ps(half_to_float(w[block].d) * half_to_float(a[block].d));
    tail = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), d, tail);
  }
  const __m512 sum = _mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_zextps256_ps512(tail));
  return _mm512_reduce_add_ps(sum);
}

float vec_dot_q4_0_q8_0(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* w = static_cast<const BlockQ4_0*>(weight_row);
  const auto* a = static_cast<const BlockQ8_0*>(activation_row);
  const int64_t blocks = n / kQK8_0;
  const __m512i eights = _mm512_set1_epi8(8);
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  int64_t block = 0;
  const auto pair_dot = [&](int64_t first) {
    const __m512i q = _mm512_inserti64x4(_mm512_castsi256_si512(unpack_q4_0(w[first].qs)), unpack_q4_0(w[first + 1].qs), 1);
    const __m512i act = load_pair(a[first].qs, a[first + 1].qs);
    const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), q, act);
    const __m512i offset = _mm512_dpbusd_epi32(_mm512_setzero_si512(), eights, act);
    const __m512 d = pair_scales(half_to_float(w[first].d) * half_to_float(a[first].d),
                                 half_to_float(w[first + 1].d) * half_to_float(a[first + 1].d));
    return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(dot, offset)), d);
  };
  for (; block + 4 <= blocks; block += 4) {
    acc0 = _mm512_add_ps(acc0, pair_dot(block));
    acc1 = _mm512_add_ps(acc1, pair_dot(block + 2));
  }
  for (; block + 2 <= blocks; block += 2) acc0 = _mm512_add_ps(acc0, pair_dot(block));
  float sum = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
  if (block < blocks) {
    const __m256i q = _mm256_sub_epi8(unpack_q4_0(w[block].qs), _mm256_set1_epi8(8));
    const __m256i dot = dot_int8(q, load256(a[block].qs));
    const __m256 d = _mm256_set1_ps(half_to_float(w[block].d) * half_to_float(a[block].d));
    const __m256 partial = _mm256_mul_ps(_mm256_cvtepi32_ps(dot), d);
    sum += _mm512_reduce_add_ps(_mm512_zextps256_ps512(partial));
  }
  return sum;
}

}  // namespace loom::kernels::avx512
