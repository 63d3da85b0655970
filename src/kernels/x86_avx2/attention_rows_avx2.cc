// AVX2 batched cache-row kernels of decode attention (KernelTable's
// dot_f32_f16_rows and axpy_f16_rows). Looping dot_f32_f16 / axpy_f16 over the
// rows converts every F16 row once per query head, reduces every score on its
// own and streams y through memory per row; here a row is converted once for
// a pass of up to four queries, the scores of 8 rows are reduced together and
// slices of y stay in registers while the rows pass. Every value keeps the
// single-row kernels' operations in their order (float_avx2.cc), so the
// results are bit-identical to those loops. The AVX-512 forms
// (float_avx512.cc) are the model, with smaller register blocks for 16 ymm.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "kernels/query_passes.h"
#include "kernels/x86_avx2/avx2.h"

namespace loom::kernels::avx2 {

namespace {

// Prefetches row j of next_rows (n F16 elements), if there are next rows: the
// next block lies elsewhere in the pool, a jump the hardware prefetchers
// cannot foresee (see float_avx512.cc).
inline void prefetch_next_row(const uint16_t* next_rows, size_t stride, int64_t j, int64_t n) {
  if (next_rows == nullptr) return;
  const char* row = reinterpret_cast<const char*>(next_rows + j * stride);
  for (int64_t byte = 0; byte < n * 2; byte += 64) _mm_prefetch(row + byte, _MM_HINT_T0);
}

// For kQueries queries and one F16 row: dot's vector part before its hsum,
// (acc0 + acc1) + (acc2 + acc3), where acc c gathers the vectors at 32k + 8c
// in order and acc0 then the 8-element remainders. The accumulators of up to
// two queries are all live at once, as in dot: 8 independent FMA chains keep
// both FMA pipes busy. For more queries (16 ymm do not hold dot's four per
// query for four queries) acc0 and acc1 are finished before acc2 and acc3
// start; one chain pair at a time left one or two chains in flight, and the
// kernel waited on the FMA latency. kN: n when it is known at compile time
// (loops unroll), else 0.
template <int kQueries, int64_t kN>
inline void fold_row(int64_t runtime_n, const float* q, const uint16_t* row, __m256* folded) {
  const int64_t n = kN != 0 ? kN : runtime_n;
  const int64_t chunked = n / 32 * 32;
  constexpr int kLive = kQueries <= 2 ? 4 : 2;  // accumulators per query at once
  __m256 pairs[2][kQueries];                    // acc0 + acc1, acc2 + acc3
#pragma GCC unroll 2
  for (int first = 0; first < 4; first += kLive) {
    __m256 acc[kLive][kQueries];
#pragma GCC unroll 4
    for (int c = 0; c < kLive; ++c) {
#pragma GCC unroll 4
      for (int m = 0; m < kQueries; ++m) acc[c][m] = _mm256_setzero_ps();
    }
#pragma GCC unroll 4
    for (int64_t i = 0; i < chunked; i += 32) {
#pragma GCC unroll 4
      for (int c = 0; c < kLive; ++c) {
        const int64_t at = i + 8 * (first + c);
        const __m256 k = load_f16(row + at);
#pragma GCC unroll 4
        for (int m = 0; m < kQueries; ++m) acc[c][m] = _mm256_fmadd_ps(_mm256_loadu_ps(q + m * n + at), k, acc[c][m]);
      }
    }
    if (first == 0) {
#pragma GCC unroll 4
      for (int64_t i = chunked; i + 8 <= n; i += 8) {
        const __m256 k = load_f16(row + i);
#pragma GCC unroll 4
        for (int m = 0; m < kQueries; ++m) acc[0][m] = _mm256_fmadd_ps(_mm256_loadu_ps(q + m * n + i), k, acc[0][m]);
      }
    }
#pragma GCC unroll 4
    for (int c = 0; c < kLive; c += 2) {
#pragma GCC unroll 4
      for (int m = 0; m < kQueries; ++m) pairs[(first + c) / 2][m] = _mm256_add_ps(acc[c][m], acc[c + 1][m]);
    }
  }
#pragma GCC unroll 4
  for (int m = 0; m < kQueries; ++m) folded[m] = _mm256_add_ps(pairs[0][m], pairs[1][m]);
}

// The sums of 8 vectors v[0..8) in one vector, lane k = hsum(v[k]) with
// hsum's pairing (lanes i and i+4, then i and i+2, then i and i+1, the lower
// lane first), so every sum has its bits.
inline __m256 reduce_8(const __m256* v) {
  __m256 s1[4], s2[2];
#pragma GCC unroll 4
  for (int p = 0; p < 4; ++p) {  // [v(2p) lanes i + i+4 | v(2p+1) lanes i + i+4]
    s1[p] = _mm256_add_ps(_mm256_permute2f128_ps(v[2 * p], v[2 * p + 1], 0x20),
                          _mm256_permute2f128_ps(v[2 * p], v[2 * p + 1], 0x31));
  }
#pragma GCC unroll 2
  for (int p = 0; p < 2; ++p) {  // lanes [v(4p): 0+2, 1+3, v(4p+2): same | v(4p+1), v(4p+3) alike]
    s2[p] = _mm256_add_ps(_mm256_shuffle_ps(s1[2 * p], s1[2 * p + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                          _mm256_shuffle_ps(s1[2 * p], s1[2 * p + 1], _MM_SHUFFLE(3, 2, 3, 2)));
  }
  // [v0, v2, v4, v6 | v1, v3, v5, v7], each the sum of its two halves.
  const __m256 sums = _mm256_add_ps(_mm256_shuffle_ps(s2[0], s2[1], _MM_SHUFFLE(2, 0, 2, 0)),
                                    _mm256_shuffle_ps(s2[0], s2[1], _MM_SHUFFLE(3, 1, 3, 1)));
  return _mm256_permutevar8x32_ps(sums, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// Scores of kQueries queries against `count` rows, 8 rows per reduction. A
// head size that is not a multiple of 8 adds its scalar remainder after the
// reduction, as dot does.
template <int kQueries, int64_t kN>
void dot_rows_pass(int64_t runtime_n, const float* q, const uint16_t* rows, const uint16_t* next_rows, size_t stride,
                   int64_t count, float scale, float* scores, size_t scores_stride) {
  const int64_t n = kN != 0 ? kN : runtime_n;
  const int64_t vectorized = n / 8 * 8;
  const __m256 scale_v = _mm256_set1_ps(scale);
  for (int64_t first = 0; first < count; first += 8) {
    const int64_t block = std::min<int64_t>(8, count - first);
    __m256 folded[kQueries][8];
    for (int j = 0; j < 8; ++j) {
      __m256 row_folds[kQueries];
      if (j < block) {
        prefetch_next_row(next_rows, stride, first + j, n);
        fold_row<kQueries, kN>(n, q, rows + (first + j) * stride, row_folds);
      } else {
#pragma GCC unroll 4
        for (int m = 0; m < kQueries; ++m) row_folds[m] = _mm256_setzero_ps();
      }
#pragma GCC unroll 4
      for (int m = 0; m < kQueries; ++m) folded[m][j] = row_folds[m];
    }
#pragma GCC unroll 4
    for (int m = 0; m < kQueries; ++m) {
      const __m256 sums = reduce_8(folded[m]);
      float* dst = scores + m * scores_stride + first;
      if (vectorized == n && block == 8) {
        _mm256_storeu_ps(dst, _mm256_mul_ps(sums, scale_v));
        continue;
      }
      alignas(32) float lanes[8];
      _mm256_store_ps(lanes, sums);
      for (int64_t j = 0; j < block; ++j) {
        const uint16_t* row = rows + (first + j) * stride;
        float sum = lanes[j];
        for (int64_t i = vectorized; i < n; ++i) sum += q[m * n + i] * half_to_float(row[i]);
        dst[j] = sum * scale;
      }
    }
  }
}

template <int64_t kN>
void dot_rows(int64_t n, const float* q, int64_t queries, const uint16_t* rows, const uint16_t* next_rows,
              size_t stride, int64_t count, float scale, float* scores, size_t scores_stride) {
  in_query_passes(queries, [&](auto pass_queries, int64_t m) {
    constexpr int kQueries = decltype(pass_queries)::value;
    const uint16_t* next = m == 0 ? next_rows : nullptr;  // the first pass fetches them
    dot_rows_pass<kQueries, kN>(n, q + m * n, rows, next, stride, count, scale, scores + m * scores_stride,
                                scores_stride);
  });
}

// y[m][i, i + 8 * kVectors) += weights[m][j] * row j there, rows in order,
// with that slice of every query's y held in registers while the rows pass.
// axpy's multiply then add per element; its chunking does not matter, as
// every element is computed on its own.
template <int kQueries, int kVectors>
inline void axpy_slice(int64_t n, int64_t i, const float* weights, size_t weights_stride, const uint16_t* rows,
                       const uint16_t* next_rows, size_t stride, int64_t count, float* y) {
  __m256 acc[kQueries][kVectors];
#pragma GCC unroll 4
  for (int m = 0; m < kQueries; ++m) {
#pragma GCC unroll 8
    for (int c = 0; c < kVectors; ++c) acc[m][c] = _mm256_loadu_ps(y + m * n + i + 8 * c);
  }
  for (int64_t j = 0; j < count; ++j) {
    prefetch_next_row(next_rows, stride, j, n);
    const uint16_t* row = rows + j * stride + i;
    __m256 w[kQueries];
#pragma GCC unroll 4
    for (int m = 0; m < kQueries; ++m) w[m] = _mm256_set1_ps(weights[m * weights_stride + j]);
#pragma GCC unroll 8
    for (int c = 0; c < kVectors; ++c) {
      const __m256 v = load_f16(row + 8 * c);
#pragma GCC unroll 4
      for (int m = 0; m < kQueries; ++m) acc[m][c] = _mm256_add_ps(acc[m][c], _mm256_mul_ps(w[m], v));
    }
  }
#pragma GCC unroll 4
  for (int m = 0; m < kQueries; ++m) {
#pragma GCC unroll 8
    for (int c = 0; c < kVectors; ++c) _mm256_storeu_ps(y + m * n + i + 8 * c, acc[m][c]);
  }
}

// Slices of 64 floats per query for one query, fewer for more (at most 8
// accumulators, leaving registers for the weights and the converted row);
// the first slice's walk over the rows prefetches the next ones.
template <int kQueries, int64_t kN>
void axpy_rows_pass(int64_t runtime_n, const float* weights, size_t weights_stride, const uint16_t* rows,
                    const uint16_t* next_rows, size_t stride, int64_t count, float* y) {
  const int64_t n = kN != 0 ? kN : runtime_n;
  constexpr int kSlice = kQueries == 1 ? 8 : kQueries == 2 ? 4 : 2;  // vectors per query
  const uint16_t* next = next_rows;
  int64_t i = 0;
  for (; i + 8 * kSlice <= n; i += 8 * kSlice, next = nullptr) {
    axpy_slice<kQueries, kSlice>(n, i, weights, weights_stride, rows, next, stride, count, y);
  }
  for (; i + 8 <= n; i += 8, next = nullptr) {
    axpy_slice<kQueries, 1>(n, i, weights, weights_stride, rows, next, stride, count, y);
  }
  if (i == n) return;
  for (int64_t j = 0; j < count; ++j) {  // the scalar remainder, as axpy's
    prefetch_next_row(next, stride, j, n);
    const uint16_t* row = rows + j * stride;
    for (int m = 0; m < kQueries; ++m) {
      const float alpha = weights[m * weights_stride + j];
      for (int64_t e = i; e < n; ++e) {
        const float product = alpha * half_to_float(row[e]);
        y[m * n + e] += product;
      }
    }
  }
}

template <int64_t kN>
void axpy_rows(int64_t n, const float* weights, size_t weights_stride, int64_t queries, const uint16_t* rows,
               const uint16_t* next_rows, size_t stride, int64_t count, float* y) {
  in_query_passes(queries, [&](auto pass_queries, int64_t m) {
    constexpr int kQueries = decltype(pass_queries)::value;
    const uint16_t* next = m == 0 ? next_rows : nullptr;  // the first pass fetches them
    axpy_rows_pass<kQueries, kN>(n, weights + m * weights_stride, weights_stride, rows, next, stride, count,
                                 y + m * n);
  });
}

}  // namespace

// Head sizes 64 and 128 get loops unrolled at compile time: 10-15% less time
// than the general loops on decode attention over 640 positions, one thread.
void dot_f32_f16_rows(int64_t n, const float* q, int64_t queries, const uint16_t* rows, const uint16_t* next_rows,
                      size_t stride, int64_t count, float scale, float* scores, size_t scores_stride) {
  switch (n) {
    case 64: return dot_rows<64>(n, q, queries, rows, next_rows, stride, count, scale, scores, scores_stride);
    case 128: return dot_rows<128>(n, q, queries, rows, next_rows, stride, count, scale, scores, scores_stride);
    default: return dot_rows<0>(n, q, queries, rows, next_rows, stride, count, scale, scores, scores_stride);
  }
}

void axpy_f16_rows(int64_t n, const float* weights, size_t weights_stride, int64_t queries, const uint16_t* rows,
                   const uint16_t* next_rows, size_t stride, int64_t count, float* y) {
  switch (n) {
    case 64: return axpy_rows<64>(n, weights, weights_stride, queries, rows, next_rows, stride, count, y);
    case 128: return axpy_rows<128>(n, weights, weights_stride, queries, rows, next_rows, stride, count, y);
    default: return axpy_rows<0>(n, weights, weights_stride, queries, rows, next_rows, stride, count, y);
  }
}

}  // namespace loom::kernels::avx2
