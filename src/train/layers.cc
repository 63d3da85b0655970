// Per-row and element-wise layers of the trainer (see layers.h).
#include "train/layers.h"

#include <algorithm>
#include <cmath>

#include "train/dense.h"

namespace loom::train {

void rms_norm_forward(ThreadPool& pool, const float* x, const float* weight, int64_t rows, int64_t width, double eps,
                      float* out, float* inv_rms) {
  pool.parallel_for(rows, [&](int64_t begin, int64_t end, int) {
    for (int64_t row = begin; row < end; ++row) {
      const float* in = x + row * width;
      float* dst = out + row * width;
      // The arithmetic of model::rms_norm, step for step.
      double sum = 0.0;
      for (int64_t i = 0; i < width; ++i) sum += static_cast<double>(in[i] * in[i]);
      const float mean = static_cast<float>(sum / width);
      const float scale = 1.0f / std::sqrt(mean + static_cast<float>(eps));
      inv_rms[row] = scale;
      for (int64_t i = 0; i < width; ++i) dst[i] = in[i] * scale * weight[i];
    }
  });
}

void rms_norm_backward(ThreadPool& pool, const float* x, const float* weight, const float* inv_rms, const float* dy,
                       int64_t rows, int64_t width, float* dx, float* dweight) {
  // y_i = x_i s w_i with s = (mean(x^2) + eps)^-1/2 and ds/dx_j = -s^3 x_j / width:
  // dx_j = s w_j dy_j - s^3 / width * x_j * sum_i(dy_i w_i x_i).
  pool.parallel_for(rows, [&](int64_t begin, int64_t end, int) {
    for (int64_t row = begin; row < end; ++row) {
      const float* in = x + row * width;
      const float* d_out = dy + row * width;
      float* d_in = dx + row * width;
      const float s = inv_rms[row];
      double dot = 0.0;
      for (int64_t i = 0; i < width; ++i) dot += static_cast<double>(d_out[i] * weight[i] * in[i]);
      const float coefficient = static_cast<float>(dot * s * s * s / width);
      for (int64_t i = 0; i < width; ++i) d_in[i] += s * weight[i] * d_out[i] - coefficient * in[i];
    }
  });
  // Serial over rows so the sum's order never depends on threads.
  for (int64_t row = 0; row < rows; ++row) {
    const float* in = x + row * width;
    const float* d_out = dy + row * width;
    const float s = inv_rms[row];
    for (int64_t i = 0; i < width; ++i) dweight[i] += d_out[i] * in[i] * s;
  }
}

namespace {

// Runs body(begin, end, scratch) over [0, n) in pieces of at most kPiece
// elements with a stack scratch of that size.
constexpr int64_t kPiece = 512;
template <typename Body>
void element_pieces(ThreadPool& pool, int64_t n, Body&& body) {
  pool.parallel_for((n + kPiece - 1) / kPiece, [&](int64_t begin, int64_t end, int) {
    float scratch[kPiece];
    for (int64_t piece = begin; piece < end; ++piece) {
      const int64_t first = piece * kPiece, last = std::min(n, first + kPiece);
      body(first, last, scratch);
    }
  });
}

}  // namespace

void swiglu_forward(ThreadPool& pool, const float* gate, const float* up, int64_t n, float* out) {
  const auto& dense = dense_kernels();
  element_pieces(pool, n, [&](int64_t first, int64_t last, float* e) {
    const int64_t count = last - first;
    for (int64_t i = 0; i < count; ++i) e[i] = -gate[first + i];
    dense.exp(e, count);
    for (int64_t i = 0; i < count; ++i) out[first + i] = gate[first + i] / (1.0f + e[i]) * up[first + i];
  });
}

void swiglu_backward(ThreadPool& pool, const float* gate, const float* up, const float* dout, int64_t n,
                     float* d_gate, float* d_up) {
  // silu(g) = g sig(g); silu'(g) = sig(g) (1 + g (1 - sig(g))).
  const auto& dense = dense_kernels();
  element_pieces(pool, n, [&](int64_t first, int64_t last, float* e) {
    const int64_t count = last - first;
    for (int64_t i = 0; i < count; ++i) e[i] = -gate[first + i];
    dense.exp(e, count);
    for (int64_t i = 0; i < count; ++i) {
      const int64_t at = first + i;
      const float g = gate[at];
      const float sigmoid = 1.0f / (1.0f + e[i]);
      const float d = dout[at];
      d_up[at] = d * g * sigmoid;
      d_gate[at] = d * up[at] * sigmoid * (1.0f + g * (1.0f - sigmoid));
    }
  });
}

void rope(ThreadPool& pool, float* x, int64_t n_tokens, int64_t n_heads, std::span<const int64_t> positions,
          const model::RopeParams& params) {
  const int64_t width = n_heads * params.head_dim;
  pool.parallel_for(n_tokens, [&](int64_t begin, int64_t end, int) {
    model::apply_rope(x + begin * width, end - begin, n_heads, positions.subspan(begin, end - begin), params);
  });
}

void cross_entropy(ThreadPool& pool, float* logits, const int32_t* targets, int64_t rows, int64_t vocab, float scale,
                   float* losses) {
  const auto& dense = dense_kernels();
  pool.parallel_for(rows, [&](int64_t begin, int64_t end, int) {
    for (int64_t row = begin; row < end; ++row) {
      float* values = logits + row * vocab;
      const int32_t target = targets[row];
      const float max_value = *std::max_element(values, values + vocab);
      const float target_logit = values[target] - max_value;
      for (int64_t i = 0; i < vocab; ++i) values[i] -= max_value;
      dense.exp(values, vocab);
      double sum = 0.0;
      for (int64_t i = 0; i < vocab; ++i) sum += values[i];
      losses[row] = static_cast<float>(std::log(sum) - target_logit);
      const float factor = static_cast<float>(scale / sum);
      for (int64_t i = 0; i < vocab; ++i) values[i] *= factor;
      values[target] -= scale;
    }
  });
}

}  // namespace loom::train
