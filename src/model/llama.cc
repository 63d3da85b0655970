// Architecture `llama` (Llama 2/3.x, Mistral, TinyLlama, stories): pre-norm
// RMSNorm, GQA attention with RoPE on adjacent pairs, SwiGLU FFN, tied or
// untied output, optional Llama 3 RoPE frequency factors (rope_freqs.weight).
#include "model/model.h"

namespace loom::model {

const ArchitectureSpec& llama_architecture() {
  static const ArchitectureSpec spec{.name = "llama", .qkv_bias = false, .qk_norm = false};
  return spec;
}

}  // namespace loom::model
