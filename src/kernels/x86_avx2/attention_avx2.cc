// AVX2 prefill attention tile (kernels/attention_tile.h), the AVX-512 tile's
// design (attention_avx512.cc) in 8-lane registers: lane r of the first half
// is query row r and of the second row 8 + r, so scores, softmax and the
// weighted value sums still run without horizontal reductions. Each
// broadcast key or value element feeds both halves, which halves the loads
// per FMA against one half at a time; tiles of at most 8 rows (a prompt's
// last tile) skip the second half.
#include <algorithm>
#include <limits>

#include "kernels/attention_tile.h"
#include "kernels/x86_avx2/avx2.h"

namespace loom::kernels::avx2 {

namespace {

constexpr int kLanes = kAttentionTileRows;  // the scratch layout: 16 lanes per dimension and position
constexpr int kHalf = 8;
static_assert(kLanes == 2 * kHalf, "two halves of query rows");

const uint16_t* cache_row(const AttentionTile& t, const uint16_t* const* blocks, int64_t pos) {
  return blocks[pos / t.block_size] + (pos % t.block_size) * t.row_stride + t.head_offset;
}

// dst[0..n) = the F16 row as floats.
void convert_row(const uint16_t* row, int64_t n, float* dst) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, load_f16(row + i));
  for (; i < n; ++i) dst[i] = half_to_float(row[i]);
}

// Scores of positions [first, first + kAttentionKeyChunk) (those < context)
// for every lane: scale * q_r . k_j, -inf where the position is after the
// row's last; max_score is the running lane-wise maximum. Keys go in groups
// of 8 / kHalves, so 8 accumulators are live.
template <int kHalves>
void score_chunk(const AttentionTile& t, const float* qt, int64_t first, int64_t context, const __m256i* last,
                 float* keys, float* scores, __m256* max_score) {
  constexpr int kKeys = kAttentionKeyChunk;
  constexpr int kGroup = 8 / kHalves;
  static_assert(kKeys % kGroup == 0, "whole groups of keys");
  const int64_t count = std::min<int64_t>(kKeys, context - first);
  const int64_t hd = t.head_dim;
  for (int64_t j = 0; j < count; ++j) convert_row(cache_row(t, t.key_blocks, first + j), hd, keys + j * hd);
  std::fill(keys + count * hd, keys + kKeys * hd, 0.0f);
  const __m256 scale = _mm256_set1_ps(t.scale);
  const __m256 minus_infinity = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  for (int g = 0; g < count; g += kGroup) {
    __m256 acc[kGroup][kHalves];
#pragma GCC unroll 8
    for (int k = 0; k < kGroup; ++k) {
#pragma GCC unroll 2
      for (int h = 0; h < kHalves; ++h) acc[k][h] = _mm256_setzero_ps();
    }
    const float* group_keys = keys + g * hd;
    for (int64_t i = 0; i < hd; ++i) {
      __m256 query[kHalves];
#pragma GCC unroll 2
      for (int h = 0; h < kHalves; ++h) query[h] = _mm256_loadu_ps(qt + i * kLanes + h * kHalf);
#pragma GCC unroll 8
      for (int k = 0; k < kGroup; ++k) {
        const __m256 key = _mm256_set1_ps(group_keys[k * hd + i]);
#pragma GCC unroll 2
        for (int h = 0; h < kHalves; ++h) acc[k][h] = _mm256_fmadd_ps(query[h], key, acc[k][h]);
      }
    }
    for (int k = 0; k < kGroup && g + k < count; ++k) {
      const int64_t pos = first + g + k;
      const __m256i position = _mm256_set1_epi32(static_cast<int32_t>(pos));
#pragma GCC unroll 2
      for (int h = 0; h < kHalves; ++h) {
        const __m256 after_last = _mm256_castsi256_ps(_mm256_cmpgt_epi32(position, last[h]));
        const __m256 s = _mm256_blendv_ps(_mm256_mul_ps(acc[k][h], scale), minus_infinity, after_last);
        _mm256_storeu_ps(scores + pos * kLanes + h * kHalf, s);
        max_score[h] = _mm256_max_ps(max_score[h], s);
      }
    }
  }
}

// acc_t[i][lane] = fma chain over positions [first, end) of p_j[lane] * v_j[i],
// with the value rows of those positions converted into `values`; dimensions
// go in groups of 8 / kHalves, so 8 accumulators are live.
template <int kHalves>
void weigh_chunk(const AttentionTile& t, const float* scores, int64_t first, int64_t end, float* values,
                 float* acc_t) {
  constexpr int kDims = 8 / kHalves;
  const int64_t hd = t.head_dim;
  for (int64_t j = first; j < end; ++j) convert_row(cache_row(t, t.value_blocks, j), hd, values + (j - first) * hd);
  int64_t i0 = 0;
  for (; i0 + kDims <= hd; i0 += kDims) {
    __m256 acc[kDims][kHalves];
#pragma GCC unroll 8
    for (int i = 0; i < kDims; ++i) {
#pragma GCC unroll 2
      for (int h = 0; h < kHalves; ++h) acc[i][h] = _mm256_loadu_ps(acc_t + (i0 + i) * kLanes + h * kHalf);
    }
    for (int64_t j = first; j < end; ++j) {
      __m256 p[kHalves];
#pragma GCC unroll 2
      for (int h = 0; h < kHalves; ++h) p[h] = _mm256_loadu_ps(scores + j * kLanes + h * kHalf);
      const float* v = values + (j - first) * hd + i0;
#pragma GCC unroll 8
      for (int i = 0; i < kDims; ++i) {
        const __m256 value = _mm256_set1_ps(v[i]);
#pragma GCC unroll 2
        for (int h = 0; h < kHalves; ++h) acc[i][h] = _mm256_fmadd_ps(p[h], value, acc[i][h]);
      }
    }
#pragma GCC unroll 8
    for (int i = 0; i < kDims; ++i) {
#pragma GCC unroll 2
      for (int h = 0; h < kHalves; ++h) _mm256_storeu_ps(acc_t + (i0 + i) * kLanes + h * kHalf, acc[i][h]);
    }
  }
  for (; i0 < hd; ++i0) {  // head sizes that are not a multiple of kDims
    for (int h = 0; h < kHalves; ++h) {
      __m256 acc = _mm256_loadu_ps(acc_t + i0 * kLanes + h * kHalf);
      for (int64_t j = first; j < end; ++j) {
        acc = _mm256_fmadd_ps(_mm256_loadu_ps(scores + j * kLanes + h * kHalf),
                              _mm256_set1_ps(values[(j - first) * hd + i0]), acc);
      }
      _mm256_storeu_ps(acc_t + i0 * kLanes + h * kHalf, acc);
    }
  }
}

template <int kHalves>
void attend(const AttentionTile& t) {
  const int64_t hd = t.head_dim;
  const PreparedAttentionTile prepared = prepare_attention_tile(t);
  const int64_t context = prepared.context;
  __m256i last[kHalves];
  for (int h = 0; h < kHalves; ++h) {
    last[h] = _mm256_load_si256(reinterpret_cast<const __m256i*>(prepared.last + h * kHalf));
  }
  const float* qt = prepared.queries;
  float* acc_t = prepared.outputs;
  float* scores = prepared.scores;
  float* keys = prepared.keys;
  float* values = prepared.values;
  __m256 max_score[kHalves];
  for (int h = 0; h < kHalves; ++h) max_score[h] = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  for (int64_t first = 0; first < context; first += kAttentionKeyChunk) {
    score_chunk<kHalves>(t, qt, first, context, last, keys, scores, max_score);
  }

  // p_j = exp(s_j - max) and the lane-wise sums in position order. Masked
  // positions give exp(-inf) = 0.
  __m256 sum[kHalves];
  for (int h = 0; h < kHalves; ++h) sum[h] = _mm256_setzero_ps();
  for (int64_t j = 0; j < context; ++j) {
#pragma GCC unroll 2
    for (int h = 0; h < kHalves; ++h) {
      float* s = scores + j * kLanes + h * kHalf;
      const __m256 weights = exp_approx(_mm256_sub_ps(_mm256_loadu_ps(s), max_score[h]));
      _mm256_storeu_ps(s, weights);
      sum[h] = _mm256_add_ps(sum[h], weights);
    }
  }

  std::fill(acc_t, acc_t + hd * kLanes, 0.0f);
  for (int64_t first = 0; first < context; first += kAttentionValueChunk) {
    weigh_chunk<kHalves>(t, scores, first, std::min(context, first + kAttentionValueChunk), values, acc_t);
  }
  alignas(32) float inverse[kLanes];
  for (int h = 0; h < kHalves; ++h) {
    _mm256_store_ps(inverse + h * kHalf, _mm256_div_ps(_mm256_set1_ps(1.0f), sum[h]));
  }
  for (int r = 0; r < t.rows; ++r) {
    float* out = t.out[r];
    for (int64_t i = 0; i < hd; ++i) out[i] = acc_t[i * kLanes + r] * inverse[r];
  }
}

}  // namespace

void attention_tile(const AttentionTile& t) {
  if (t.rows > kHalf) return attend<2>(t);
  attend<1>(t);
}

}  // namespace loom::kernels::avx2
