// Model: a loaded decoder-only Transformer (llama, qwen2, qwen3; Mistral files
// load as llama). Weights stay in the memory-mapped GGUF file; forward() runs
// a batch of tokens of one sequence through it, filling that sequence's KV cache.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/large_buffer.h"
#include "base/status.h"
#include "base/thread_pool.h"
#include "kernels/kernels.h"
#include "model/gguf_file.h"
#include "model/hparams.h"
#include "model/kv_cache.h"
#include "model/transformer_blocks.h"

namespace loom::model {

// The per-architecture differences, declared once in each architecture's file.
struct ArchitectureSpec {
  std::string_view name;  // general.architecture
  bool qkv_bias = false;  // attn_{q,k,v}.bias present (qwen2)
  bool qk_norm = false;   // per-head RMSNorm of q and k before RoPE (qwen3)
};
const ArchitectureSpec& llama_architecture();
const ArchitectureSpec& qwen2_architecture();
const ArchitectureSpec& qwen3_architecture();
// Names of all supported architectures, for error messages.
std::string supported_architecture_names();

struct LayerWeights {
  const float* attn_norm = nullptr;            // [hidden]
  kernels::MatrixView attn_q, attn_k, attn_v;  // (q_size|kv_size, hidden)
  const float* attn_q_bias = nullptr;          // qwen2
  const float* attn_k_bias = nullptr;
  const float* attn_v_bias = nullptr;
  const float* attn_q_norm = nullptr;          // qwen3: [head_dim]
  const float* attn_k_norm = nullptr;
  kernels::MatrixView attn_output;             // (hidden, q_size)
  const float* ffn_norm = nullptr;             // [hidden]
  kernels::MatrixView ffn_gate, ffn_up;        // (intermediate, hidden)
  kernels::MatrixView ffn_down;                // (hidden, intermediate)

  // The seven matrices, in the order a layer uses them.
  std::array<kernels::MatrixView*, 7> matrices() {
    return {&attn_q, &attn_k, &attn_v, &attn_output, &ffn_gate, &ffn_up, &ffn_down};
  }
  std::array<const kernels::MatrixView*, 7> matrices() const {
    return {&attn_q, &attn_k, &attn_v, &attn_output, &ffn_gate, &ffn_up, &ffn_down};
  }
};

struct ModelWeights {
  kernels::MatrixView token_embedding;  // (vocab, hidden)
  std::vector<LayerWeights> layers;
  const float* output_norm = nullptr;   // [hidden]
  kernels::MatrixView output;           // (vocab, hidden); token_embedding when tied
  bool tied_output = false;
  const float* rope_freq_factors = nullptr;  // [rope_dims/2] or null (Llama 3 scaling)
};

enum class LogitsFor { kLastToken, kAllTokens, kNone };

// One sequence's part of a multi-sequence batch: its new tokens, where they
// start, its own KV cache, and where its logits go (vocab-size rows: one per
// token for kAllTokens, one for kLastToken, none for kNone).
struct SequenceChunk {
  std::span<const int32_t> tokens;
  int64_t start_pos = 0;
  KvCache* cache = nullptr;
  LogitsFor logits_for = LogitsFor::kLastToken;
  float* logits = nullptr;
};

class Model {
 public:
  // Maps and validates a GGUF file: architecture, hyperparameters, every tensor's
  // presence, shape and type. Errors name what is wrong and what is supported.
  static Result<std::unique_ptr<Model>> load(const std::string& path);
  static Result<std::unique_ptr<Model>> from_file(GgufFile file);

  const HParams& hparams() const { return hparams_; }
  const ArchitectureSpec& architecture() const { return *spec_; }
  const GgufFile& file() const { return file_; }
  const ModelWeights& weights() const { return weights_; }

  Result<KvCache> new_cache(tensor::DType type, int64_t capacity) const;

  // Runs tokens at positions start_pos.. through the model, storing their keys
  // and values in `cache`. Writes vocab-size logits per token (kAllTokens) or
  // for the last token only into `logits`.
  Status forward(ThreadPool& pool, std::span<const int32_t> tokens, int64_t start_pos, KvCache& cache,
                 LogitsFor which, std::vector<float>& logits);

  // Runs the chunks of several sequences as one batch: every matmul sees all
  // their tokens at once (decode of N sequences reads the weights once), while
  // attention stays within each sequence's own cache. At most kMaxBatch tokens
  // in total.
  Status forward_chunks(ThreadPool& pool, std::span<const SequenceChunk> chunks);

  // Tokens processed per internal batch (bounds activation memory).
  static constexpr int64_t kMaxBatch = 512;
  // Tokens the feed-forward block takes at a time (a multiple of
  // kernels::kTileTokens and kernels::kPanelTokens).
  static constexpr int64_t kFeedForwardChunk = 256;

 private:
  Model() = default;
  void layer_forward(ThreadPool& pool, const LayerWeights& layer, int64_t layer_index,
                     std::span<const SequenceChunk> chunks, int64_t n_tokens);
  RopeParams rope_params() const;

  GgufFile file_;
  HParams hparams_;
  const ArchitectureSpec* spec_ = nullptr;
  ModelWeights weights_;
  std::vector<std::vector<float>> converted_vectors_;  // 1-D weights not stored as F32
  // Weights rearranged into panels (kernels/panels.h) when the kernels prefer
  // them; their views point here and the file's pages are released.
  LargeBuffer panel_weights_;
  Status repack_to_panels();

  // Activations, sized for kMaxBatch tokens on first use; reused afterwards.
  struct Buffers {
    std::vector<float> x, normed, q, k, v, attn, gate, up, scores;
    std::vector<int64_t> positions;
    RopeAngles rope;  // at `positions`, shared by every layer
    std::vector<AttentionQueries> attention;  // per chunk: its rows of q and attn, its cache
    std::vector<float> logits_rows;  // final hidden rows whose logits are wanted
    std::vector<float> gathered_logits;  // their logits, before scattering to the sequences
    std::vector<std::byte> embedding_row;  // one row of a token embedding stored as panels
    kernels::Scratch scratch;
  } buffers_;
};

}  // namespace loom::model
