// Random-weight models with the exact tensor names, shapes and metadata of
// real models (`loom make-test-model`). Weights are scaled so that logits are
// peaked (top-1 probabilities well above uniform), as in a trained model.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/gguf_writer.h"
#include "tensor/dtype.h"

namespace loom::model {

struct TestModelShape {
  std::string name;          // "tiny", "qwen3-0.6b", ...
  int64_t vocab_size;
  int64_t hidden_size;
  int64_t intermediate_size;
  int64_t num_hidden_layers;
  int64_t num_attention_heads;
  int64_t num_key_value_heads;
  int64_t head_dim;
  int64_t context_length;
  double rope_theta;
  double rms_norm_eps;
  bool tied_embeddings;
  bool llama3_rope_scaling;  // writes rope_freqs.weight (Llama 3.1/3.2)
};

// Shapes known for an architecture: "tiny" always, plus the real ones.
Result<TestModelShape> find_test_shape(std::string_view architecture, std::string_view shape);
std::string test_shape_names(std::string_view architecture);

// Weight types: one tensor type for all matrices ("f32", "f16", "bf16", "q8_0",
// "q4_0", "q4_k", "q6_k") or the llama.cpp mix "q4_k_m" (Q4_K with Q6_K for the
// output, embeddings and some attn_v / ffn_down layers). Matrices whose rows
// are not whole blocks of the chosen type fall back to Q8_0, then F16.
struct TestModelOptions {
  std::string architecture = "llama";  // llama | qwen2 | qwen3
  std::string shape = "tiny";
  std::string type = "f32";
  uint64_t seed = 1;
  // Writes tokenizer.ggml.* metadata. Empty: a synthetic SentencePiece-style
  // vocabulary of vocab_size tokens (<unk>, <s>, </s>, 256 byte tokens, pieces).
  std::function<Status(GgufWriter&)> write_tokenizer;
  int64_t vocab_size_override = 0;  // set when the tokenizer dictates the vocabulary size
  // Called after each layer's tensors are made (layer 1..layers), for progress.
  std::function<void(int64_t layer, int64_t layers)> on_layer;
};

Status write_test_model(const TestModelOptions& options, const std::string& path);

}  // namespace loom::model
