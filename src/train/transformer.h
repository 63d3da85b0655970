// The trainer's model: a Llama decoder (RMSNorm, RoPE on adjacent pairs as
// src/model's llama path, GQA attention, SwiGLU, tied or untied output) over
// a batch of packed sequences, with its backward pass. Activations are F32,
// kept from the forward pass for the backward pass; logits are computed only
// for the positions that have a target.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/thread_pool.h"
#include "train/attention.h"
#include "train/model_shape.h"

namespace loom::train {

// Sequences packed one after another; each starts at position 0.
struct Batch {
  std::vector<int32_t> inputs;   // token at each row
  std::vector<int32_t> targets;  // the next token, or -1 where no loss is taken
  std::vector<int64_t> positions;
  std::vector<SequenceSpan> sequences;

  int64_t size() const { return static_cast<int64_t>(inputs.size()); }
  int64_t target_count() const;
  // Appends one sequence: inputs tokens[0..n-1), targets tokens[1..n) where
  // loss_mask[i] (for token i) is set, else -1.
  void add_sequence(std::span<const int32_t> tokens, std::span<const uint8_t> loss_mask);
};

struct LossSum {
  double sum = 0.0;     // natural-log cross-entropy summed over targets
  int64_t tokens = 0;   // targets counted
  double mean() const { return tokens ? sum / static_cast<double>(tokens) : 0.0; }
};

class Transformer {
 public:
  Transformer(const ModelShape& shape, ThreadPool& pool);

  // Forward pass and loss. With grads non-null, also the backward pass:
  // grads (the parameter layout) are overwritten with the gradient of the
  // mean loss over the batch's targets (grad_scale / target count).
  LossSum run(const Batch& batch, const float* params, float* grads);

  // Logits (n, vocab) of every row of the batch (tests, evaluation).
  void logits(const Batch& batch, const float* params, std::vector<float>& out);

  // Sizes activation buffers for batches of up to `rows` rows now, so that
  // they are not reallocated as larger batches arrive.
  void reserve_rows(int64_t rows) { reserved_rows_ = rows; }

  const ModelShape& shape() const { return shape_; }
  const ParameterLayout& layout() const { return layout_; }

 private:
  struct LayerActivations {
    std::vector<float> x_in, attn_normed, attn_inv_rms, q, k, v, attn, x_mid, ffn_normed, ffn_inv_rms, gate, up,
        hidden;
  };
  void forward(const Batch& batch, const ModelTensors& w);
  void layer_forward(const Batch& batch, const LayerTensors& w, LayerActivations& a, const float* x, float* x_out);
  void layer_backward(const Batch& batch, const LayerTensors& w, const LayerTensors& g, LayerActivations& a,
                      float* dx);
  // Final norm of the rows listed, into final_rows_ (rows, hidden).
  void final_rows(const ModelTensors& w, std::span<const int64_t> rows);

  ModelShape shape_;
  ParameterLayout layout_;
  ThreadPool& pool_;
  Attention attention_;
  std::vector<LayerActivations> layers_;
  std::vector<float> x_final_, final_inputs_, final_inv_rms_, final_rows_, logits_, losses_;
  std::vector<int64_t> target_rows_;
  std::vector<int32_t> target_ids_;
  // Backward buffers.
  std::vector<float> dx_, d_normed_, d_attn_, dq_, dk_, dv_, d_gate_, d_up_, d_final_;
  std::vector<float> transposed_;
  std::vector<int64_t> negated_positions_;
  int64_t reserved_rows_ = 0;
};

}  // namespace loom::train
