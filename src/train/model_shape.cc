// ModelShape validation, the parameter layout and initialization.
#include "train/model_shape.h"

#include <cmath>
#include <numbers>
#include <random>

namespace loom::train {

Status ModelShape::validate() const {
  auto positive = [](const char* name, int64_t value, int64_t limit) -> Status {
    if (value <= 0 || value > limit) return invalid_argument(name, " = ", value, " is out of range (1..", limit, ")");
    return {};
  };
  TRY(positive("vocab_size", vocab_size, 1 << 20));
  TRY(positive("hidden_size", hidden_size, 1 << 14));
  TRY(positive("intermediate_size", intermediate_size, 1 << 16));
  TRY(positive("num_hidden_layers", num_hidden_layers, 256));
  TRY(positive("num_attention_heads", num_attention_heads, 256));
  TRY(positive("num_key_value_heads", num_key_value_heads, 256));
  TRY(positive("context_length", context_length, 1 << 16));
  if (hidden_size % num_attention_heads != 0) {
    return invalid_argument("hidden size ", hidden_size, " is not a multiple of the ", num_attention_heads, " heads");
  }
  if (num_attention_heads % num_key_value_heads != 0) {
    return invalid_argument(num_attention_heads, " attention heads are not a multiple of the ", num_key_value_heads,
                            " key/value heads");
  }
  if (head_dim() % 2 != 0) return invalid_argument("head dimension ", head_dim(), " is odd (RoPE rotates pairs)");
  if (!(rope_theta > 0) || !(rms_norm_eps > 0)) return invalid_argument("rope_theta and rms_norm_eps must be positive");
  return {};
}

ParameterLayout::ParameterLayout(const ModelShape& shape) : shape_(shape) {
  auto add = [&](std::string name, int64_t rows, int64_t cols, bool is_matrix) {
    tensors_.push_back({std::move(name), rows, cols, total_, is_matrix});
    total_ += rows * cols;
  };
  const int64_t hidden = shape.hidden_size;
  add("token_embd.weight", shape.vocab_size, hidden, true);
  add("output_norm.weight", 1, hidden, false);
  if (!shape.tied_embeddings) add("output.weight", shape.vocab_size, hidden, true);
  for (int64_t layer = 0; layer < shape.num_hidden_layers; ++layer) {
    const std::string p = "blk." + std::to_string(layer) + ".";
    add(p + "attn_norm.weight", 1, hidden, false);
    add(p + "attn_q.weight", shape.q_size(), hidden, true);
    add(p + "attn_k.weight", shape.kv_size(), hidden, true);
    add(p + "attn_v.weight", shape.kv_size(), hidden, true);
    add(p + "attn_output.weight", hidden, shape.q_size(), true);
    add(p + "ffn_norm.weight", 1, hidden, false);
    add(p + "ffn_gate.weight", shape.intermediate_size, hidden, true);
    add(p + "ffn_up.weight", shape.intermediate_size, hidden, true);
    add(p + "ffn_down.weight", hidden, shape.intermediate_size, true);
  }
}

const ParamTensor* ParameterLayout::find(std::string_view name) const {
  for (const ParamTensor& tensor : tensors_) {
    if (tensor.name == name) return &tensor;
  }
  return nullptr;
}

ModelTensors ParameterLayout::bind(float* base) const {
  auto at = [&](const std::string& name) {
    const ParamTensor* tensor = find(name);
    CHECK(tensor != nullptr);
    return base + tensor->offset;
  };
  ModelTensors t;
  t.token_embedding = at("token_embd.weight");
  t.output_norm = at("output_norm.weight");
  t.output = shape_.tied_embeddings ? t.token_embedding : at("output.weight");
  for (int64_t layer = 0; layer < shape_.num_hidden_layers; ++layer) {
    const std::string p = "blk." + std::to_string(layer) + ".";
    t.layers.push_back({.attn_norm = at(p + "attn_norm.weight"),
                        .attn_q = at(p + "attn_q.weight"),
                        .attn_k = at(p + "attn_k.weight"),
                        .attn_v = at(p + "attn_v.weight"),
                        .attn_output = at(p + "attn_output.weight"),
                        .ffn_norm = at(p + "ffn_norm.weight"),
                        .ffn_gate = at(p + "ffn_gate.weight"),
                        .ffn_up = at(p + "ffn_up.weight"),
                        .ffn_down = at(p + "ffn_down.weight")});
  }
  return t;
}

std::vector<float> initial_parameters(const ModelShape& shape, const ParameterLayout& layout, uint64_t seed) {
  std::vector<float> params(layout.total());
  // mt19937_64 is specified exactly by the standard, and Box-Muller by hand
  // (std::normal_distribution is not), so a seed gives the same model everywhere.
  std::mt19937_64 random(seed);
  auto uniform = [&] { return (static_cast<double>(random() >> 11) + 0.5) * 0x1.0p-53; };
  auto gaussian = [&] {
    return std::sqrt(-2.0 * std::log(uniform())) * std::cos(2.0 * std::numbers::pi * uniform());
  };
  const double residual_scale = 1.0 / std::sqrt(2.0 * static_cast<double>(shape.num_hidden_layers));
  for (const ParamTensor& tensor : layout.tensors()) {
    float* values = params.data() + tensor.offset;
    if (!tensor.is_matrix) {
      std::fill_n(values, tensor.size(), 1.0f);
      continue;
    }
    const bool residual = tensor.name.ends_with("attn_output.weight") || tensor.name.ends_with("ffn_down.weight");
    const double deviation = 0.02 * (residual ? residual_scale : 1.0);
    for (int64_t i = 0; i < tensor.size(); ++i) values[i] = static_cast<float>(deviation * gaussian());
  }
  return params;
}

}  // namespace loom::train
