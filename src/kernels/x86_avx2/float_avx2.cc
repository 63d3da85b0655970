// AVX2 kernels for the float formats and the attention helpers. Dot products
// keep four 8-lane accumulators (32 elements per iteration) so the FMA latency
// is hidden; tails fall back to scalar code in the same order.
#include "kernels/x86_avx2/avx2.h"

#include <algorithm>

#include "kernels/kernels.h"

namespace loom::kernels::avx2 {

namespace {

// Loads 8 elements of either float format as floats.
struct F32Loader {
  const float* p;
  __m256 load(int64_t i) const { return _mm256_loadu_ps(p + i); }
  float scalar(int64_t i) const { return p[i]; }
};
struct F16Loader {
  const uint16_t* p;
  __m256 load(int64_t i) const { return load_f16(p + i); }
  float scalar(int64_t i) const { return half_to_float(p[i]); }
};
struct BF16Loader {
  const uint16_t* p;
  __m256 load(int64_t i) const { return load_bf16(p + i); }
  float scalar(int64_t i) const { return bf16_to_float(p[i]); }
};

template <typename A, typename B>
float dot(int64_t n, A a, B b) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm256_fmadd_ps(a.load(i), b.load(i), acc0);
    acc1 = _mm256_fmadd_ps(a.load(i + 8), b.load(i + 8), acc1);
    acc2 = _mm256_fmadd_ps(a.load(i + 16), b.load(i + 16), acc2);
    acc3 = _mm256_fmadd_ps(a.load(i + 24), b.load(i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(a.load(i), b.load(i), acc0);
  float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  for (; i < n; ++i) sum += a.scalar(i) * b.scalar(i);
  return sum;
}

// y += alpha*x as a multiply then an add (no FMA), bit-identical to the reference.
template <typename X>
void axpy(int64_t n, float alpha, X x, float* y) {
  const __m256 scale = _mm256_set1_ps(alpha);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 p0 = _mm256_mul_ps(scale, x.load(i));
    const __m256 p1 = _mm256_mul_ps(scale, x.load(i + 8));
    _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(y + i), p0));
    _mm256_storeu_ps(y + i + 8, _mm256_add_ps(_mm256_loadu_ps(y + i + 8), p1));
  }
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(y + i), _mm256_mul_ps(scale, x.load(i))));
  }
  for (; i < n; ++i) {
    const float product = alpha * x.scalar(i);
    y[i] += product;
  }
}

}  // namespace

void dequantize_row_f16(const void* x, float* y, int64_t n) {
  const auto* half = static_cast<const uint16_t*>(x);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, load_f16(half + i));
  for (; i < n; ++i) y[i] = half_to_float(half[i]);
}

void dequantize_row_bf16(const void* x, float* y, int64_t n) {
  const auto* half = static_cast<const uint16_t*>(x);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, load_bf16(half + i));
  for (; i < n; ++i) y[i] = bf16_to_float(half[i]);
}

void quantize_row_f16(const float* x, void* y, int64_t n) {
  auto* half = static_cast<uint16_t*>(y);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i packed = _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(half + i), packed);
  }
  for (; i < n; ++i) half[i] = float_to_half(x[i]);
}

// Round to nearest even on the bits (as half.h's f32_to_bf16): add 0x7fff plus
// the lowest kept bit, keep the top 16; NaN keeps its top bits and turns quiet.
void quantize_row_bf16(const float* x, void* y, int64_t n) {
  auto* half = static_cast<uint16_t*>(y);
  const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff);
  const __m256i infinity = _mm256_set1_epi32(0x7f800000);
  const __m256i bias = _mm256_set1_epi32(0x7fff);
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i quiet = _mm256_set1_epi32(0x40);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i bits = _mm256_castps_si256(_mm256_loadu_ps(x + i));
    const __m256i is_nan = _mm256_cmpgt_epi32(_mm256_and_si256(bits, abs_mask), infinity);
    const __m256i lowest_kept = _mm256_and_si256(_mm256_srli_epi32(bits, 16), one);
    const __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(bits, _mm256_add_epi32(bias, lowest_kept)), 16);
    const __m256i nan = _mm256_or_si256(_mm256_srli_epi32(bits, 16), quiet);
    const __m256i result = _mm256_blendv_epi8(rounded, nan, is_nan);
    // Values are < 2^16, so the saturating pack is exact; it interleaves lanes.
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(result, result), 0x08);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(half + i), _mm256_castsi256_si128(packed));
  }
  for (; i < n; ++i) {
    uint32_t bits;
    __builtin_memcpy(&bits, x + i, sizeof(bits));
    if ((bits & 0x7fffffff) > 0x7f800000u) {
      half[i] = static_cast<uint16_t>((bits >> 16) | 0x40);
    } else {
      half[i] = static_cast<uint16_t>((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
    }
  }
}

float vec_dot_f32(int64_t n, const void* weight_row, const void* activation_row) {
  return dot(n, F32Loader{static_cast<const float*>(weight_row)},
             F32Loader{static_cast<const float*>(activation_row)});
}

float vec_dot_f16(int64_t n, const void* weight_row, const void* activation_row) {
  return dot(n, F16Loader{static_cast<const uint16_t*>(weight_row)},
             F16Loader{static_cast<const uint16_t*>(activation_row)});
}

float vec_dot_bf16(int64_t n, const void* weight_row, const void* activation_row) {
  return dot(n, BF16Loader{static_cast<const uint16_t*>(weight_row)},
             BF16Loader{static_cast<const uint16_t*>(activation_row)});
}

float dot_f32(int64_t n, const float* a, const float* b) { return dot(n, F32Loader{a}, F32Loader{b}); }

float dot_f32_f16(int64_t n, const float* a, const uint16_t* b) { return dot(n, F32Loader{a}, F16Loader{b}); }

void axpy_f32(int64_t n, float alpha, const float* x, float* y) { axpy(n, alpha, F32Loader{x}, y); }

void axpy_f16(int64_t n, float alpha, const uint16_t* x, float* y) { axpy(n, alpha, F16Loader{x}, y); }

namespace {
__m256 silu_mul8(__m256 g, __m256 up) {
  const __m256 minus_g = _mm256_xor_ps(g, _mm256_set1_ps(-0.0f));
  return _mm256_mul_ps(_mm256_div_ps(g, _mm256_add_ps(_mm256_set1_ps(1.0f), exp_approx(minus_g))), up);
}
}  // namespace

void silu_mul(float* gate, const float* up, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(gate + i, silu_mul8(_mm256_loadu_ps(gate + i), _mm256_loadu_ps(up + i)));
  if (i < n) {  // the tail through an 8-float buffer, zeros in the unused lanes
    float g[8] = {}, u[8] = {};
    std::copy(gate + i, gate + n, g);
    std::copy(up + i, up + n, u);
    _mm256_storeu_ps(g, silu_mul8(_mm256_loadu_ps(g), _mm256_loadu_ps(u)));
    std::copy(g, g + (n - i), gate + i);
  }
}

double exp_shifted(float* x, int64_t n, float shift) {
  static_assert(kExpSumLanes == 16, "two vectors of exponentials feed the 16 lane sums");
  const __m256 shift_v = _mm256_set1_ps(shift);
  __m256d sums[4] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
  for (int64_t i = 0; i < n; i += 8) {
    alignas(32) float lanes[8] = {};  // the tail through an 8-float buffer
    const int64_t count = std::min<int64_t>(8, n - i);
    std::copy(x + i, x + i + count, lanes);
    _mm256_store_ps(lanes, exp_approx(_mm256_sub_ps(_mm256_load_ps(lanes), shift_v)));
    std::fill(lanes + count, lanes + 8, 0.0f);  // unused lanes add +0.0, which leaves their sums as they are
    std::copy(lanes, lanes + count, x + i);
    const __m256 e = _mm256_load_ps(lanes);
    __m256d* half = sums + (i / 8 % 2) * 2;  // lanes 0-7 or 8-15
    half[0] = _mm256_add_pd(half[0], _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
    half[1] = _mm256_add_pd(half[1], _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
  }
  alignas(32) double lanes[kExpSumLanes];
  for (int part = 0; part < 4; ++part) _mm256_store_pd(lanes + 4 * part, sums[part]);
  double sum = 0.0;
  for (double lane : lanes) sum += lane;
  return sum;
}

}  // namespace loom::kernels::avx2
