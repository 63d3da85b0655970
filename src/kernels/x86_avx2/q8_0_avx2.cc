// AVX2 kernels for Q8_0 and Q4_0 blocks: the activation quantizer (rounding
// exactly as llama.cpp's quantize_row_q8_0_ref) and int8 dot products with
// maddubs (unsigned |w| times sign-adjusted activations).
#include "kernels/x86_avx2/avx2.h"
#include "tensor/dtype.h"

namespace loom::kernels::avx2 {

using tensor::BlockQ4_0;
using tensor::BlockQ8_0;
using tensor::kQK8_0;

namespace {

// To nearest, halves to even: llama.cpp's x86 quantize_row_q8_0 rounding.
inline __m256i round_even(__m256 p) {
  return _mm256_cvtps_epi32(_mm256_round_ps(p, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

// Four vectors of 8 int32 (each in -127..127) -> 32 int8 in element order.
inline __m256i pack_to_int8(__m256i i0, __m256i i1, __m256i i2, __m256i i3) {
  const __m256i words = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
  return _mm256_permutevar8x32_epi32(words, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// dot of 32 signed bytes as 8 int32 partial sums.
inline __m256i dot_int8(__m256i w, __m256i a) {
  const __m256i products = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w));
  return _mm256_madd_epi16(products, _mm256_set1_epi16(1));
}

// 32 Q4_0 nibbles as signed bytes -8..7, in element order.
inline __m256i unpack_q4_0(const uint8_t* qs) {
  const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i low_mask = _mm_set1_epi8(0x0f);
  const __m128i low = _mm_and_si128(packed, low_mask);
  const __m128i high = _mm_and_si128(_mm_srli_epi16(packed, 4), low_mask);
  return _mm256_sub_epi8(_mm256_set_m128i(high, low), _mm256_set1_epi8(8));
}

inline __m256i load_bytes(const int8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

}  // namespace

void dequantize_row_q8_0(const void* x, float* y, int64_t n) {
  const auto* blocks = static_cast<const BlockQ8_0*>(x);
  for (int64_t block = 0; block < n / kQK8_0; ++block) {
    const __m256 d = _mm256_set1_ps(half_to_float(blocks[block].d));
    for (int j = 0; j < kQK8_0; j += 8) {
      const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(blocks[block].qs + j));
      const __m256 values = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(bytes));
      _mm256_storeu_ps(y + block * kQK8_0 + j, _mm256_mul_ps(values, d));
    }
  }
}

void dequantize_row_q4_0(const void* x, float* y, int64_t n) {
  const auto* blocks = static_cast<const BlockQ4_0*>(x);
  for (int64_t block = 0; block < n / kQK8_0; ++block) {
    const __m256 d = _mm256_set1_ps(half_to_float(blocks[block].d));
    alignas(32) int8_t q[32];
    _mm256_store_si256(reinterpret_cast<__m256i*>(q), unpack_q4_0(blocks[block].qs));
    for (int j = 0; j < kQK8_0; j += 8) {
      const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(q + j));
      const __m256 values = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(bytes));
      _mm256_storeu_ps(y + block * kQK8_0 + j, _mm256_mul_ps(values, d));
    }
  }
}

void quantize_row_q8_0(const float* x, void* y, int64_t n) {
  auto* blocks = static_cast<BlockQ8_0*>(y);
  const __m256 sign_mask = _mm256_set1_ps(-0.0f);
  for (int64_t block = 0; block < n / kQK8_0; ++block) {
    const float* in = x + block * kQK8_0;
    const __m256 v0 = _mm256_loadu_ps(in), v1 = _mm256_loadu_ps(in + 8);
    const __m256 v2 = _mm256_loadu_ps(in + 16), v3 = _mm256_loadu_ps(in + 24);
    __m256 amax = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign_mask, v0), _mm256_andnot_ps(sign_mask, v1)),
                                _mm256_max_ps(_mm256_andnot_ps(sign_mask, v2), _mm256_andnot_ps(sign_mask, v3)));
    __m128 max4 = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
    max4 = _mm_max_ps(max4, _mm_movehl_ps(max4, max4));
    max4 = _mm_max_ss(max4, _mm_movehdup_ps(max4));
    const float amax_scalar = _mm_cvtss_f32(max4);
    const float d = amax_scalar / 127.0f;
    const float inverse = amax_scalar != 0.0f ? 127.0f / amax_scalar : 0.0f;  // as llama.cpp's x86 path
    blocks[block].d = float_to_half(d);
    const __m256 scale = _mm256_set1_ps(inverse);
    const __m256i q = pack_to_int8(round_even(_mm256_mul_ps(v0, scale)), round_even(_mm256_mul_ps(v1, scale)),
                                   round_even(_mm256_mul_ps(v2, scale)), round_even(_mm256_mul_ps(v3, scale)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(blocks[block].qs), q);
  }
}

float vec_dot_q8_0_q8_0(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* w = static_cast<const BlockQ8_0*>(weight_row);
  const auto* a = static_cast<const BlockQ8_0*>(activation_row);
  const int64_t blocks = n / kQK8_0;
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t block = 0;
  for (; block + 2 <= blocks; block += 2) {
    const __m256i dot0 = dot_int8(load_bytes(w[block].qs), load_bytes(a[block].qs));
    const __m256i dot1 = dot_int8(load_bytes(w[block + 1].qs), load_bytes(a[block + 1].qs));
    const __m256 d0 = _mm256_set1_ps(half_to_float(w[block].d) * half_to_float(a[block].d));
    const __m256 d1 = _mm256_set1_ps(half_to_float(w[block + 1].d) * half_to_float(a[block + 1].d));
    acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot0), d0, acc0);
    acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot1), d1, acc1);
  }
  if (block < blocks) {
    const __m256i dot0 = dot_int8(load_bytes(w[block].qs), load_bytes(a[block].qs));
    const __m256 d0 = _mm256_set1_ps(half_to_float(w[block].d) * half_to_float(a[block].d));
    acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot0), d0, acc0);
  }
  return hsum(_mm256_add_ps(acc0, acc1));
}

float vec_dot_q4_0_q8_0(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* w = static_cast<const BlockQ4_0*>(weight_row);
  const auto* a = static_cast<const BlockQ8_0*>(activation_row);
  const int64_t blocks = n / kQK8_0;
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t block = 0;
  for (; block + 2 <= blocks; block += 2) {
    const __m256i dot0 = dot_int8(unpack_q4_0(w[block].qs), load_bytes(a[block].qs));
    const __m256i dot1 = dot_int8(unpack_q4_0(w[block + 1].qs), load_bytes(a[block + 1].qs));
    const __m256 d0 = _mm256_set1_ps(half_to_float(w[block].d) * half_to_float(a[block].d));
    const __m256 d1 = _mm256_set1_ps(half_to_float(w[block + 1].d) * half_to_float(a[block + 1].d));
    acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot0), d0, acc0);
    acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot1), d1, acc1);
  }
  if (block < blocks) {
    const __m256i dot0 = dot_int8(unpack_q4_0(w[block].qs), load_bytes(a[block].qs));
    const __m256 d0 = _mm256_set1_ps(half_to_float(w[block].d) * half_to_float(a[block].d));
    acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot0), d0, acc0);
  }
  return hsum(_mm256_add_ps(acc0, acc1));
}

}  // namespace loom::kernels::avx2
