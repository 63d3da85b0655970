// Causal GQA attention, forward and backward (see attention.h). One job per
// (sequence, kv head): it owns that head's slices of dk and dv, so the
// backward pass needs no reduction across threads.
#include "train/attention.h"

#include <algorithm>
#include <cmath>

#include "train/dense.h"

namespace loom::train {
namespace {

// Query rows per block: the score product of a block spans only the keys up
// to its last row (rounded up to a whole vector strip), so causal masking
// wastes little.
constexpr int64_t kBlock = 64;
constexpr int64_t kColumnRound = 16;

struct Job {
  const SequenceSpan* sequence;
  int64_t kv_head;
};

// Copies rows [begin, begin + length) of the head's (length, head_dim) slice
// of x (row stride `stride`) into (head_dim, length).
void transpose_head(const float* x, int64_t stride, int64_t length, int64_t head_dim, float* out) {
  for (int64_t pos = 0; pos < length; ++pos) {
    for (int64_t d = 0; d < head_dim; ++d) out[d * length + pos] = x[pos * stride + d];
  }
}

}  // namespace

Attention::Scratch& Attention::scratch(int thread, int64_t length, int64_t head_dim) {
  Scratch& s = scratch_[thread];
  auto ensure = [](std::vector<float>& buffer, int64_t size) {  // contents need not survive growth
    if (static_cast<int64_t>(buffer.size()) < size) buffer = std::vector<float>(size);
  };
  ensure(s.keys_t, head_dim * length);
  ensure(s.values_t, head_dim * length);
  ensure(s.probs, length * length);
  ensure(s.grads, length * length);
  return s;
}

// probs (length, length) = causal softmax(q k^T * scale) of one query head;
// entries above the diagonal are 0 up to the end of the row's block of
// kBlock rows, beyond which no product reads. Needs keys_t filled.
void Attention::softmax_weights(const AttentionDims& dims, const float* q_head, int64_t length, Scratch& s) {
  const auto& dense = dense_kernels();
  const int64_t q_size = dims.q_size();
  const float scale = 1.0f / std::sqrt(static_cast<float>(dims.head_dim));
  float* probs = s.probs.data();
  for (int64_t first = 0; first < length; first += kBlock) {
    const int64_t last = std::min(length, first + kBlock);
    const int64_t columns = std::min(length, (last + kColumnRound - 1) / kColumnRound * kColumnRound);
    dense.gemm({.m = last - first, .n = columns, .k = dims.head_dim, .a = q_head + first * q_size,
                .a_row_stride = q_size, .a_col_stride = 1, .b = s.keys_t.data(), .b_row_stride = length,
                .c = probs + first * length, .c_row_stride = length});
    for (int64_t row = first; row < last; ++row) {
      float* weights = probs + row * length;
      const int64_t count = row + 1;  // causal: keys 0..row
      dense.softmax(weights, count, scale);
      // Later products read a row only up to the end of its block.
      std::fill(weights + count, weights + last, 0.0f);
    }
  }
}

namespace {

std::vector<Job> make_jobs(std::span<const SequenceSpan> sequences, int64_t n_kv_heads) {
  std::vector<Job> jobs;
  for (const SequenceSpan& sequence : sequences) {
    for (int64_t head = 0; head < n_kv_heads; ++head) jobs.push_back({&sequence, head});
  }
  return jobs;
}

}  // namespace

void Attention::forward(ThreadPool& pool, std::span<const SequenceSpan> sequences, const AttentionDims& dims,
                        const float* q, const float* k, const float* v, float* out) {
  scratch_.resize(pool.size());
  const auto& dense = dense_kernels();
  const int64_t q_size = dims.q_size(), kv_size = dims.kv_size(), head_dim = dims.head_dim;
  const int64_t group = dims.n_heads / dims.n_kv_heads;
  const std::vector<Job> jobs = make_jobs(sequences, dims.n_kv_heads);
  pool.parallel_for(static_cast<int64_t>(jobs.size()), [&](int64_t begin, int64_t end, int thread) {
    for (int64_t index = begin; index < end; ++index) {
      const int64_t offset = jobs[index].sequence->begin, length = jobs[index].sequence->length;
      const int64_t kv_head = jobs[index].kv_head;
      Scratch& s = scratch(thread, length, head_dim);
      const float* keys = k + offset * kv_size + kv_head * head_dim;
      const float* values = v + offset * kv_size + kv_head * head_dim;
      transpose_head(keys, kv_size, length, head_dim, s.keys_t.data());
      for (int64_t member = 0; member < group; ++member) {
        const int64_t head = kv_head * group + member;
        softmax_weights(dims, q + offset * q_size + head * head_dim, length, s);
        for (int64_t first = 0; first < length; first += kBlock) {  // out rows = probs rows @ V
          const int64_t last = std::min(length, first + kBlock);
          dense.gemm({.m = last - first, .n = head_dim, .k = last, .a = s.probs.data() + first * length,
                      .a_row_stride = length, .a_col_stride = 1, .b = values, .b_row_stride = kv_size,
                      .c = out + (offset + first) * q_size + head * head_dim, .c_row_stride = q_size});
        }
      }
    }
  });
}

void Attention::backward(ThreadPool& pool, std::span<const SequenceSpan> sequences, const AttentionDims& dims,
                         const float* q, const float* k, const float* v, const float* d_out, float* dq, float* dk,
                         float* dv) {
  scratch_.resize(pool.size());
  const auto& dense = dense_kernels();
  const int64_t q_size = dims.q_size(), kv_size = dims.kv_size(), head_dim = dims.head_dim;
  const int64_t group = dims.n_heads / dims.n_kv_heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const std::vector<Job> jobs = make_jobs(sequences, dims.n_kv_heads);
  pool.parallel_for(static_cast<int64_t>(jobs.size()), [&](int64_t begin, int64_t end, int thread) {
    for (int64_t index = begin; index < end; ++index) {
      const int64_t offset = jobs[index].sequence->begin, length = jobs[index].sequence->length;
      const int64_t kv_head = jobs[index].kv_head;
      Scratch& s = scratch(thread, length, head_dim);
      const float* keys = k + offset * kv_size + kv_head * head_dim;
      const float* values = v + offset * kv_size + kv_head * head_dim;
      float* d_keys = dk + offset * kv_size + kv_head * head_dim;
      float* d_values = dv + offset * kv_size + kv_head * head_dim;
      for (int64_t pos = 0; pos < length; ++pos) {
        std::fill_n(d_keys + pos * kv_size, head_dim, 0.0f);
        std::fill_n(d_values + pos * kv_size, head_dim, 0.0f);
      }
      transpose_head(keys, kv_size, length, head_dim, s.keys_t.data());
      transpose_head(values, kv_size, length, head_dim, s.values_t.data());
      for (int64_t member = 0; member < group; ++member) {
        const int64_t head = kv_head * group + member;
        const float* q_head = q + offset * q_size + head * head_dim;
        const float* d_out_head = d_out + offset * q_size + head * head_dim;
        float* dq_head = dq + offset * q_size + head * head_dim;
        softmax_weights(dims, q_head, length, s);
        const float* probs = s.probs.data();
        float* grads = s.grads.data();
        for (int64_t first = 0; first < length; first += kBlock) {
          const int64_t last = std::min(length, first + kBlock);
          const int64_t columns = std::min(length, (last + kColumnRound - 1) / kColumnRound * kColumnRound);
          // dP = dO V^T; then dS = P * (dP - rowsum(P * dP)), times the score scale.
          dense.gemm({.m = last - first, .n = columns, .k = head_dim, .a = d_out_head + first * q_size,
                      .a_row_stride = q_size, .a_col_stride = 1, .b = s.values_t.data(), .b_row_stride = length,
                      .c = grads + first * length, .c_row_stride = length});
          for (int64_t row = first; row < last; ++row) {
            const float* p = probs + row * length;
            float* g = grads + row * length;
            dense.softmax_backward(p, g, row + 1, scale);
            std::fill(g + row + 1, g + last, 0.0f);
          }
          // dQ rows = dS rows @ K.
          dense.gemm({.m = last - first, .n = head_dim, .k = last, .a = grads + first * length,
                      .a_row_stride = length, .a_col_stride = 1, .b = keys, .b_row_stride = kv_size,
                      .c = dq_head + first * q_size, .c_row_stride = q_size});
        }
        // dK rows j += dS^T rows @ Q and dV rows j += P^T rows @ dO, over queries i >= j.
        for (int64_t first = 0; first < length; first += kBlock) {
          const int64_t last = std::min(length, first + kBlock);
          const int64_t depth = length - first;
          dense.gemm({.m = last - first, .n = head_dim, .k = depth, .a = grads + first * length + first,
                      .a_row_stride = 1, .a_col_stride = length, .b = q_head + first * q_size,
                      .b_row_stride = q_size, .c = d_keys + first * kv_size, .c_row_stride = kv_size,
                      .accumulate = true});
          dense.gemm({.m = last - first, .n = head_dim, .k = depth, .a = probs + first * length + first,
                      .a_row_stride = 1, .a_col_stride = length, .b = d_out_head + first * q_size,
                      .b_row_stride = q_size, .c = d_values + first * kv_size, .c_row_stride = kv_size,
                      .accumulate = true});
        }
      }
    }
  });
}

}  // namespace loom::train
