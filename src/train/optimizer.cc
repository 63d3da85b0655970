// AdamW, schedule and clipping (see optimizer.h).
#include "train/optimizer.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace loom::train {

double scheduled_learning_rate(const OptimizerOptions& options, int64_t step, int64_t total_steps) {
  const double peak = options.learning_rate;
  if (step < options.warmup_steps) return peak * static_cast<double>(step + 1) / static_cast<double>(options.warmup_steps);
  const double floor = peak * options.min_lr_ratio;
  const int64_t decay_steps = std::max<int64_t>(1, total_steps - options.warmup_steps);
  const double progress = std::min(1.0, static_cast<double>(step - options.warmup_steps) / decay_steps);
  return floor + 0.5 * (peak - floor) * (1.0 + std::cos(std::numbers::pi * progress));
}

double clip_gradients(float* grads, int64_t n, double max_norm) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(grads[i]) * grads[i];
  const double norm = std::sqrt(sum);
  if (max_norm > 0 && norm > max_norm) {
    const float scale = static_cast<float>(max_norm / norm);
    for (int64_t i = 0; i < n; ++i) grads[i] *= scale;
  }
  return norm;
}

AdamW::AdamW(const ParameterLayout& layout, const OptimizerOptions& options)
    : options_(options), m_(layout.total(), 0.0f), v_(layout.total(), 0.0f), decays_(layout.total(), 0) {
  for (const ParamTensor& tensor : layout.tensors()) {
    if (tensor.is_matrix) std::fill_n(decays_.begin() + tensor.offset, tensor.size(), 1);
  }
}

void AdamW::update(ThreadPool& pool, float* params, const float* grads, double learning_rate, int64_t step) {
  const float beta1 = static_cast<float>(options_.beta1), beta2 = static_cast<float>(options_.beta2);
  const float lr = static_cast<float>(learning_rate);
  const float correction1 = static_cast<float>(1.0 - std::pow(options_.beta1, static_cast<double>(step)));
  const float correction2 = static_cast<float>(1.0 - std::pow(options_.beta2, static_cast<double>(step)));
  const float epsilon = static_cast<float>(options_.epsilon);
  const float decay = static_cast<float>(1.0 - learning_rate * options_.weight_decay);
  pool.parallel_for(static_cast<int64_t>(m_.size()), [&](int64_t begin, int64_t end, int) {
    for (int64_t i = begin; i < end; ++i) {
      const float g = grads[i];
      m_[i] = beta1 * m_[i] + (1.0f - beta1) * g;
      v_[i] = beta2 * v_[i] + (1.0f - beta2) * g * g;
      const float m_hat = m_[i] / correction1;
      const float v_hat = v_[i] / correction2;
      if (decays_[i]) params[i] *= decay;
      params[i] -= lr * m_hat / (std::sqrt(v_hat) + epsilon);
    }
  });
}

}  // namespace loom::train
