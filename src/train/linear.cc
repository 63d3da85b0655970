// Linear-layer products on the dense gemm (see linear.h).
#include "train/linear.h"

#include <algorithm>

#include "train/dense.h"

namespace loom::train {
namespace {

// Rows of the result handed out per unit of work: a multiple of the gemm's
// register tile, so tails stay rare.
constexpr int64_t kRowUnit = 16;

}  // namespace

void linear_forward(ThreadPool& pool, const float* x, int64_t n, const float* w, int64_t out, int64_t in, float* y,
                    std::vector<float>& w_transposed) {
  // W^T (in, out) makes B's rows contiguous; its cost, out * in, is small
  // next to the product's n * out * in.
  w_transposed.resize(in * out);
  for (int64_t row = 0; row < out; ++row) {
    for (int64_t col = 0; col < in; ++col) w_transposed[col * out + row] = w[row * in + col];
  }
  const auto& dense = dense_kernels();
  const float* b = w_transposed.data();
  pool.parallel_for((n + kRowUnit - 1) / kRowUnit, [&](int64_t begin, int64_t end, int) {
    const int64_t first = begin * kRowUnit, last = std::min(n, end * kRowUnit);
    dense.gemm({.m = last - first, .n = out, .k = in, .a = x + first * in, .a_row_stride = in, .a_col_stride = 1,
                .b = b, .b_row_stride = out, .c = y + first * out, .c_row_stride = out});
  });
}

void linear_backward_input(ThreadPool& pool, const float* dy, int64_t n, const float* w, int64_t out, int64_t in,
                           float* dx, Accumulate accumulate) {
  const auto& dense = dense_kernels();
  pool.parallel_for((n + kRowUnit - 1) / kRowUnit, [&](int64_t begin, int64_t end, int) {
    const int64_t first = begin * kRowUnit, last = std::min(n, end * kRowUnit);
    dense.gemm({.m = last - first, .n = in, .k = out, .a = dy + first * out, .a_row_stride = out, .a_col_stride = 1,
                .b = w, .b_row_stride = in, .c = dx + first * in, .c_row_stride = in,
                .accumulate = accumulate == Accumulate::kYes});
  });
}

void linear_backward_weight(ThreadPool& pool, const float* dy, const float* x, int64_t n, int64_t out, int64_t in,
                            float* dw) {
  // A = dy^T: A(row, token) = dy[token * out + row]. Split by rows of dW, so
  // each thread sums all tokens of its rows in order.
  const auto& dense = dense_kernels();
  constexpr int64_t kUnit = 4;
  pool.parallel_for((out + kUnit - 1) / kUnit, [&](int64_t begin, int64_t end, int) {
    const int64_t first = begin * kUnit, last = std::min(out, end * kUnit);
    dense.gemm({.m = last - first, .n = in, .k = n, .a = dy + first, .a_row_stride = 1, .a_col_stride = out,
                .b = x, .b_row_stride = in, .c = dw + first * in, .c_row_stride = in, .accumulate = true});
  });
}

}  // namespace loom::train
