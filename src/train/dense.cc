// Picks the dense kernel table for the ISA the rest of loom runs.
#include "train/dense.h"

#include "kernels/kernels.h"

namespace loom::train {

#define LOOM_DECLARE_DENSE(name)                 \
  namespace name {                               \
  void gemm(const GemmArgs& args);               \
  void exp_in_place(float* x, int64_t n);        \
  void softmax(float* x, int64_t n, float scale); \
  void softmax_backward(const float* p, float* g, int64_t n, float scale); \
  }
LOOM_DECLARE_DENSE(portable)
LOOM_DECLARE_DENSE(avx2)
LOOM_DECLARE_DENSE(avx512)
#undef LOOM_DECLARE_DENSE

const DenseKernels& dense_kernels() {
  static const DenseKernels tables[] = {
      {Isa::kScalar, portable::gemm, portable::exp_in_place, portable::softmax, portable::softmax_backward},
      {Isa::kAvx2, avx2::gemm, avx2::exp_in_place, avx2::softmax, avx2::softmax_backward},
      {Isa::kAvx512, avx512::gemm, avx512::exp_in_place, avx512::softmax, avx512::softmax_backward},
  };
  // kernels() only ever runs an ISA the CPU supports.
  return tables[static_cast<int>(kernels::kernels().isa)];
}

}  // namespace loom::train
