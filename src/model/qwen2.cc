// Architecture `qwen2` (Qwen2, Qwen2.5): the llama layer with biases on the
// q, k and v projections and RoPE on halves (NEOX style).
#include "model/model.h"

namespace loom::model {

const ArchitectureSpec& qwen2_architecture() {
  static const ArchitectureSpec spec{.name = "qwen2", .qkv_bias = true, .qk_norm = false};
  return spec;
}

}  // namespace loom::model
