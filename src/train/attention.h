// Causal grouped-query attention over a batch of packed sequences, forward
// and backward. Each sequence attends only to its own earlier positions.
// The backward pass recomputes the softmax weights instead of storing them
// (a T x T matrix per head and layer), which costs one more Q K^T product.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/thread_pool.h"

namespace loom::train {

// Rows [begin, begin + length) of the batch form one sequence (positions 0..).
struct SequenceSpan {
  int64_t begin = 0;
  int64_t length = 0;
};

struct AttentionDims {
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t q_size() const { return n_heads * head_dim; }
  int64_t kv_size() const { return n_kv_heads * head_dim; }
};

class Attention {
 public:
  // out (n, q_size) = softmax(q k^T / sqrt(head_dim), causal) v, per sequence
  // and head; q (n, q_size), k and v (n, kv_size), after RoPE.
  void forward(ThreadPool& pool, std::span<const SequenceSpan> sequences, const AttentionDims& dims, const float* q,
               const float* k, const float* v, float* out);
  // dq, dk, dv (overwritten) from d_out (n, q_size).
  void backward(ThreadPool& pool, std::span<const SequenceSpan> sequences, const AttentionDims& dims, const float* q,
                const float* k, const float* v, const float* d_out, float* dq, float* dk, float* dv);

 private:
  struct Scratch {
    std::vector<float> keys_t, values_t;  // (head_dim, T): K^T and V^T of one kv head
    std::vector<float> probs, grads;      // (T, T): softmax weights and their gradient
  };
  Scratch& scratch(int thread, int64_t length, int64_t head_dim);
  void softmax_weights(const AttentionDims& dims, const float* q_head, int64_t length, Scratch& s);

  std::vector<Scratch> scratch_;
};

}  // namespace loom::train
