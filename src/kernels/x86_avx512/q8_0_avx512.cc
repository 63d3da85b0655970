// AVX-512 kernels for Q8_0 and Q4_0 blocks: the activation quantizer (rounding
// exactly as llama.cpp's quantize_row_q8_0_ref) and VNNI dot products, two
// 32-element blocks per 512-bit register. vpdpbusd multiplies unsigned by
// signed bytes; see dot_tile_fixed for how each format enters it. The tile
// kernels serve the matmul (several rows and tokens per call).
#include "kernels/x86_avx512/avx512.h"
#include "kernels/kernels.h"
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

namespace {

// The dot products of a tile of Q8_0 or Q4_0 weight rows with Q8_0 activation
// rows, two blocks per 512-bit step (an odd last block enters with its upper
// half zero, which adds exact zeros). Each element keeps one accumulator and
// sees the same operations in the same order whatever the tile's shape, so
// vec_dot (a 1x1 tile) and every larger tile give identical bits.
//
// vpdpbusd multiplies unsigned by signed bytes. Q8_0: the activations enter as
// a + 128 (unsigned) and 128 * sum(w) is taken off, once per weight row and
// step. Q4_0: the nibbles enter unsigned and 8 * sum(a) is taken off, once per
// activation row and step. Both give the exact integer block sums.
enum class WeightFormat { kQ8_0, kQ4_0 };

template <WeightFormat kFormat, int kRows, int kTokens>
void dot_tile_fixed(const DotTile& tile) {
  const int64_t blocks = tile.n / kQK8_0;
  const auto* weight_base = static_cast<const std::byte*>(tile.weights);
  const auto* activation_base = static_cast<const std::byte*>(tile.activations);
  const BlockQ8_0* a[kTokens];
  for (int t = 0; t < kTokens; ++t) {
    a[t] = reinterpret_cast<const BlockQ8_0*>(activation_base + t * tile.activation_stride);
  }
  const void* w[kRows];
  for (int r = 0; r < kRows; ++r) w[r] = weight_base + r * tile.weight_stride;
  const __m512i sign_flip = _mm512_set1_epi8(static_cast<char>(0x80));
  const __m512i eights = _mm512_set1_epi8(8);
  __m512 acc[kRows][kTokens];
  for (int r = 0; r < kRows; ++r) {
    for (int t = 0; t < kTokens; ++t) acc[r][t] = _mm512_setzero_ps();
  }
  for (int64_t block = 0; block < blocks; block += 2) {
    const bool pair = block + 1 < blocks;
    // Activations: bytes (signed, or +128 for Q8_0 weights), the Q4_0 offset, scales.
    __m512i act[kTokens], act_offset[kTokens];
    __m512 act_scale[kTokens];
    for (int t = 0; t < kTokens; ++t) {
      const BlockQ8_0* ab = a[t] + block;
      const __m512i bytes = pair ? load_pair(ab[0].qs, ab[1].qs) : _mm512_castsi256_si512(load256(ab[0].qs));
      const __m512i upper_zero = pair ? bytes : _mm512_zextsi256_si512(_mm512_castsi512_si256(bytes));
      if constexpr (kFormat == WeightFormat::kQ8_0) {
        act[t] = _mm512_xor_si512(upper_zero, sign_flip);
      } else {
        act[t] = upper_zero;
        act_offset[t] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), eights, upper_zero);
      }
      act_scale[t] = pair_scales(half_to_float(ab[0].d), pair ? half_to_float(ab[1].d) : 0.0f);
    }
    for (int r = 0; r < kRows; ++r) {
      __m512i weights, weight_offset;
      float d0, d1;
      if constexpr (kFormat == WeightFormat::kQ8_0) {
        const BlockQ8_0* wb = static_cast<const BlockQ8_0*>(w[r]) + block;
        weights = pair ? load_pair(wb[0].qs, wb[1].qs) : _mm512_zextsi256_si512(load256(wb[0].qs));
        weight_offset = _mm512_dpbusd_epi32(_mm512_setzero_si512(), sign_flip, weights);
        d0 = half_to_float(wb[0].d);
        d1 = pair ? half_to_float(wb[1].d) : 0.0f;
      } else {
        const BlockQ4_0* wb = static_cast<const BlockQ4_0*>(w[r]) + block;
        const __m256i low = unpack_q4_0(wb[0].qs);
        weights = pair ? _mm512_inserti64x4(_mm512_castsi256_si512(low), unpack_q4_0(wb[1].qs), 1)
                       : _mm512_zextsi256_si512(low);
        d0 = half_to_float(wb[0].d);
        d1 = pair ? half_to_float(wb[1].d) : 0.0f;
      }
      const __m512 weight_scale = pair_scales(d0, d1);
      for (int t = 0; t < kTokens; ++t) {
        __m512i dot;
        if constexpr (kFormat == WeightFormat::kQ8_0) {
          dot = _mm512_sub_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), act[t], weights), weight_offset);
        } else {
          dot = _mm512_sub_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), weights, act[t]), act_offset[t]);
        }
        const __m512 d = _mm512_mul_ps(weight_scale, act_scale[t]);  // d_w * d_a per block, as the reference
        acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), d, acc[r][t]);
      }
    }
  }
  for (int t = 0; t < kTokens; ++t) {
    for (int r = 0; r < kRows; ++r) tile.y[t * tile.y_stride + r] = _mm512_reduce_add_ps(acc[r][t]);
  }
}

template <WeightFormat kFormat, int kRows>
void dot_tile_rows(const DotTile& tile) {
  switch (tile.tokens) {
    case 2: return dot_tile_fixed<kFormat, kRows, 2>(tile);
    case 3: return dot_tile_fixed<kFormat, kRows, 3>(tile);
    default: return dot_tile_fixed<kFormat, kRows, 4>(tile);
  }
}

template <WeightFormat kFormat>
void dot_tile(const DotTile& tile) {
  switch (tile.rows) {
    case 1: return dot_tile_rows<kFormat, 1>(tile);
    case 2: return dot_tile_rows<kFormat, 2>(tile);
    case 3: return dot_tile_rows<kFormat, 3>(tile);
    default: return dot_tile_rows<kFormat, 4>(tile);
  }
}

}  // namespace

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

namespace {

// One token (decode, memory-bound): each element is vec_dot, so decode keeps
// the summation order that the greedy-decoding references were made with.
template <float (*kVecDot)(int64_t, const void*, const void*)>
void dot_rows(const DotTile& tile) {
  for (int r = 0; r < tile.rows; ++r) {
    tile.y[r] = kVecDot(tile.n, static_cast<const std::byte*>(tile.weights) + r * tile.weight_stride, tile.activations);
  }
}

}  // namespace

void dot_tile_q8_0_q8_0(const DotTile& tile) {
  if (tile.tokens == 1) return dot_rows<vec_dot_q8_0_q8_0>(tile);
  dot_tile<WeightFormat::kQ8_0>(tile);
}

// One token: vec_dot per row. A four-row variant that shared the activation
// loads, offsets and scales between rows (same operations and order) decoded
// 2.5x slower on the Qwen3-0.6B Q4_0 file (20 against 50 tok/s, 2 threads):
// why was not profiled (per-row scale assembly and register pressure are the
// suspects).
void dot_tile_q4_0_q8_0(const DotTile& tile) {
  if (tile.tokens == 1) return dot_rows<vec_dot_q4_0_q8_0>(tile);
  dot_tile<WeightFormat::kQ4_0>(tile);
}

}  // namespace loom::kernels::avx512
