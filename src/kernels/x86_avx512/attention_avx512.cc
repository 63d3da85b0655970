// AVX-512 prefill attention tile (kernels/attention_tile.h): lane r of every
// register is query row r, so scores, softmax and the weighted value sums run
// 16 rows at a time without horizontal reductions.
#include <algorithm>
#include <limits>

#include "kernels/attention_tile.h"
#include "kernels/x86_avx512/avx512.h"

namespace loom::kernels::avx512 {

namespace {

constexpr int kLanes = kAttentionTileRows;
static_assert(kLanes == 16, "one lane per query row");

const uint16_t* cache_row(const AttentionTile& t, const uint16_t* const* blocks, int64_t pos) {
  return blocks[pos / t.block_size] + (pos % t.block_size) * t.row_stride + t.head_offset;
}

// dst[0..n) = the F16 row as floats.
void convert_row(const uint16_t* row, int64_t n, float* dst) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + i))));
  }
  if (i < n) {
    const __mmask16 mask = first_lanes(n - i);
    _mm512_mask_storeu_ps(dst + i, mask, _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, row + i)));
  }
}

// Scores of positions [first, first + kAttentionKeyChunk) (those < context)
// for every lane: scale * q_r . k_j, -inf where the position is after the
// row's last. Returns the running lane-wise maximum.
__m512 score_chunk(const AttentionTile& t, const float* qt, int64_t first, int64_t context, __m512i last,
                   float* keys, float* scores, __m512 max_score) {
  constexpr int kKeys = kAttentionKeyChunk;
  const int64_t count = std::min<int64_t>(kKeys, context - first);
  const int64_t hd = t.head_dim;
  for (int64_t j = 0; j < count; ++j) convert_row(cache_row(t, t.key_blocks, first + j), hd, keys + j * hd);
  std::fill(keys + count * hd, keys + kKeys * hd, 0.0f);
  __m512 acc[kKeys];
#pragma GCC unroll 8
  for (int j = 0; j < kKeys; ++j) acc[j] = _mm512_setzero_ps();
  for (int64_t i = 0; i < hd; ++i) {
    const __m512 query = _mm512_loadu_ps(qt + i * kLanes);
#pragma GCC unroll 8
    for (int j = 0; j < kKeys; ++j) acc[j] = _mm512_fmadd_ps(query, _mm512_set1_ps(keys[j * hd + i]), acc[j]);
  }
  const __m512 scale = _mm512_set1_ps(t.scale);
  const __m512 minus_infinity = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  for (int64_t j = 0; j < count; ++j) {
    const __mmask16 attends =
        _mm512_cmple_epi32_mask(_mm512_set1_epi32(static_cast<int32_t>(first + j)), last);
    const __m512 s = _mm512_mask_mov_ps(minus_infinity, attends, _mm512_mul_ps(acc[j], scale));
    _mm512_storeu_ps(scores + (first + j) * kLanes, s);
    max_score = _mm512_max_ps(max_score, s);
  }
  return max_score;
}

// acc_t[i][lane] = fma chain over positions [first, end) of p_j[lane] * v_j[i],
// with the value rows of those positions converted into `values`.
void weigh_chunk(const AttentionTile& t, const float* scores, int64_t first, int64_t end, float* values,
                 float* acc_t) {
  const int64_t hd = t.head_dim;
  for (int64_t j = first; j < end; ++j) convert_row(cache_row(t, t.value_blocks, j), hd, values + (j - first) * hd);
  int64_t i0 = 0;
  for (; i0 + 16 <= hd; i0 += 16) {
    __m512 acc[16];
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_loadu_ps(acc_t + (i0 + i) * kLanes);
    for (int64_t j = first; j < end; ++j) {
      const __m512 p = _mm512_loadu_ps(scores + j * kLanes);
      const float* v = values + (j - first) * hd + i0;
#pragma GCC unroll 16
      for (int i = 0; i < 16; ++i) acc[i] = _mm512_fmadd_ps(p, _mm512_set1_ps(v[i]), acc[i]);
    }
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) _mm512_storeu_ps(acc_t + (i0 + i) * kLanes, acc[i]);
  }
  for (; i0 < hd; ++i0) {  // head sizes that are not a multiple of 16
    __m512 acc = _mm512_loadu_ps(acc_t + i0 * kLanes);
    for (int64_t j = first; j < end; ++j) {
      acc = _mm512_fmadd_ps(_mm512_loadu_ps(scores + j * kLanes), _mm512_set1_ps(values[(j - first) * hd + i0]), acc);
    }
    _mm512_storeu_ps(acc_t + i0 * kLanes, acc);
  }
}

}  // namespace

void attention_tile(const AttentionTile& t) {
  const int64_t hd = t.head_dim;
  const PreparedAttentionTile prepared = prepare_attention_tile(t);
  const int64_t context = prepared.context;
  const __m512i last = _mm512_load_si512(prepared.last);
  const float* qt = prepared.queries;
  float* acc_t = prepared.outputs;
  float* scores = prepared.scores;
  float* keys = prepared.keys;
  float* values = prepared.values;
  __m512 max_score = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  for (int64_t first = 0; first < context; first += kAttentionKeyChunk) {
    max_score = score_chunk(t, qt, first, context, last, keys, scores, max_score);
  }

  // p_j = exp(s_j - max) and the lane-wise sums in position order. Masked
  // positions give exp(-inf) = 0.
  __m512 sum = _mm512_setzero_ps();
  for (int64_t j = 0; j < context; ++j) {
    const __m512 weights = exp_approx(_mm512_sub_ps(_mm512_loadu_ps(scores + j * kLanes), max_score));
    _mm512_storeu_ps(scores + j * kLanes, weights);
    sum = _mm512_add_ps(sum, weights);
  }

  std::fill(acc_t, acc_t + hd * kLanes, 0.0f);
  for (int64_t first = 0; first < context; first += kAttentionValueChunk) {
    weigh_chunk(t, scores, first, std::min(context, first + kAttentionValueChunk), values, acc_t);
  }
  alignas(64) float inverse[kLanes];
  _mm512_store_ps(inverse, _mm512_div_ps(_mm512_set1_ps(1.0f), sum));
  for (int r = 0; r < t.rows; ++r) {
    float* out = t.out[r];
    for (int64_t i = 0; i < hd; ++i) out[i] = acc_t[i * kLanes + r] * inverse[r];
  }
}

}  // namespace loom::kernels::avx512
