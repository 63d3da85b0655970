// Which activation format each weight type is multiplied against (llama.cpp's
// vec_dot_type), so loom's rounding of activations matches llama.cpp's.
#include "kernels/kernels.h"

namespace loom::kernels {

DType dot_type(DType weight_type) {
  switch (weight_type) {
    case DType::kF32: return DType::kF32;
    case DType::kF16: return DType::kF16;
    case DType::kBF16: return DType::kBF16;
    case DType::kQ8_0:
    case DType::kQ4_0: return DType::kQ8_0;
    case DType::kQ4_K:
    case DType::kQ6_K: return DType::kQ8_K;
    case DType::kQ8_K: break;
  }
  CHECK(false && "no dot type for this weight type");
  return DType::kF32;
}

}  // namespace loom::kernels
