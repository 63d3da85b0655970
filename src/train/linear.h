// The three products of a linear layer y = x W^T, multi-threaded over rows of
// the result on the dense gemm. Shapes: x (n, in), W (out, in), y (n, out),
// all row-major F32. Results do not depend on the thread count.
#pragma once

#include <cstdint>
#include <vector>

#include "base/thread_pool.h"

namespace loom::train {

// y (n, out) = x (n, in) @ W^T. w_transposed is scratch for W^T (in, out).
void linear_forward(ThreadPool& pool, const float* x, int64_t n, const float* w, int64_t out, int64_t in, float* y,
                    std::vector<float>& w_transposed);

enum class Accumulate { kNo, kYes };

// dx (n, in) = [dx +] dy (n, out) @ W.
void linear_backward_input(ThreadPool& pool, const float* dy, int64_t n, const float* w, int64_t out, int64_t in,
                           float* dx, Accumulate accumulate);

// dW (out, in) += dy^T (out, n) @ x (n, in).
void linear_backward_weight(ThreadPool& pool, const float* dy, const float* x, int64_t n, int64_t out, int64_t in,
                            float* dw);

}  // namespace loom::train
