// Forward and backward passes of the element-wise and per-row steps of a
// decoder: RMSNorm, SwiGLU, RoPE and the cross-entropy loss. Forward passes
// follow src/model's arithmetic (double-accumulated norms, the same RoPE) so
// an exported model computes what the trainer computed.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/thread_pool.h"
#include "model/transformer_blocks.h"

namespace loom::train {

// out[row] = x[row] * inv_rms[row] * weight, inv_rms[row] = 1 / sqrt(mean(x[row]^2) + eps).
void rms_norm_forward(ThreadPool& pool, const float* x, const float* weight, int64_t rows, int64_t width, double eps,
                      float* out, float* inv_rms);
// dx += d(out)/dx^T dy; dweight += sum over rows of dy * x * inv_rms.
void rms_norm_backward(ThreadPool& pool, const float* x, const float* weight, const float* inv_rms, const float* dy,
                       int64_t rows, int64_t width, float* dx, float* dweight);

// out[i] = silu(gate[i]) * up[i].
void swiglu_forward(ThreadPool& pool, const float* gate, const float* up, int64_t n, float* out);
// From dout: d_gate and d_up. d_gate may alias dout.
void swiglu_backward(ThreadPool& pool, const float* gate, const float* up, const float* dout, int64_t n,
                     float* d_gate, float* d_up);

// RoPE of n_tokens rows of n_heads heads, token t at positions[t]
// (model::apply_rope, split over tokens). Its backward is the inverse
// rotation: the same call with negated positions.
void rope(ThreadPool& pool, float* x, int64_t n_tokens, int64_t n_heads, std::span<const int64_t> positions,
          const model::RopeParams& params);

// Softmax cross-entropy of each logits row (vocab wide) against targets[row].
// Replaces the logits by the gradient of scale * sum(losses) and writes each
// row's loss (natural log) to losses[row].
void cross_entropy(ThreadPool& pool, float* logits, const int32_t* targets, int64_t rows, int64_t vocab, float scale,
                   float* losses);

}  // namespace loom::train
