// AVX-512 kernels for the float formats and the attention helpers: 16 lanes,
// four accumulators, masked loads for the tail (no scalar remainder loop).
#include "kernels/x86_avx512/avx512.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "kernels/kernels.h"
#include "kernels/query_passes.h"

namespace loom::kernels::avx512 {

namespace {

// Loads up to 16 elements of a float format as floats; masked-off lanes are 0.
struct F32Loader {
  const float* p;
  __m512 load(int64_t i) const { return _mm512_loadu_ps(p + i); }
  __m512 load(int64_t i, __mmask16 mask) const { return _mm512_maskz_loadu_ps(mask, p + i); }
};
struct F16Loader {
  const uint16_t* p;
  __m512 load(int64_t i) const { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i))); }
  __m512 load(int64_t i, __mmask16 mask) const { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, p + i)); }
};
struct BF16Loader {
  const uint16_t* p;
  static __m512 widen(__m256i h) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)); }
  __m512 load(int64_t i) const { return widen(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i))); }
  __m512 load(int64_t i, __mmask16 mask) const { return widen(_mm256_maskz_loadu_epi16(mask, p + i)); }
};

template <typename A, typename B>
float dot(int64_t n, A a, B b) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    acc0 = _mm512_fmadd_ps(a.load(i), b.load(i), acc0);
    acc1 = _mm512_fmadd_ps(a.load(i + 16), b.load(i + 16), acc1);
    acc2 = _mm512_fmadd_ps(a.load(i + 32), b.load(i + 32), acc2);
    acc3 = _mm512_fmadd_ps(a.load(i + 48), b.load(i + 48), acc3);
  }
  for (; i < n; i += 16) {
    const __mmask16 mask = first_lanes(n - i);
    acc0 = _mm512_fmadd_ps(a.load(i, mask), b.load(i, mask), acc0);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

// y += alpha*x as a multiply then an add (no FMA), bit-identical to the reference.
template <typename X>
void axpy(int64_t n, float alpha, X x, float* y) {
  const __m512 scale = _mm512_set1_ps(alpha);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm512_storeu_ps(y + i, _mm512_add_ps(_mm512_loadu_ps(y + i), _mm512_mul_ps(scale, x.load(i))));
  }
  if (i < n) {
    const __mmask16 mask = first_lanes(n - i);
    const __m512 sum = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, y + i), _mm512_mul_ps(scale, x.load(i, mask)));
    _mm512_mask_storeu_ps(y + i, mask, sum);
  }
}

}  // namespace

void dequantize_row_f16(const void* x, float* y, int64_t n) {
  const F16Loader in{static_cast<const uint16_t*>(x)};
  for (int64_t i = 0; i < n; i += 16) _mm512_mask_storeu_ps(y + i, first_lanes(n - i), in.load(i, first_lanes(n - i)));
}

void dequantize_row_bf16(const void* x, float* y, int64_t n) {
  const BF16Loader in{static_cast<const uint16_t*>(x)};
  for (int64_t i = 0; i < n; i += 16) _mm512_mask_storeu_ps(y + i, first_lanes(n - i), in.load(i, first_lanes(n - i)));
}

void quantize_row_f16(const float* x, void* y, int64_t n) {
  auto* half = static_cast<uint16_t*>(y);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 mask = first_lanes(n - i);
    const __m256i packed =
        _mm512_cvtps_ph(_mm512_maskz_loadu_ps(mask, x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm256_mask_storeu_epi16(half + i, mask, packed);
  }
}

// Round to nearest even on the bits, as half.h's f32_to_bf16 (vcvtneps2bf16
// would also flush subnormals, so it is not used).
void quantize_row_bf16(const float* x, void* y, int64_t n) {
  auto* half = static_cast<uint16_t*>(y);
  const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff);
  const __m512i infinity = _mm512_set1_epi32(0x7f800000);
  const __m512i bias = _mm512_set1_epi32(0x7fff);
  const __m512i one = _mm512_set1_epi32(1);
  const __m512i quiet = _mm512_set1_epi32(0x40);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 mask = first_lanes(n - i);
    const __m512i bits = _mm512_castps_si512(_mm512_maskz_loadu_ps(mask, x + i));
    const __mmask16 is_nan = _mm512_cmpgt_epi32_mask(_mm512_and_si512(bits, abs_mask), infinity);
    const __m512i lowest_kept = _mm512_and_si512(_mm512_srli_epi32(bits, 16), one);
    __m512i result = _mm512_srli_epi32(_mm512_add_epi32(bits, _mm512_add_epi32(bias, lowest_kept)), 16);
    result = _mm512_mask_or_epi32(result, is_nan, _mm512_srli_epi32(bits, 16), quiet);
    _mm256_mask_storeu_epi16(half + i, mask, _mm512_cvtepi32_epi16(result));
  }
}

float vec_dot_f32(int64_t n, const void* weight_row, const void* activation_row) {
  return dot(n, F32Loader{static_cast<const float*>(weight_row)},
             F32Loader{static_cast<const float*>(activation_row)});
}

namespace {

// F16 weights against F16 activations for a tile of rows and tokens: each
// weight vector is widened once for all tokens and each activation vector
// once for all rows. One accumulator per element, 16 lanes per step, masked
// tail: the same operations in the same order for every multi-token tile
// shape, so they all give identical bits (one-token tiles are vec_dot_f16).
template <int kRows, int kTokens>
void dot_tile_f16_fixed(const DotTile& tile) {
  const uint16_t* w[kRows];
  const uint16_t* a[kTokens];
  for (int r = 0; r < kRows; ++r) {
    w[r] = reinterpret_cast<const uint16_t*>(static_cast<const std::byte*>(tile.weights) + r * tile.weight_stride);
  }
  for (int t = 0; t < kTokens; ++t) {
    a[t] = reinterpret_cast<const uint16_t*>(static_cast<const std::byte*>(tile.activations) +
                                             t * tile.activation_stride);
  }
  __m512 acc[kRows][kTokens];
  for (int r = 0; r < kRows; ++r) {
    for (int t = 0; t < kTokens; ++t) acc[r][t] = _mm512_setzero_ps();
  }
  for (int64_t i = 0; i < tile.n; i += 16) {
    const __mmask16 mask = first_lanes(tile.n - i);
    __m512 act[kTokens];
    for (int t = 0; t < kTokens; ++t) act[t] = F16Loader{a[t]}.load(i, mask);
    for (int r = 0; r < kRows; ++r) {
      const __m512 weight = F16Loader{w[r]}.load(i, mask);
      for (int t = 0; t < kTokens; ++t) acc[r][t] = _mm512_fmadd_ps(weight, act[t], acc[r][t]);
    }
  }
  for (int t = 0; t < kTokens; ++t) {
    for (int r = 0; r < kRows; ++r) tile.y[t * tile.y_stride + r] = _mm512_reduce_add_ps(acc[r][t]);
  }
}

template <int kRows>
void dot_tile_f16_rows(const DotTile& tile) {
  switch (tile.tokens) {
    case 2: return dot_tile_f16_fixed<kRows, 2>(tile);
    case 3: return dot_tile_f16_fixed<kRows, 3>(tile);
    default: return dot_tile_f16_fixed<kRows, 4>(tile);
  }
}

}  // namespace

void dot_tile_f16(const DotTile& tile) {
  if (tile.tokens == 1) {  // decode: vec_dot's order, as the greedy-decoding references
    for (int r = 0; r < tile.rows; ++r) {
      tile.y[r] = vec_dot_f16(tile.n, static_cast<const std::byte*>(tile.weights) + r * tile.weight_stride,
                              tile.activations);
    }
    return;
  }
  switch (tile.rows) {
    case 1: return dot_tile_f16_rows<1>(tile);
    case 2: return dot_tile_f16_rows<2>(tile);
    case 3: return dot_tile_f16_rows<3>(tile);
    default: return dot_tile_f16_rows<4>(tile);
  }
}

float vec_dot_f16(int64_t n, const void* weight_row, const void* activation_row) {
  return dot(n, F16Loader{static_cast<const uint16_t*>(weight_row)},
             F16Loader{static_cast<const uint16_t*>(activation_row)});
}

float vec_dot_bf16(int64_t n, const void* weight_row, const void* activation_row) {
  return dot(n, BF16Loader{static_cast<const uint16_t*>(weight_row)},
             BF16Loader{static_cast<const uint16_t*>(activation_row)});
}

// 32 bf16 pairs per instruction. vdpbf16ps treats subnormal inputs as zero
// and rounds each pair's sum once, so it differs from the reference by the
// usual reordering error (bf16 subnormals, below 1e-38, never occur in
// weights or activations that matter).
float vec_dot_bf16_dpbf16(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* w = static_cast<const uint16_t*>(weight_row);
  const auto* a = static_cast<const uint16_t*>(activation_row);
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    acc0 = _mm512_dpbf16_ps(acc0, (__m512bh)_mm512_loadu_si512(w + i), (__m512bh)_mm512_loadu_si512(a + i));
    acc1 = _mm512_dpbf16_ps(acc1, (__m512bh)_mm512_loadu_si512(w + i + 32), (__m512bh)_mm512_loadu_si512(a + i + 32));
  }
  for (; i < n; i += 32) {
    const __mmask32 mask = static_cast<__mmask32>(n - i >= 32 ? 0xffffffffu : (1u << (n - i)) - 1);
    acc0 = _mm512_dpbf16_ps(acc0, (__m512bh)_mm512_maskz_loadu_epi16(mask, w + i),
                            (__m512bh)_mm512_maskz_loadu_epi16(mask, a + i));
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

float dot_f32(int64_t n, const float* a, const float* b) { return dot(n, F32Loader{a}, F32Loader{b}); }

float dot_f32_f16(int64_t n, const float* a, const uint16_t* b) { return dot(n, F32Loader{a}, F16Loader{b}); }

void axpy_f32(int64_t n, float alpha, const float* x, float* y) { axpy(n, alpha, F32Loader{x}, y); }

void axpy_f16(int64_t n, float alpha, const uint16_t* x, float* y) { axpy(n, alpha, F16Loader{x}, y); }

namespace {

static_assert(kQueriesPerPass == 4, "4 accumulators each, with 4 key chunks: 20 registers");

// Prefetches row j of next_rows (n F16 elements), if there are next rows: the
// block the caller visits next lies elsewhere in the pool (its block table
// says where), a jump the hardware prefetchers cannot foresee, so the rows
// kernels fetch it a row per row they visit. Measured on decode attention
// over a 640-position cache, 2 threads, when a KV head's rows were still
// interleaved with the other heads': 25 -> 30 GB/s (one burst of prefetches
// per block instead gave 25).
inline void prefetch_next_row(const uint16_t* next_rows, size_t stride, int64_t j, int64_t n) {
  if (next_rows == nullptr) return;
  const char* row = reinterpret_cast<const char*>(next_rows + j * stride);
  for (int64_t byte = 0; byte < n * 2; byte += 64) _mm_prefetch(row + byte, _MM_HINT_T0);
}

// For up to kQueriesPerPass queries and one F16 row: the vector `dot` folds
// before its final reduction, (acc0 + acc1) + (acc2 + acc3) with exactly dot's
// chunk order, the row converted once for all queries.
template <int kQueries>
void fold_row(int64_t n, const float* q, const uint16_t* row, __m512* folded) {
  __m512 acc[kQueries][4];
#pragma GCC unroll 4
  for (int m = 0; m < kQueries; ++m) acc[m][0] = acc[m][1] = acc[m][2] = acc[m][3] = _mm512_setzero_ps();
  const F16Loader key{row};
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512 k0 = key.load(i), k1 = key.load(i + 16), k2 = key.load(i + 32), k3 = key.load(i + 48);
#pragma GCC unroll 4
    for (int m = 0; m < kQueries; ++m) {
      const float* query = q + m * n;
      acc[m][0] = _mm512_fmadd_ps(_mm512_loadu_ps(query + i), k0, acc[m][0]);
      acc[m][1] = _mm512_fmadd_ps(_mm512_loadu_ps(query + i + 16), k1, acc[m][1]);
      acc[m][2] = _mm512_fmadd_ps(_mm512_loadu_ps(query + i + 32), k2, acc[m][2]);
      acc[m][3] = _mm512_fmadd_ps(_mm512_loadu_ps(query + i + 48), k3, acc[m][3]);
    }
  }
  for (; i < n; i += 16) {
    const __mmask16 mask = first_lanes(n - i);
    const __m512 k = key.load(i, mask);
#pragma GCC unroll 4
    for (int m = 0; m < kQueries; ++m) {
      acc[m][0] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, q + m * n + i), k, acc[m][0]);
    }
  }
#pragma GCC unroll 4
  for (int m = 0; m < kQueries; ++m) {
    folded[m] = _mm512_add_ps(_mm512_add_ps(acc[m][0], acc[m][1]), _mm512_add_ps(acc[m][2], acc[m][3]));
  }
}

// The sums of 16 vectors v[0..16) in one vector, lane k = the sum of v[k],
// each with the pairing _mm512_reduce_add_ps uses (lanes i and i+8, then i
// and i+4, i and i+2, i and i+1), so every sum has its bits.
__m512 reduce_16(const __m512* v) {
  __m512 s1[8], s2[4], s3[2];
  for (int p = 0; p < 8; ++p) {  // [v0 lanes i + i+8 | v1 lanes i + i+8]
    s1[p] = _mm512_add_ps(_mm512_shuffle_f32x4(v[2 * p], v[2 * p + 1], 0x44),
                          _mm512_shuffle_f32x4(v[2 * p], v[2 * p + 1], 0xee));
  }
  for (int p = 0; p < 4; ++p) {  // chunk c: vector 4p + c, lanes i + i+4
    s2[p] = _mm512_add_ps(_mm512_shuffle_f32x4(s1[2 * p], s1[2 * p + 1], 0x88),
                          _mm512_shuffle_f32x4(s1[2 * p], s1[2 * p + 1], 0xdd));
  }
  for (int p = 0; p < 2; ++p) {  // chunk c: [vector 8p + c: i + i+2 for i < 2, vector 8p + 4 + c: same]
    s3[p] = _mm512_add_ps(_mm512_shuffle_ps(s2[2 * p], s2[2 * p + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                          _mm512_shuffle_ps(s2[2 * p], s2[2 * p + 1], _MM_SHUFFLE(3, 2, 3, 2)));
  }
  // Chunk c: vectors c, 4 + c, 8 + c, 12 + c; lane 4c + e holds vector 4e + c.
  const __m512 sums = _mm512_add_ps(_mm512_shuffle_ps(s3[0], s3[1], _MM_SHUFFLE(2, 0, 2, 0)),
                                    _mm512_shuffle_ps(s3[0], s3[1], _MM_SHUFFLE(3, 1, 3, 1)));
  const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  return _mm512_permutexvar_ps(order, sums);
}

// dot_rows_pass for n == 64 * kChunks (head sizes 64 and 128): the queries
// stay in registers and every loop is unrolled, so a row costs its
// conversions and FMAs (the general loop spends as much again on bookkeeping).
// The same folds as fold_row, so the same bits.
template <int kQueries, int kChunks>
void dot_rows_pass_fixed(const float* q, const uint16_t* rows, const uint16_t* next_rows, size_t stride,
                         int64_t count, float scale, float* scores, size_t scores_stride) {
  constexpr int64_t n = 64 * kChunks;
  __m512 query[kQueries][4 * kChunks];
#pragma GCC unroll 4
  for (int m = 0; m < kQueries; ++m) {
#pragma GCC unroll 8
    for (int v = 0; v < 4 * kChunks; ++v) query[m][v] = _mm512_loadu_ps(q + m * n + 16 * v);
  }
  for (int64_t first = 0; first < count; first += 16) {
    const int64_t block = std::min<int64_t>(16, count - first);
    __m512 folded[kQueries][16];
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j) {
      if (j >= block) {
#pragma GCC unroll 4
        for (int m = 0; m < kQueries; ++m) folded[m][j] = _mm512_setzero_ps();
        continue;
      }
      prefetch_next_row(next_rows, stride, first + j, n);
      const F16Loader key{rows + (first + j) * stride};
      __m512 acc[kQueries][4];
#pragma GCC unroll 2
      for (int chunk = 0; chunk < kChunks; ++chunk) {
        const __m512 k0 = key.load(64 * chunk), k1 = key.load(64 * chunk + 16), k2 = key.load(64 * chunk + 32),
                     k3 = key.load(64 * chunk + 48);
#pragma GCC unroll 4
        for (int m = 0; m < kQueries; ++m) {
          if (chunk == 0) {  // 0 + q * k: the product, as the FMA into a zero accumulator gives
            acc[m][0] = _mm512_fmadd_ps(query[m][0], k0, _mm512_setzero_ps());
            acc[m][1] = _mm512_fmadd_ps(query[m][1], k1, _mm512_setzero_ps());
            acc[m][2] = _mm512_fmadd_ps(query[m][2], k2, _mm512_setzero_ps());
            acc[m][3] = _mm512_fmadd_ps(query[m][3], k3, _mm512_setzero_ps());
          } else {
            acc[m][0] = _mm512_fmadd_ps(query[m][4 * chunk], k0, acc[m][0]);
            acc[m][1] = _mm512_fmadd_ps(query[m][4 * chunk + 1], k1, acc[m][1]);
            acc[m][2] = _mm512_fmadd_ps(query[m][4 * chunk + 2], k2, acc[m][2]);
            acc[m][3] = _mm512_fmadd_ps(query[m][4 * chunk + 3], k3, acc[m][3]);
          }
        }
      }
#pragma GCC unroll 4
      for (int m = 0; m < kQueries; ++m) {
        folded[m][j] = _mm512_add_ps(_mm512_add_ps(acc[m][0], acc[m][1]), _mm512_add_ps(acc[m][2], acc[m][3]));
      }
    }
#pragma GCC unroll 4
    for (int m = 0; m < kQueries; ++m) {
      _mm512_mask_storeu_ps(scores + m * scores_stride + first, first_lanes(block),
                            _mm512_mul_ps(reduce_16(folded[m]), _mm512_set1_ps(scale)));
    }
  }
}

template <int kQueries>
void dot_rows_pass(int64_t n, const float* q, const uint16_t* rows, const uint16_t* next_rows, size_t stride,
                   int64_t count, float scale, float* scores, size_t scores_stride) {
  if (n == 128 && kQueries <= 2) {
    return dot_rows_pass_fixed<kQueries, 2>(q, rows, next_rows, stride, count, scale, scores, scores_stride);
  }
  if (n == 64 && kQueries <= 4) {
    return dot_rows_pass_fixed<kQueries, 1>(q, rows, next_rows, stride, count, scale, scores, scores_stride);
  }
  for (int64_t first = 0; first < count; first += 16) {
    const int64_t block = std::min<int64_t>(16, count - first);
    __m512 folded[kQueries][16];
    for (int64_t j = 0; j < 16; ++j) {
      __m512 row_folds[kQueries];
      if (j < block) {
        prefetch_next_row(next_rows, stride, first + j, n);
        fold_row<kQueries>(n, q, rows + (first + j) * stride, row_folds);
      } else {
#pragma GCC unroll 4
        for (int m = 0; m < kQueries; ++m) row_folds[m] = _mm512_setzero_ps();
      }
#pragma GCC unroll 4
      for (int m = 0; m < kQueries; ++m) folded[m][j] = row_folds[m];
    }
#pragma GCC unroll 4
    for (int m = 0; m < kQueries; ++m) {
      _mm512_mask_storeu_ps(scores + m * scores_stride + first, first_lanes(block),
                            _mm512_mul_ps(reduce_16(folded[m]), _mm512_set1_ps(scale)));
    }
  }
}

}  // namespace

void dot_f32_f16_rows(int64_t n, const float* q, int64_t queries, const uint16_t* rows, const uint16_t* next_rows,
                      size_t stride, int64_t count, float scale, float* scores, size_t scores_stride) {
  in_query_passes(queries, [&](auto pass_queries, int64_t m) {
    constexpr int kQueries = decltype(pass_queries)::value;
    const uint16_t* next = m == 0 ? next_rows : nullptr;  // the first pass fetches them
    dot_rows_pass<kQueries>(n, q + m * n, rows, next, stride, count, scale, scores + m * scores_stride,
                            scores_stride);
  });
}

namespace {

// axpy_rows_pass for n == 64 * kChunks (head sizes 64 and 128) and kQueries *
// kChunks <= 4: all of y in registers, so each row is read once, whole, and
// the loop carries no slice bookkeeping. The same operations per element.
template <int kQueries, int kChunks>
void axpy_rows_pass_fixed(const float* weights, size_t weights_stride, const uint16_t* rows,
                          const uint16_t* next_rows, size_t stride, int64_t count, float* y) {
  constexpr int kVectors = 4 * kChunks;  // per query
  constexpr int64_t n = 16 * kVectors;
  __m512 acc[kQueries][kVectors];
#pragma GCC unroll 4
  for (int m = 0; m < kQueries; ++m) {
#pragma GCC unroll 8
    for (int c = 0; c < kVectors; ++c) acc[m][c] = _mm512_loadu_ps(y + m * n + 16 * c);
  }
  for (int64_t j = 0; j < count; ++j) {
    prefetch_next_row(next_rows, stride, j, n);
    const F16Loader row{rows + j * stride};
    __m512 v[kVectors];
#pragma GCC unroll 8
    for (int c = 0; c < kVectors; ++c) v[c] = row.load(16 * c);
#pragma GCC unroll 4
    for (int m = 0; m < kQueries; ++m) {
      const __m512 w = _mm512_set1_ps(weights[m * weights_stride + j]);
#pragma GCC unroll 8
      for (int c = 0; c < kVectors; ++c) acc[m][c] = _mm512_add_ps(acc[m][c], _mm512_mul_ps(w, v[c]));
    }
  }
#pragma GCC unroll 4
  for (int m = 0; m < kQueries; ++m) {
#pragma GCC unroll 8
    for (int c = 0; c < kVectors; ++c) _mm512_storeu_ps(y + m * n + 16 * c, acc[m][c]);
  }
}

// y[m] += sum over rows j of weights[m][j] * row j, for kQueries queries: y is
// walked in slices of 64 floats held in registers (four per query) while every
// row passes, converted once for all queries; each element still sees axpy's
// multiply and add, rows in order.
template <int kQueries>
void axpy_rows_pass(int64_t n, const float* weights, size_t weights_stride, const uint16_t* rows,
                    const uint16_t* next_rows, size_t stride, int64_t count, float* y) {
  if (n == 128 && kQueries <= 2) {
    return axpy_rows_pass_fixed<kQueries, 2>(weights, weights_stride, rows, next_rows, stride, count, y);
  }
  if (n == 64) return axpy_rows_pass_fixed<kQueries, 1>(weights, weights_stride, rows, next_rows, stride, count, y);
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    __m512 acc[kQueries][4];
#pragma GCC unroll 4
    for (int m = 0; m < kQueries; ++m) {
#pragma GCC unroll 4
      for (int c = 0; c < 4; ++c) acc[m][c] = _mm512_loadu_ps(y + m * n + i + 16 * c);
    }
    for (int64_t j = 0; j < count; ++j) {
      if (i == 0) prefetch_next_row(next_rows, stride, j, n);
      const F16Loader row{rows + j * stride + i};
      const __m512 v0 = row.load(0), v1 = row.load(16), v2 = row.load(32), v3 = row.load(48);
#pragma GCC unroll 4
      for (int m = 0; m < kQueries; ++m) {
        const __m512 w = _mm512_set1_ps(weights[m * weights_stride + j]);
        acc[m][0] = _mm512_add_ps(acc[m][0], _mm512_mul_ps(w, v0));
        acc[m][1] = _mm512_add_ps(acc[m][1], _mm512_mul_ps(w, v1));
        acc[m][2] = _mm512_add_ps(acc[m][2], _mm512_mul_ps(w, v2));
        acc[m][3] = _mm512_add_ps(acc[m][3], _mm512_mul_ps(w, v3));
      }
    }
#pragma GCC unroll 4
    for (int m = 0; m < kQueries; ++m) {
#pragma GCC unroll 4
      for (int c = 0; c < 4; ++c) _mm512_storeu_ps(y + m * n + i + 16 * c, acc[m][c]);
    }
  }
  if (i < n) {
    for (int m = 0; m < kQueries; ++m) {
      for (int64_t j = 0; j < count; ++j) {
        if (i == 0 && m == 0) prefetch_next_row(next_rows, stride, j, n);
        axpy(n - i, weights[m * weights_stride + j], F16Loader{rows + j * stride + i}, y + m * n + i);
      }
    }
  }
}

}  // namespace

void axpy_f16_rows(int64_t n, const float* weights, size_t weights_stride, int64_t queries, const uint16_t* rows,
                   const uint16_t* next_rows, size_t stride, int64_t count, float* y) {
  in_query_passes(queries, [&](auto pass_queries, int64_t m) {
    constexpr int kQueries = decltype(pass_queries)::value;
    const uint16_t* next = m == 0 ? next_rows : nullptr;  // the first pass fetches them
    axpy_rows_pass<kQueries>(n, weights + m * weights_stride, weights_stride, rows, next, stride, count, y + m * n);
  });
}

double exp_shifted(float* x, int64_t n, float shift) {
  static_assert(kExpSumLanes == 16, "one vector of exponentials feeds the 16 lane sums");
  const __m512 shift_v = _mm512_set1_ps(shift);
  __m512d low = _mm512_setzero_pd(), high = _mm512_setzero_pd();  // lanes 0-7 and 8-15
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 mask = first_lanes(n - i);
    // Unused lanes add +0.0, which leaves their sums as they are.
    const __m512 e = _mm512_maskz_mov_ps(mask, exp_approx(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, x + i), shift_v)));
    _mm512_mask_storeu_ps(x + i, mask, e);
    low = _mm512_add_pd(low, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
    high = _mm512_add_pd(high, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(e), 1))));
  }
  alignas(64) double lanes[kExpSumLanes];
  _mm512_store_pd(lanes, low);
  _mm512_store_pd(lanes + 8, high);
  double sum = 0.0;
  for (double lane : lanes) sum += lane;
  return sum;
}

void silu_mul(float* gate, const float* up, int64_t n) {
  const __m512 one = _mm512_set1_ps(1.0f);
  int64_t i = 0;
  for (; i < n; i += 16) {
    const __mmask16 mask = first_lanes(n - i);
    const __m512 g = _mm512_maskz_loadu_ps(mask, gate + i);
    const __m512 minus_g = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(g), _mm512_set1_epi32(INT32_MIN)));
    const __m512 e = exp_approx(minus_g);
    const __m512 silu = _mm512_div_ps(g, _mm512_add_ps(one, e));
    _mm512_mask_storeu_ps(gate + i, mask, _mm512_mul_ps(silu, _mm512_maskz_loadu_ps(mask, up + i)));
  }
}

}  // namespace loom::kernels::avx512
