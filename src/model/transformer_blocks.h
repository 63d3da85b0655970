// The named steps a decoder layer is built from: RMSNorm, RoPE, causal
// grouped-query attention over the KV cache, SwiGLU. Each is written to match
// llama.cpp's CPU arithmetic (double-accumulated norms, iterated RoPE angles)
// so differential tests can be tight.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/thread_pool.h"
#include "model/hparams.h"
#include "model/kv_cache.h"

namespace loom::model {

// The sum of x[i]^2, each square rounded to float as llama.cpp's norm does,
// added in doubles over 8 independent chains (element i in chain i mod 8) and
// then the chains in order. It differs from one running double sum only in the
// last bits of the double, far below the float the norm rounds to; the single
// chain of dependent adds cost the decode step 1% while the other threads
// waited for it.
double sum_of_squares(const float* x, int64_t n);

// out[row] = x[row] / rms(x[row]) * weight, for n_rows rows of `width`.
// out may alias x.
void rms_norm(const float* x, const float* weight, int64_t n_rows, int64_t width, double eps, float* out);

// Rotates the first rope_dims of each head of n_tokens rows laid out
// [token][head][head_dim], token t at positions[t]. freq_factors (rope_dims/2
// divisors of the angles, Llama 3 scaling) may be null.
struct RopeParams {
  RopeStyle style;
  int64_t head_dim;
  int64_t rope_dims;
  double theta;
  double freq_scale;
  const float* freq_factors;
};
void apply_rope(float* x, int64_t n_tokens, int64_t n_heads, std::span<const int64_t> positions,
                const RopeParams& params);
// The cos and sin of each rotated pair's angle at each position, [token][pair]:
// a forward pass computes them once for the queries and keys of every layer.
struct RopeAngles {
  std::vector<float> cos, sin;
};
// Fills `angles` for `positions`, reusing its storage.
void compute_rope_angles(std::span<const int64_t> positions, const RopeParams& params, RopeAngles& angles);
// apply_rope with angles computed for these n_tokens rows.
void apply_rope(float* x, int64_t n_tokens, int64_t n_heads, const RopeAngles& angles, const RopeParams& params);

// Causal GQA attention for n_tokens queries at positions start_pos.. over the
// cache of `layer` (which already holds those positions).
// q: [token][n_heads*head_dim]; out: same shape.
struct AttentionShape {
  int64_t n_heads;
  int64_t n_kv_heads;
  int64_t head_dim;
};
// A prompt over an F16 cache goes through the kernel table's attention tiles
// where it has them (attention_tile.h), anything else row by row.
// scores_scratch: attention_scratch_floats(pool.size(), context, shape).
void attention(ThreadPool& pool, const float* q, int64_t n_tokens, int64_t start_pos, const KvCache& cache,
               int64_t layer, const AttentionShape& shape, float* out, std::span<float> scores_scratch);
// The queries of several sequences, each over its own cache, in one call:
// every decode step of a batch shares one pool job (prompts still run one
// job each, in tiles).
struct AttentionQueries {
  const float* q;
  int64_t n_tokens;
  int64_t start_pos;
  const KvCache* cache;
  float* out;
};
// scores_scratch: attention_scratch_floats(pool.size(), the longest context, shape).
void attention(ThreadPool& pool, std::span<const AttentionQueries> sequences, int64_t layer,
               const AttentionShape& shape, std::span<float> scores_scratch);
int64_t attention_scratch_floats(int64_t threads, int64_t context, const AttentionShape& shape);

// gate[i] = silu(gate[i]) * up[i]
void silu_mul(float* gate, const float* up, int64_t n);

// x[i] += y[i]
void add_in_place(float* x, const float* y, int64_t n);

}  // namespace loom::model
