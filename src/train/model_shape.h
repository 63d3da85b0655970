// The shape of a model the trainer builds (Hugging Face config.json names)
// and the layout of its parameters in one flat F32 buffer. Gradients and the
// optimizer's moments use the same layout, so the optimizer, clipping and
// checkpoints treat them as plain arrays and the tensors keep GGUF's names.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace loom::train {

struct ModelShape {
  int64_t vocab_size = 0;  // from the tokenizer
  int64_t hidden_size = 128;
  int64_t intermediate_size = 384;
  int64_t num_hidden_layers = 4;
  int64_t num_attention_heads = 4;
  int64_t num_key_value_heads = 2;
  int64_t context_length = 1024;
  double rope_theta = 10000.0;
  double rms_norm_eps = 1e-5;
  bool tied_embeddings = true;

  int64_t head_dim() const { return hidden_size / num_attention_heads; }
  int64_t q_size() const { return num_attention_heads * head_dim(); }
  int64_t kv_size() const { return num_key_value_heads * head_dim(); }
  Status validate() const;
};

// One tensor of the flat buffer: (rows, cols) row-major at `offset` floats;
// vectors have rows == 1. Shapes are PyTorch's (out, in), GGUF's reversed.
struct ParamTensor {
  std::string name;  // GGUF tensor name: token_embd.weight, blk.0.attn_q.weight, ...
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t offset = 0;
  bool is_matrix = false;  // matrices get weight decay, norms do not
  int64_t size() const { return rows * cols; }
};

// Pointers into a flat buffer laid out by ParameterLayout.
struct LayerTensors {
  float* attn_norm;    // [hidden]
  float* attn_q;       // (q_size, hidden)
  float* attn_k;       // (kv_size, hidden)
  float* attn_v;       // (kv_size, hidden)
  float* attn_output;  // (hidden, q_size)
  float* ffn_norm;     // [hidden]
  float* ffn_gate;     // (intermediate, hidden)
  float* ffn_up;       // (intermediate, hidden)
  float* ffn_down;     // (hidden, intermediate)
};
struct ModelTensors {
  float* token_embedding;  // (vocab, hidden)
  float* output_norm;      // [hidden]
  float* output;           // (vocab, hidden); token_embedding when tied
  std::vector<LayerTensors> layers;
};

class ParameterLayout {
 public:
  explicit ParameterLayout(const ModelShape& shape);
  int64_t total() const { return total_; }
  const std::vector<ParamTensor>& tensors() const { return tensors_; }
  const ParamTensor* find(std::string_view name) const;
  ModelTensors bind(float* base) const;

 private:
  ModelShape shape_;
  std::vector<ParamTensor> tensors_;
  int64_t total_ = 0;
};

// Fresh parameters: norms 1; matrices Gaussian with deviation 0.02, the two
// projections that write into the residual stream (attn_output, ffn_down)
// scaled by 1/sqrt(2 * layers) as in GPT-2, so the stream's variance does
// not grow with depth.
std::vector<float> initial_parameters(const ModelShape& shape, const ParameterLayout& layout, uint64_t seed);

}  // namespace loom::train
