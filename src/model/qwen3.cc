// Architecture `qwen3` (Qwen3 dense): no projection biases; each head of q and
// k is RMS-normalized (attn_q_norm / attn_k_norm, width head_dim) before RoPE
// on halves. head_dim may differ from hidden_size / heads (0.6B: 128 vs 64).
#include "model/model.h"

namespace loom::model {

const ArchitectureSpec& qwen3_architecture() {
  static const ArchitectureSpec spec{.name = "qwen3", .qkv_bias = false, .qk_norm = true};
  return spec;
}

}  // namespace loom::model
