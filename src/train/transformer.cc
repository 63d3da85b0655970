// Transformer forward and backward passes (see transformer.h). Shapes in
// comments are (rows, width) over the n rows of the batch.
#include "train/transformer.h"

#include <algorithm>
#include <numeric>

#include "train/layers.h"
#include "train/linear.h"

namespace loom::train {
namespace {

// Every buffer is written before it is read within a step, so growth need
// not keep the old contents (no copy).
void ensure(std::vector<float>& buffer, int64_t size) {
  if (static_cast<int64_t>(buffer.size()) < size) buffer = std::vector<float>(size);
}

void add_in_place(float* x, const float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] += y[i];
}

}  // namespace

int64_t Batch::target_count() const {
  return std::count_if(targets.begin(), targets.end(), [](int32_t target) { return target >= 0; });
}

void Batch::add_sequence(std::span<const int32_t> tokens, std::span<const uint8_t> loss_mask) {
  const int64_t length = static_cast<int64_t>(tokens.size()) - 1;
  if (length <= 0) return;
  sequences.push_back({size(), length});
  for (int64_t pos = 0; pos < length; ++pos) {
    inputs.push_back(tokens[pos]);
    targets.push_back(loss_mask[pos + 1] ? tokens[pos + 1] : -1);
    positions.push_back(pos);
  }
}

Transformer::Transformer(const ModelShape& shape, ThreadPool& pool)
    : shape_(shape), layout_(shape), pool_(pool), layers_(shape.num_hidden_layers) {}

void Transformer::forward(const Batch& batch, const ModelTensors& w) {
  const int64_t n = batch.size(), hidden = shape_.hidden_size;
  const int64_t rows = std::max(n, reserved_rows_);  // buffer sizes
  for (LayerActivations& a : layers_) ensure(a.x_in, rows * hidden);
  ensure(x_final_, rows * hidden);
  float* x = layers_[0].x_in.data();  // x (n, hidden) = embedding rows
  for (int64_t row = 0; row < n; ++row) {
    std::copy_n(w.token_embedding + batch.inputs[row] * hidden, hidden, x + row * hidden);
  }
  for (int64_t layer = 0; layer < shape_.num_hidden_layers; ++layer) {
    float* out = layer + 1 < shape_.num_hidden_layers ? layers_[layer + 1].x_in.data() : x_final_.data();
    layer_forward(batch, w.layers[layer], layers_[layer], layers_[layer].x_in.data(), out);
  }
}

void Transformer::layer_forward(const Batch& batch, const LayerTensors& w, LayerActivations& a, const float* x,
                                float* x_out) {
  const ModelShape& s = shape_;
  const int64_t n = batch.size(), hidden = s.hidden_size, ffn = s.intermediate_size;
  const int64_t rows = std::max(n, reserved_rows_);  // buffer sizes
  ensure(a.attn_normed, rows * hidden);
  ensure(a.attn_inv_rms, rows);
  ensure(a.q, rows * s.q_size());
  ensure(a.k, rows * s.kv_size());
  ensure(a.v, rows * s.kv_size());
  ensure(a.attn, rows * s.q_size());
  ensure(a.x_mid, rows * hidden);
  ensure(a.ffn_normed, rows * hidden);
  ensure(a.ffn_inv_rms, rows);
  ensure(a.gate, rows * ffn);
  ensure(a.up, rows * ffn);
  ensure(a.hidden, rows * ffn);

  // Attention block: x_mid = x + attn_output(attention(rope(q), rope(k), v)) of rmsnorm(x).
  rms_norm_forward(pool_, x, w.attn_norm, n, hidden, s.rms_norm_eps, a.attn_normed.data(), a.attn_inv_rms.data());
  linear_forward(pool_, a.attn_normed.data(), n, w.attn_q, s.q_size(), hidden, a.q.data(), transposed_);
  linear_forward(pool_, a.attn_normed.data(), n, w.attn_k, s.kv_size(), hidden, a.k.data(), transposed_);
  linear_forward(pool_, a.attn_normed.data(), n, w.attn_v, s.kv_size(), hidden, a.v.data(), transposed_);
  const model::RopeParams rope_params{.style = model::RopeStyle::kAdjacentPairs,
                                      .head_dim = s.head_dim(),
                                      .rope_dims = s.head_dim(),
                                      .theta = s.rope_theta,
                                      .freq_scale = 1.0,
                                      .freq_factors = nullptr};
  rope(pool_, a.q.data(), n, s.num_attention_heads, batch.positions, rope_params);
  rope(pool_, a.k.data(), n, s.num_key_value_heads, batch.positions, rope_params);
  const AttentionDims dims{s.num_attention_heads, s.num_key_value_heads, s.head_dim()};
  attention_.forward(pool_, batch.sequences, dims, a.q.data(), a.k.data(), a.v.data(), a.attn.data());
  linear_forward(pool_, a.attn.data(), n, w.attn_output, hidden, s.q_size(), a.x_mid.data(), transposed_);
  add_in_place(a.x_mid.data(), x, n * hidden);

  // Feed-forward block: x_out = x_mid + down(silu(gate(h)) * up(h)), h = rmsnorm(x_mid).
  rms_norm_forward(pool_, a.x_mid.data(), w.ffn_norm, n, hidden, s.rms_norm_eps, a.ffn_normed.data(),
                   a.ffn_inv_rms.data());
  linear_forward(pool_, a.ffn_normed.data(), n, w.ffn_gate, ffn, hidden, a.gate.data(), transposed_);
  linear_forward(pool_, a.ffn_normed.data(), n, w.ffn_up, ffn, hidden, a.up.data(), transposed_);
  swiglu_forward(pool_, a.gate.data(), a.up.data(), n * ffn, a.hidden.data());
  linear_forward(pool_, a.hidden.data(), n, w.ffn_down, hidden, ffn, x_out, transposed_);
  add_in_place(x_out, a.x_mid.data(), n * hidden);
}

void Transformer::final_rows(const ModelTensors& w, std::span<const int64_t> rows) {
  const int64_t count = static_cast<int64_t>(rows.size()), hidden = shape_.hidden_size;
  const int64_t capacity = std::max(count, reserved_rows_);  // buffer sizes
  ensure(final_inputs_, capacity * hidden);
  ensure(final_rows_, capacity * hidden);
  ensure(final_inv_rms_, capacity);
  for (int64_t i = 0; i < count; ++i) {
    std::copy_n(x_final_.data() + rows[i] * hidden, hidden, final_inputs_.data() + i * hidden);
  }
  rms_norm_forward(pool_, final_inputs_.data(), w.output_norm, count, hidden, shape_.rms_norm_eps,
                   final_rows_.data(), final_inv_rms_.data());
}

void Transformer::logits(const Batch& batch, const float* params, std::vector<float>& out) {
  const ModelTensors w = layout_.bind(const_cast<float*>(params));
  forward(batch, w);
  std::vector<int64_t> rows(batch.size());
  std::iota(rows.begin(), rows.end(), 0);
  final_rows(w, rows);
  out.resize(batch.size() * shape_.vocab_size);
  linear_forward(pool_, final_rows_.data(), batch.size(), w.output, shape_.vocab_size, shape_.hidden_size,
                 out.data(), transposed_);
}

LossSum Transformer::run(const Batch& batch, const float* params, float* grads) {
  const ModelShape& s = shape_;
  const int64_t n = batch.size(), hidden = s.hidden_size, vocab = s.vocab_size;
  // Parameters are only read; bind() hands out mutable pointers for both uses.
  const ModelTensors w = layout_.bind(const_cast<float*>(params));
  forward(batch, w);

  target_rows_.clear();
  target_ids_.clear();
  for (int64_t row = 0; row < n; ++row) {
    if (batch.targets[row] < 0) continue;
    target_rows_.push_back(row);
    target_ids_.push_back(batch.targets[row]);
  }
  const int64_t count = static_cast<int64_t>(target_rows_.size());
  LossSum loss{.sum = 0.0, .tokens = count};
  if (grads) std::fill_n(grads, layout_.total(), 0.0f);
  if (count == 0) return loss;
  final_rows(w, target_rows_);
  ensure(logits_, std::max(count, reserved_rows_) * vocab);
  ensure(losses_, std::max(count, reserved_rows_));
  linear_forward(pool_, final_rows_.data(), count, w.output, vocab, hidden, logits_.data(), transposed_);
  cross_entropy(pool_, logits_.data(), target_ids_.data(), count, vocab, 1.0f / static_cast<float>(count),
                losses_.data());
  for (int64_t i = 0; i < count; ++i) loss.sum += losses_[i];
  if (!grads) return loss;

  const ModelTensors g = layout_.bind(grads);
  // Output projection and final norm, on the target rows only.
  const int64_t rows = std::max(n, reserved_rows_);  // buffer sizes
  ensure(d_final_, rows * hidden);
  ensure(d_normed_, rows * hidden);
  linear_backward_input(pool_, logits_.data(), count, w.output, vocab, hidden, d_final_.data(), Accumulate::kNo);
  linear_backward_weight(pool_, logits_.data(), final_rows_.data(), count, vocab, hidden, g.output);
  std::fill_n(d_normed_.data(), count * hidden, 0.0f);
  rms_norm_backward(pool_, final_inputs_.data(), w.output_norm, final_inv_rms_.data(), d_final_.data(), count,
                    hidden, d_normed_.data(), g.output_norm);
  ensure(dx_, rows * hidden);
  std::fill_n(dx_.data(), n * hidden, 0.0f);
  for (int64_t i = 0; i < count; ++i) {
    add_in_place(dx_.data() + target_rows_[i] * hidden, d_normed_.data() + i * hidden, hidden);
  }

  negated_positions_.resize(n);
  for (int64_t row = 0; row < n; ++row) negated_positions_[row] = -batch.positions[row];
  for (int64_t layer = s.num_hidden_layers - 1; layer >= 0; --layer) {
    layer_backward(batch, w.layers[layer], g.layers[layer], layers_[layer], dx_.data());
  }
  // Embedding rows, in row order (a token may occur many times).
  for (int64_t row = 0; row < n; ++row) {
    add_in_place(g.token_embedding + batch.inputs[row] * hidden, dx_.data() + row * hidden, hidden);
  }
  return loss;
}

void Transformer::layer_backward(const Batch& batch, const LayerTensors& w, const LayerTensors& g,
                                 LayerActivations& a, float* dx) {
  const ModelShape& s = shape_;
  const int64_t n = batch.size(), hidden = s.hidden_size, ffn = s.intermediate_size;
  const int64_t rows = std::max(n, reserved_rows_);  // buffer sizes
  ensure(d_gate_, rows * ffn);
  ensure(d_up_, rows * ffn);
  ensure(d_attn_, rows * s.q_size());
  ensure(dq_, rows * s.q_size());
  ensure(dk_, rows * s.kv_size());
  ensure(dv_, rows * s.kv_size());

  // Feed-forward block. On entry dx = d x_out; after it, d x_mid.
  linear_backward_input(pool_, dx, n, w.ffn_down, hidden, ffn, d_gate_.data(), Accumulate::kNo);  // d hidden
  linear_backward_weight(pool_, dx, a.hidden.data(), n, hidden, ffn, g.ffn_down);
  swiglu_backward(pool_, a.gate.data(), a.up.data(), d_gate_.data(), n * ffn, d_gate_.data(), d_up_.data());
  linear_backward_input(pool_, d_gate_.data(), n, w.ffn_gate, ffn, hidden, d_normed_.data(), Accumulate::kNo);
  linear_backward_input(pool_, d_up_.data(), n, w.ffn_up, ffn, hidden, d_normed_.data(), Accumulate::kYes);
  linear_backward_weight(pool_, d_gate_.data(), a.ffn_normed.data(), n, ffn, hidden, g.ffn_gate);
  linear_backward_weight(pool_, d_up_.data(), a.ffn_normed.data(), n, ffn, hidden, g.ffn_up);
  rms_norm_backward(pool_, a.x_mid.data(), w.ffn_norm, a.ffn_inv_rms.data(), d_normed_.data(), n, hidden, dx,
                    g.ffn_norm);

  // Attention block. After it, dx = d x_in.
  linear_backward_input(pool_, dx, n, w.attn_output, hidden, s.q_size(), d_attn_.data(), Accumulate::kNo);
  linear_backward_weight(pool_, dx, a.attn.data(), n, hidden, s.q_size(), g.attn_output);
  const AttentionDims dims{s.num_attention_heads, s.num_key_value_heads, s.head_dim()};
  attention_.backward(pool_, batch.sequences, dims, a.q.data(), a.k.data(), a.v.data(), d_attn_.data(), dq_.data(),
                      dk_.data(), dv_.data());
  const model::RopeParams inverse_rope{.style = model::RopeStyle::kAdjacentPairs,
                                       .head_dim = s.head_dim(),
                                       .rope_dims = s.head_dim(),
                                       .theta = s.rope_theta,
                                       .freq_scale = 1.0,
                                       .freq_factors = nullptr};
  rope(pool_, dq_.data(), n, s.num_attention_heads, negated_positions_, inverse_rope);
  rope(pool_, dk_.data(), n, s.num_key_value_heads, negated_positions_, inverse_rope);
  linear_backward_input(pool_, dq_.data(), n, w.attn_q, s.q_size(), hidden, d_normed_.data(), Accumulate::kNo);
  linear_backward_input(pool_, dk_.data(), n, w.attn_k, s.kv_size(), hidden, d_normed_.data(), Accumulate::kYes);
  linear_backward_input(pool_, dv_.data(), n, w.attn_v, s.kv_size(), hidden, d_normed_.data(), Accumulate::kYes);
  linear_backward_weight(pool_, dq_.data(), a.attn_normed.data(), n, s.q_size(), hidden, g.attn_q);
  linear_backward_weight(pool_, dk_.data(), a.attn_normed.data(), n, s.kv_size(), hidden, g.attn_k);
  linear_backward_weight(pool_, dv_.data(), a.attn_normed.data(), n, s.kv_size(), hidden, g.attn_v);
  rms_norm_backward(pool_, a.x_in.data(), w.attn_norm, a.attn_inv_rms.data(), d_normed_.data(), n, hidden, dx,
                    g.attn_norm);
}

}  // namespace loom::train
