// Model::forward: embeddings -> decoder layers -> final norm -> logits.
// Shapes in comments are [tokens, width], row-major.
#include <algorithm>
#include <cmath>

#include "model/model.h"
#include "model/transformer_blocks.h"

namespace loom::model {

Status Model::forward(ThreadPool& pool, std::span<const int32_t> tokens, int64_t start_pos, KvCache& cache,
                      LogitsFor which, std::vector<float>& logits) {
  const int64_t n_tokens = static_cast<int64_t>(tokens.size());
  if (n_tokens == 0) return invalid_argument("forward needs at least one token");
  if (start_pos < 0 || start_pos + n_tokens > cache.capacity()) {
    return out_of_range("positions ", start_pos, "..", start_pos + n_tokens - 1, " exceed the context of ",
                        cache.capacity(), " tokens");
  }
  for (int32_t token : tokens) {
    if (token < 0 || token >= hparams_.vocab_size) {
      return out_of_range("token id ", token, " is outside the vocabulary (0..", hparams_.vocab_size - 1, ")");
    }
  }
  const int64_t vocab = hparams_.vocab_size;
  logits.resize((which == LogitsFor::kAllTokens ? n_tokens : 1) * vocab);
  for (int64_t begin = 0; begin < n_tokens; begin += kMaxBatch) {
    const int64_t count = std::min(kMaxBatch, n_tokens - begin);
    const bool last_batch = begin + count == n_tokens;
    float* out = nullptr;
    if (which == LogitsFor::kAllTokens) {
      out = logits.data() + begin * vocab;
    } else if (last_batch) {
      out = logits.data();
    }
    TRY(forward_batch(pool, tokens.subspan(begin, count), start_pos + begin, cache, which, out));
  }
  return {};
}

Status Model::forward_batch(ThreadPool& pool, std::span<const int32_t> tokens, int64_t start_pos, KvCache& cache,
                            LogitsFor which, float* logits) {
  const HParams& h = hparams_;
  const int64_t n = static_cast<int64_t>(tokens.size());
  Buffers& b = buffers_;
  auto ensure = [](std::vector<float>& buffer, int64_t size) {
    if (static_cast<int64_t>(buffer.size()) < size) buffer.resize(size);
  };
  ensure(b.x, n * h.hidden_size);
  ensure(b.normed, n * std::max(h.hidden_size, h.q_size()));
  ensure(b.q, n * h.q_size());
  ensure(b.k, n * h.kv_size());
  ensure(b.v, n * h.kv_size());
  ensure(b.attn, n * std::max(h.q_size(), h.hidden_size));
  ensure(b.gate, n * h.intermediate_size);
  ensure(b.up, n * h.intermediate_size);
  // attention() scores every query head of a KV group at once.
  ensure(b.scores, static_cast<int64_t>(pool.size()) * (start_pos + n) * (h.num_attention_heads / h.num_key_value_heads));
  b.positions.resize(n);
  for (int64_t t = 0; t < n; ++t) b.positions[t] = start_pos + t;

  // x [n, hidden] = embedding rows
  const kernels::KernelTable& k = kernels::kernels();
  const kernels::MatrixView& embedding = weights_.token_embedding;
  for (int64_t t = 0; t < n; ++t) {
    const auto* row = static_cast<const std::byte*>(embedding.data) + tokens[t] * embedding.row_stride;
    k.dequantize_row[kernels::slot(embedding.type)](row, b.x.data() + t * h.hidden_size, h.hidden_size);
  }

  for (int64_t layer = 0; layer < h.num_hidden_layers; ++layer) {
    layer_forward(pool, weights_.layers[layer], layer, n, start_pos, cache);
  }
  if (logits == nullptr) return {};

  // Only the rows whose logits are wanted go through the output projection.
  const int64_t first = which == LogitsFor::kAllTokens ? 0 : n - 1;
  const int64_t rows = n - first;
  rms_norm(b.x.data() + first * h.hidden_size, weights_.output_norm, rows, h.hidden_size, h.rms_norm_eps,
           b.normed.data());
  kernels::matmul(pool, weights_.output, b.normed.data(), rows, logits, b.scratch);
  return {};
}

void Model::layer_forward(ThreadPool& pool, const LayerWeights& w, int64_t layer, int64_t n, int64_t start_pos,
                          KvCache& cache) {
  const HParams& h = hparams_;
  Buffers& b = buffers_;
  float* x = b.x.data();

  // Attention block: normed = rmsnorm(x); q, k, v projections; RoPE; cache; attend.
  rms_norm(x, w.attn_norm, n, h.hidden_size, h.rms_norm_eps, b.normed.data());
  kernels::matmul(pool, w.attn_q, b.normed.data(), n, b.q.data(), b.scratch);  // [n, q_size]
  kernels::matmul(pool, w.attn_k, b.normed.data(), n, b.k.data(), b.scratch);  // [n, kv_size]
  kernels::matmul(pool, w.attn_v, b.normed.data(), n, b.v.data(), b.scratch);  // [n, kv_size]
  if (w.attn_q_bias) {
    for (int64_t t = 0; t < n; ++t) {
      add_in_place(b.q.data() + t * h.q_size(), w.attn_q_bias, h.q_size());
      add_in_place(b.k.data() + t * h.kv_size(), w.attn_k_bias, h.kv_size());
      add_in_place(b.v.data() + t * h.kv_size(), w.attn_v_bias, h.kv_size());
    }
  }
  if (w.attn_q_norm) {  // per-head norm: each head is a row of head_dim
    rms_norm(b.q.data(), w.attn_q_norm, n * h.num_attention_heads, h.head_dim, h.rms_norm_eps, b.q.data());
    rms_norm(b.k.data(), w.attn_k_norm, n * h.num_key_value_heads, h.head_dim, h.rms_norm_eps, b.k.data());
  }
  const RopeParams rope{.style = h.rope_style,
                        .head_dim = h.head_dim,
                        .rope_dims = h.rope_dimension_count,
                        .theta = h.rope_theta,
                        .freq_scale = h.rope_freq_scale,
                        .freq_factors = weights_.rope_freq_factors};
  apply_rope(b.q.data(), n, h.num_attention_heads, b.positions, rope);
  apply_rope(b.k.data(), n, h.num_key_value_heads, b.positions, rope);
  cache.store(layer, start_pos, n, b.k.data(), b.v.data());
  const AttentionShape shape{.n_heads = h.num_attention_heads,
                             .n_kv_heads = h.num_key_value_heads,
                             .head_dim = h.head_dim};
  attention(pool, b.q.data(), n, start_pos, cache, layer, shape, b.attn.data(), b.scores);
  kernels::matmul(pool, w.attn_output, b.attn.data(), n, b.normed.data(), b.scratch);  // [n, hidden]
  add_in_place(x, b.normed.data(), n * h.hidden_size);

  // Feed-forward block: x += down(silu(gate(norm(x))) * up(norm(x))).
  rms_norm(x, w.ffn_norm, n, h.hidden_size, h.rms_norm_eps, b.normed.data());
  kernels::matmul(pool, w.ffn_gate, b.normed.data(), n, b.gate.data(), b.scratch);  // [n, intermediate]
  kernels::matmul(pool, w.ffn_up, b.normed.data(), n, b.up.data(), b.scratch);
  silu_mul(b.gate.data(), b.up.data(), n * h.intermediate_size);
  kernels::matmul(pool, w.ffn_down, b.gate.data(), n, b.attn.data(), b.scratch);  // [n, hidden]
  add_in_place(x, b.attn.data(), n * h.hidden_size);
}

}  // namespace loom::model
