// Shared pieces of the trainer's tests: a tiny model shape, parameters large
// enough that every gradient is well above float noise, temporary paths.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "train/model_shape.h"

namespace loom::train::testing {

inline ModelShape tiny_shape(int64_t vocab = 37) {
  ModelShape shape;
  shape.vocab_size = vocab;
  shape.hidden_size = 16;
  shape.intermediate_size = 24;
  shape.num_hidden_layers = 2;
  shape.num_attention_heads = 4;
  shape.num_key_value_heads = 2;
  shape.context_length = 64;
  return shape;
}

inline std::vector<float> random_values(int64_t count, float deviation, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> values(count);
  for (float& value : values) value = deviation * 1.7320508f * uniform(random);  // uniform with this deviation
  return values;
}

// Parameters with norms near 1 and matrices of deviation `deviation`.
inline std::vector<float> random_parameters(const ModelShape& shape, float deviation, uint64_t seed) {
  const ParameterLayout layout(shape);
  std::vector<float> params = random_values(layout.total(), deviation, seed);
  for (const ParamTensor& tensor : layout.tensors()) {
    if (tensor.is_matrix) continue;
    for (int64_t i = 0; i < tensor.size(); ++i) params[tensor.offset + i] = 1.0f + 0.5f * params[tensor.offset + i];
  }
  return params;
}

inline std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("loom_train_" + std::to_string(::getpid()) + "_" + name)).string();
}

}  // namespace loom::train::testing
