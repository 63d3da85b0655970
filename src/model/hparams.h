// Hyperparameters of a decoder-only Transformer, named as in Hugging Face
// config.json, read from GGUF metadata through one key table (hparams.cc).
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "model/gguf_file.h"

namespace loom::model {

// How RoPE pairs the dimensions of a head.
enum class RopeStyle {
  kAdjacentPairs,  // (x[2i], x[2i+1]): llama.cpp LLAMA_ROPE_TYPE_NORM (llama, mistral)
  kHalves,         // (x[i], x[i + d/2]): LLAMA_ROPE_TYPE_NEOX (qwen2, qwen3)
};

struct HParams {
  std::string architecture;     // general.architecture
  std::string name;             // general.name, if any
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;
  int64_t head_dim = 0;
  int64_t max_position_embeddings = 0;
  double rms_norm_eps = 1e-5;
  double rope_theta = 10000.0;
  double rope_freq_scale = 1.0;  // 1 / linear rope scaling factor
  int64_t rope_dimension_count = 0;  // dims of each head that RoPE rotates
  RopeStyle rope_style = RopeStyle::kAdjacentPairs;

  int64_t q_size() const { return num_attention_heads * head_dim; }
  int64_t kv_size() const { return num_key_value_heads * head_dim; }
};

// Reads and validates the hyperparameters for the file's architecture. The
// vocabulary size comes from token_embd.weight when the key is absent.
Result<HParams> read_hparams(const GgufFile& file);

}  // namespace loom::model
