// Dense F32 kernels of the trainer: a general matrix product with strided
// operands (the three products of a linear layer and of attention are all
// this one routine), exp and the softmax rows of attention. Vector sums run
// in a fixed lane order, so results depend only on the ISA. One portable source (dense_body.h)
// is compiled at the default flags and for AVX2 and AVX-512; the table that
// runs follows the ISA of kernels::kernels() (--isa, LOOM_ISA).
#pragma once

#include <cstdint>

#include "base/cpu_features.h"

namespace loom::train {

// C (m, n) = [C +] A (m, k) @ B (k, n), single-threaded.
//   A(i, l) = a[i * a_row_stride + l * a_col_stride]  (so A^T is a stride swap)
//   B(l, j) = b[l * b_row_stride + j]                 (rows contiguous)
//   C(i, j) = c[i * c_row_stride + j]
// Each C element is summed over l in increasing order in blocks of a fixed
// size, so results depend only on the ISA, never on how callers split rows.
struct GemmArgs {
  int64_t m = 0, n = 0, k = 0;
  const float* a = nullptr;
  int64_t a_row_stride = 0, a_col_stride = 1;
  const float* b = nullptr;
  int64_t b_row_stride = 0;
  float* c = nullptr;
  int64_t c_row_stride = 0;
  bool accumulate = false;
};

struct DenseKernels {
  Isa isa = Isa::kScalar;
  void (*gemm)(const GemmArgs& args) = nullptr;
  // x[i] = exp(x[i]) to about 2 ulp; inputs below -87.3 give 0, above 88.3 are clamped.
  void (*exp)(float* x, int64_t n) = nullptr;
  // x = softmax(x * scale) over n >= 1 elements (scale > 0).
  void (*softmax)(float* x, int64_t n, float scale) = nullptr;
  // The gradient through a softmax p = softmax(s) given g = dL/dp:
  // g = p * (g - dot(p, g)) * scale.
  void (*softmax_backward)(const float* p, float* g, int64_t n, float scale) = nullptr;
};

// The table for the ISA kernels::kernels() runs.
const DenseKernels& dense_kernels();

}  // namespace loom::train
