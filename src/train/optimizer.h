// AdamW with decoupled weight decay (matrices only), the learning-rate
// schedule (linear warmup, cosine decay to a floor) and global-norm gradient
// clipping. All element-wise and deterministic.
#pragma once

#include <cstdint>
#include <vector>

#include "base/thread_pool.h"
#include "train/model_shape.h"

namespace loom::train {

struct OptimizerOptions {
  double learning_rate = 3e-3;
  int64_t warmup_steps = 100;
  double min_lr_ratio = 0.1;  // the cosine ends at learning_rate * min_lr_ratio
  double weight_decay = 0.1;
  double clip_norm = 1.0;     // <= 0: no clipping
  double beta1 = 0.9;
  double beta2 = 0.95;
  double epsilon = 1e-8;
};

// Learning rate of `step` (0-based) of `total_steps`.
double scheduled_learning_rate(const OptimizerOptions& options, int64_t step, int64_t total_steps);

// Scales grads so their global L2 norm is at most max_norm (if max_norm > 0);
// returns the norm before clipping.
double clip_gradients(float* grads, int64_t n, double max_norm);

class AdamW {
 public:
  AdamW(const ParameterLayout& layout, const OptimizerOptions& options);
  // One update of step `step` (1-based, for bias correction).
  void update(ThreadPool& pool, float* params, const float* grads, double learning_rate, int64_t step);

  // Moments, in the parameter layout (saved in checkpoints).
  std::vector<float>& first_moment() { return m_; }
  std::vector<float>& second_moment() { return v_; }
  const std::vector<float>& first_moment() const { return m_; }
  const std::vector<float>& second_moment() const { return v_; }

 private:
  OptimizerOptions options_;
  std::vector<float> m_, v_;
  std::vector<uint8_t> decays_;  // per parameter: weight decay applies
};

}  // namespace loom::train
