// Model::forward: embeddings -> decoder layers -> final norm -> logits.
// Shapes in comments are [tokens, width], row-major.
#include <algorithm>
#include <cmath>

#include "kernels/panels.h"
#include "model/model.h"
#include "model/transformer_blocks.h"

namespace loom::model {

static_assert(Model::kFeedForwardChunk % kernels::kTileTokens == 0 &&
                  Model::kFeedForwardChunk % kernels::kPanelTokens == 0,
              "feed-forward chunks must not change how tokens fall into tiles");

Status Model::forward(ThreadPool& pool, std::span<const int32_t> tokens, int64_t start_pos, KvCache& cache,
                      LogitsFor which, std::vector<float>& logits) {
  const int64_t n_tokens = static_cast<int64_t>(tokens.size());
  if (n_tokens == 0) return invalid_argument("forward needs at least one token");
  const int64_t vocab = hparams_.vocab_size;
  logits.resize((which == LogitsFor::kAllTokens ? n_tokens : 1) * vocab);
  for (int64_t begin = 0; begin < n_tokens; begin += kMaxBatch) {
    const int64_t count = std::min(kMaxBatch, n_tokens - begin);
    const bool last_batch = begin + count == n_tokens;
    SequenceChunk chunk{.tokens = tokens.subspan(begin, count), .start_pos = start_pos + begin, .cache = &cache};
    if (which == LogitsFor::kAllTokens) {
      chunk.logits_for = LogitsFor::kAllTokens;
      chunk.logits = logits.data() + begin * vocab;
    } else {
      chunk.logits_for = last_batch ? LogitsFor::kLastToken : LogitsFor::kNone;
      chunk.logits = logits.data();
    }
    TRY(forward_chunks(pool, std::span(&chunk, 1)));
  }
  return {};
}

Status Model::forward_chunks(ThreadPool& pool, std::span<const SequenceChunk> chunks) {
  const HParams& h = hparams_;
  int64_t n = 0, longest_context = 0;
  for (const SequenceChunk& chunk : chunks) {
    const int64_t count = static_cast<int64_t>(chunk.tokens.size());
    if (count == 0 || chunk.cache == nullptr) return invalid_argument("a sequence chunk needs tokens and a cache");
    if (chunk.start_pos < 0 || chunk.start_pos + count > chunk.cache->capacity()) {
      return out_of_range("positions ", chunk.start_pos, "..", chunk.start_pos + count - 1,
                          " exceed the context of ", chunk.cache->capacity(), " tokens");
    }
    for (int32_t token : chunk.tokens) {
      if (token < 0 || token >= h.vocab_size) {
        return out_of_range("token id ", token, " is outside the vocabulary (0..", h.vocab_size - 1, ")");
      }
    }
    n += count;
    longest_context = std::max(longest_context, chunk.start_pos + count);
  }
  if (n > kMaxBatch) return invalid_argument("a batch of ", n, " tokens exceeds ", kMaxBatch);

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
  ensure(b.gate, std::min(n, kFeedForwardChunk) * h.intermediate_size);
  ensure(b.up, std::min(n, kFeedForwardChunk) * h.intermediate_size);
  ensure(b.scores, attention_scratch_floats(pool.size(), longest_context,
                                            {.n_heads = h.num_attention_heads,
                                             .n_kv_heads = h.num_key_value_heads,
                                             .head_dim = h.head_dim}));
  b.positions.clear();
  b.attention.clear();
  for (const SequenceChunk& chunk : chunks) {
    const int64_t first = static_cast<int64_t>(b.positions.size());
    b.attention.push_back({.q = b.q.data() + first * h.q_size(),
                           .n_tokens = static_cast<int64_t>(chunk.tokens.size()),
                           .start_pos = chunk.start_pos,
                           .cache = chunk.cache,
                           .out = b.attn.data() + first * h.q_size()});
    for (size_t t = 0; t < chunk.tokens.size(); ++t) b.positions.push_back(chunk.start_pos + static_cast<int64_t>(t));
  }
  compute_rope_angles(b.positions, rope_params(), b.rope);

  // x [n, hidden] = embedding rows
  const kernels::KernelTable& k = kernels::kernels();
  const kernels::MatrixView& embedding = weights_.token_embedding;
  int64_t row = 0;
  const bool panels = embedding.layout == kernels::WeightLayout::kPanels;  // a tied output matrix
  if (panels) b.embedding_row.resize(embedding.row_stride);
  for (const SequenceChunk& chunk : chunks) {
    for (int32_t token : chunk.tokens) {
      const auto* source = static_cast<const std::byte*>(embedding.data) + token * embedding.row_stride;
      if (panels) {
        kernels::unpack_panel_row(embedding, token, b.embedding_row.data());
        source = b.embedding_row.data();
      }
      k.dequantize_row[kernels::slot(embedding.type)](source, b.x.data() + row++ * h.hidden_size, h.hidden_size);
    }
  }

  for (int64_t layer = 0; layer < h.num_hidden_layers; ++layer) {
    layer_forward(pool, weights_.layers[layer], layer, chunks, n);
  }

  // Gather the rows whose logits are wanted, then one output projection.
  std::vector<float>& rows = b.logits_rows;
  rows.clear();
  int64_t first_row = 0;
  for (const SequenceChunk& chunk : chunks) {
    const int64_t count = static_cast<int64_t>(chunk.tokens.size());
    const int64_t from = chunk.logits_for == LogitsFor::kAllTokens ? 0 : count - 1;
    if (chunk.logits_for != LogitsFor::kNone) {
      const float* source = b.x.data() + (first_row + from) * h.hidden_size;
      rows.insert(rows.end(), source, source + (count - from) * h.hidden_size);
    }
    first_row += count;
  }
  const int64_t n_rows = static_cast<int64_t>(rows.size()) / h.hidden_size;
  if (n_rows == 0) return {};
  ensure(b.normed, n_rows * h.hidden_size);
  rms_norm(rows.data(), weights_.output_norm, n_rows, h.hidden_size, h.rms_norm_eps, b.normed.data());
  const bool single = chunks.size() == 1;
  std::vector<float>& gathered = b.gathered_logits;
  if (!single) ensure(gathered, n_rows * h.vocab_size);
  float* out = single ? chunks[0].logits : gathered.data();
  kernels::matmul(pool, weights_.output, b.normed.data(), n_rows, out, b.scratch);
  if (!single) {  // scatter the logits rows back to each sequence
    const float* source = gathered.data();
    for (const SequenceChunk& chunk : chunks) {
      if (chunk.logits_for == LogitsFor::kNone) continue;
      const int64_t count = chunk.logits_for == LogitsFor::kAllTokens ? static_cast<int64_t>(chunk.tokens.size()) : 1;
      std::copy(source, source + count * h.vocab_size, chunk.logits);
      source += count * h.vocab_size;
    }
  }
  return {};
}

RopeParams Model::rope_params() const {
  const HParams& h = hparams_;
  return {.style = h.rope_style,
          .head_dim = h.head_dim,
          .rope_dims = h.rope_dimension_count,
          .theta = h.rope_theta,
          .freq_scale = h.rope_freq_scale,
          .freq_factors = weights_.rope_freq_factors};
}

void Model::layer_forward(ThreadPool& pool, const LayerWeights& w, int64_t layer, std::span<const SequenceChunk> chunks,
                          int64_t n) {
  const HParams& h = hparams_;
  Buffers& b = buffers_;
  float* x = b.x.data();

  // Attention block: normed = rmsnorm(x); q, k, v projections; RoPE; cache; attend.
  rms_norm(x, w.attn_norm, n, h.hidden_size, h.rms_norm_eps, b.normed.data());
  const kernels::MatmulOutput qkv[] = {{&w.attn_q, b.q.data()},   // [n, q_size]
                                       {&w.attn_k, b.k.data()},   // [n, kv_size]
                                       {&w.attn_v, b.v.data()}};  // [n, kv_size]
  kernels::matmul_shared_input(pool, qkv, b.normed.data(), n, b.scratch);
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
  const RopeParams rope = rope_params();
  apply_rope(b.q.data(), n, h.num_attention_heads, b.rope, rope);
  apply_rope(b.k.data(), n, h.num_key_value_heads, b.rope, rope);
  const AttentionShape shape{.n_heads = h.num_attention_heads,
                             .n_kv_heads = h.num_key_value_heads,
                             .head_dim = h.head_dim};
  int64_t row = 0;
  for (const SequenceChunk& chunk : chunks) {  // each sequence attends to its own cache
    const int64_t count = static_cast<int64_t>(chunk.tokens.size());
    chunk.cache->store(layer, chunk.start_pos, count, b.k.data() + row * h.kv_size(), b.v.data() + row * h.kv_size());
    row += count;
  }
  attention(pool, b.attention, layer, shape, b.scores);
  kernels::matmul(pool, w.attn_output, b.attn.data(), n, b.normed.data(), b.scratch);  // [n, hidden]
  add_in_place(x, b.normed.data(), n * h.hidden_size);

  // Feed-forward block: x += down(silu(gate(norm(x))) * up(norm(x))).
  // In chunks of tokens, so the intermediate activations (the widest of the
  // layer) stay small; the chunk is a multiple of every tile's token count,
  // so each element is computed as in one pass.
  rms_norm(x, w.ffn_norm, n, h.hidden_size, h.rms_norm_eps, b.normed.data());
  for (int64_t first = 0; first < n; first += kFeedForwardChunk) {
    const int64_t count = std::min(kFeedForwardChunk, n - first);
    const float* normed = b.normed.data() + first * h.hidden_size;
    const kernels::MatmulOutput gate_up[] = {{&w.ffn_gate, b.gate.data()},  // [count, intermediate]
                                             {&w.ffn_up, b.up.data()}};
    kernels::matmul_shared_input(pool, gate_up, normed, count, b.scratch);
    silu_mul(b.gate.data(), b.up.data(), count * h.intermediate_size);
    kernels::matmul(pool, w.ffn_down, b.gate.data(), count, b.attn.data() + first * h.hidden_size, b.scratch);
  }
  add_in_place(x, b.attn.data(), n * h.hidden_size);
}

}  // namespace loom::model
