// Writes random-weight GGUF models of real shapes (see test_model.h).
#include "model/test_model.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numbers>

#include "kernels/quantize.h"

namespace loom::model {
namespace {

using tensor::DType;

struct ShapeEntry {
  std::string_view architecture;
  TestModelShape shape;
};

// Real shapes from the models' config.json files.
const std::vector<ShapeEntry>& shape_table() {
  static const std::vector<ShapeEntry> table = {
      {"llama", {"tiny", 512, 256, 768, 2, 4, 2, 64, 2048, 10000.0, 1e-5, false, false}},
      {"llama", {"tiny-llama3", 512, 256, 768, 2, 4, 2, 64, 8192, 500000.0, 1e-5, false, true}},
      {"llama", {"llama-3.2-1b", 128256, 2048, 8192, 16, 32, 8, 64, 131072, 500000.0, 1e-5, true, true}},
      {"llama", {"llama-3.2-3b", 128256, 3072, 8192, 28, 24, 8, 128, 131072, 500000.0, 1e-5, true, true}},
      {"llama", {"llama-3.1-8b", 128256, 4096, 14336, 32, 32, 8, 128, 131072, 500000.0, 1e-5, false, true}},
      {"llama", {"mistral-7b", 32768, 4096, 14336, 32, 32, 8, 128, 32768, 1000000.0, 1e-5, false, false}},
      {"qwen2", {"tiny", 512, 256, 768, 2, 4, 2, 64, 4096, 1000000.0, 1e-6, true, false}},
      {"qwen2", {"qwen2.5-0.5b", 151936, 896, 4864, 24, 14, 2, 64, 32768, 1000000.0, 1e-6, true, false}},
      {"qwen2", {"qwen2.5-1.5b", 151936, 1536, 8960, 28, 12, 2, 128, 32768, 1000000.0, 1e-6, true, false}},
      {"qwen3", {"tiny", 512, 256, 768, 2, 4, 2, 128, 4096, 1000000.0, 1e-6, true, false}},
      {"qwen3", {"qwen3-0.6b", 151936, 1024, 3072, 28, 16, 8, 128, 40960, 1000000.0, 1e-6, true, false}},
      {"qwen3", {"qwen3-1.7b", 151936, 2048, 6144, 28, 16, 8, 128, 40960, 1000000.0, 1e-6, true, false}},
      {"qwen3", {"qwen3-4b", 151936, 2560, 9728, 36, 32, 8, 128, 40960, 1000000.0, 1e-6, true, false}},
  };
  return table;
}

// xoshiro256**: fast, seedable, identical everywhere.
class Random {
 public:
  explicit Random(uint64_t seed) {
    for (auto& word : state_) {
      seed += 0x9e3779b97f4a7c15ull;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      word = z ^ (z >> 31);
    }
  }
  uint64_t next() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }
  // Uniform in [-1, 1).
  float symmetric() { return static_cast<float>(static_cast<int64_t>(next() >> 11) * 0x1.0p-52 - 1.0); }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<uint64_t, 4> state_{};
};

// Uniform values with standard deviation `stddev` around `mean`.
std::vector<float> random_values(Random& random, int64_t count, float mean, float stddev) {
  std::vector<float> values(count);
  const float half_width = stddev * std::sqrt(3.0f);
  for (float& value : values) value = mean + half_width * random.symmetric();
  return values;
}

// Type for a matrix of `cols` columns: the requested one if its blocks fit.
DType fitting_type(DType wanted, int64_t cols) {
  for (DType type : {wanted, DType::kQ8_0, DType::kF16}) {
    if (cols % tensor::dtype_info(type).block_elements == 0) return type;
  }
  return DType::kF32;
}

// llama.cpp's q4_k_m rule for attn_v / ffn_down: more bits for the first and
// last eighth of the layers and every third layer between.
bool use_more_bits(int64_t layer, int64_t n_layers) {
  return layer < n_layers / 8 || layer >= 7 * n_layers / 8 || (layer - n_layers / 8) % 3 == 2;
}

struct TypePlan {
  DType base;
  bool k_mix;  // q4_k_m
};

Result<TypePlan> plan_types(std::string_view name) {
  if (name == "q4_k_m" || name == "Q4_K_M") return TypePlan{DType::kQ4_K, true};
  Result<DType> type = tensor::parse_dtype(name);
  if (!type.ok()) {
    return invalid_argument("unknown weight type '", name, "' (supported: ", tensor::supported_dtype_names(),
                            ", and the mix q4_k_m)");
  }
  return TypePlan{*type, false};
}

std::vector<float> llama3_rope_factors(const TestModelShape& shape) {
  // Llama 3.1 rope_scaling: factor 32, low 1, high 4, original context 8192.
  const double factor = 32.0, low = 1.0, high = 4.0, original = 8192.0;
  const double low_wavelen = original / low, high_wavelen = original / high;
  std::vector<float> factors(shape.head_dim / 2);
  for (size_t i = 0; i < factors.size(); ++i) {
    const double freq = 1.0 / std::pow(shape.rope_theta, 2.0 * i / shape.head_dim);
    const double wavelen = 2 * std::numbers::pi / freq;
    double scale;
    if (wavelen < high_wavelen) {
      scale = 1.0;
    } else if (wavelen > low_wavelen) {
      scale = factor;
    } else {
      const double smooth = (original / wavelen - low) / (high - low);
      scale = 1.0 / ((1 - smooth) / factor + smooth);
    }
    factors[i] = static_cast<float>(scale);
  }
  return factors;
}

void write_synthetic_vocabulary(GgufWriter& writer, int64_t vocab_size) {
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;
  tokens.reserve(vocab_size);
  const std::array<std::string, 3> specials = {"<unk>", "<s>", "</s>"};
  for (size_t i = 0; i < specials.size(); ++i) {
    tokens.push_back(specials[i]);
    types.push_back(i == 0 ? 2 : 3);  // unknown, control
  }
  char byte_name[8];
  for (int byte = 0; byte < 256; ++byte) {
    std::snprintf(byte_name, sizeof(byte_name), "<0x%02X>", byte);
    tokens.push_back(byte_name);
    types.push_back(6);  // byte
  }
  for (int64_t piece = 0; static_cast<int64_t>(tokens.size()) < vocab_size; ++piece) {
    std::string text = "\xe2\x96\x81";  // '▁', SentencePiece's space
    for (int64_t value = piece; ; value = value / 26 - 1) {
      text += static_cast<char>('a' + value % 26);
      if (value < 26) break;
    }
    tokens.push_back(text);
    types.push_back(1);  // normal
  }
  for (int64_t i = 0; i < vocab_size; ++i) scores.push_back(-static_cast<float>(i));
  writer.set_string("tokenizer.ggml.model", "llama");
  writer.set_string_array("tokenizer.ggml.tokens", tokens);
  writer.set_float32_array("tokenizer.ggml.scores", scores);
  writer.set_int32_array("tokenizer.ggml.token_type", types);
  writer.set_uint32("tokenizer.ggml.unknown_token_id", 0);
  writer.set_uint32("tokenizer.ggml.bos_token_id", 1);
  writer.set_uint32("tokenizer.ggml.eos_token_id", 2);
  writer.set_bool("tokenizer.ggml.add_bos_token", true);
}

class TensorMaker {
 public:
  TensorMaker(GgufWriter& writer, Random& random) : writer_(writer), random_(random) {}

  // A (rows, cols) matrix with entries of standard deviation stddev.
  Status matrix(const std::string& name, DType type, int64_t rows, int64_t cols, float stddev) {
    const std::vector<float> values = random_values(random_, rows * cols, 0.0f, stddev);
    const DType fitted = fitting_type(type, cols);
    std::vector<std::byte> data = TRY(kernels::quantize_matrix(fitted, values.data(), rows, cols, &pool_));
    return writer_.add_tensor(name, fitted, {cols, rows}, std::move(data));
  }

  Status vector(const std::string& name, std::vector<float> values) {
    const int64_t length = static_cast<int64_t>(values.size());
    std::vector<std::byte> data(length * sizeof(float));
    std::memcpy(data.data(), values.data(), data.size());
    return writer_.add_tensor(name, DType::kF32, {length}, std::move(data));
  }

  Status norm(const std::string& name, int64_t length) {
    return vector(name, random_values(random_, length, 1.0f, 0.1f));
  }

 private:
  GgufWriter& writer_;
  Random& random_;
  ThreadPool pool_;  // quantizing is most of the time
};

}  // namespace

Result<TestModelShape> find_test_shape(std::string_view architecture, std::string_view shape) {
  if (architecture != "llama" && architecture != "qwen2" && architecture != "qwen3") {
    return unimplemented("architecture '", architecture, "' (supported: llama, qwen2, qwen3)");
  }
  for (const ShapeEntry& entry : shape_table()) {
    if (entry.architecture == architecture && entry.shape.name == shape) return entry.shape;
  }
  return invalid_argument("unknown shape '", shape, "' for ", architecture, " (known: ", test_shape_names(architecture),
                          ")");
}

std::string test_shape_names(std::string_view architecture) {
  std::string names;
  for (const ShapeEntry& entry : shape_table()) {
    if (entry.architecture != architecture) continue;
    names += (names.empty() ? "" : ", ") + entry.shape.name;
  }
  return names;
}

Status write_test_model(const TestModelOptions& options, const std::string& path) {
  TestModelShape shape = TRY(find_test_shape(options.architecture, options.shape));
  if (options.vocab_size_override > 0) shape.vocab_size = options.vocab_size_override;
  const TypePlan plan = TRY(plan_types(options.type));
  TRY(GgufWriter::check_writable(path));  // before minutes of random tensors
  const std::string& arch = options.architecture;
  GgufWriter writer;
  writer.set_string("general.architecture", arch);
  writer.set_string("general.name", "loom test model " + arch + " " + shape.name + " " + options.type);
  writer.set_uint32("general.file_type", gguf_file_type(plan.base, plan.k_mix));
  writer.set_uint32(arch + ".context_length", static_cast<uint32_t>(shape.context_length));
  writer.set_uint32(arch + ".embedding_length", static_cast<uint32_t>(shape.hidden_size));
  writer.set_uint32(arch + ".feed_forward_length", static_cast<uint32_t>(shape.intermediate_size));
  writer.set_uint32(arch + ".block_count", static_cast<uint32_t>(shape.num_hidden_layers));
  writer.set_uint32(arch + ".attention.head_count", static_cast<uint32_t>(shape.num_attention_heads));
  writer.set_uint32(arch + ".attention.head_count_kv", static_cast<uint32_t>(shape.num_key_value_heads));
  writer.set_uint32(arch + ".attention.key_length", static_cast<uint32_t>(shape.head_dim));
  writer.set_uint32(arch + ".attention.value_length", static_cast<uint32_t>(shape.head_dim));
  writer.set_uint32(arch + ".rope.dimension_count", static_cast<uint32_t>(shape.head_dim));
  writer.set_float32(arch + ".rope.freq_base", static_cast<float>(shape.rope_theta));
  writer.set_float32(arch + ".attention.layer_norm_rms_epsilon", static_cast<float>(shape.rms_norm_eps));
  writer.set_uint32(arch + ".vocab_size", static_cast<uint32_t>(shape.vocab_size));
  if (options.write_tokenizer) {
    TRY(options.write_tokenizer(writer));
  } else {
    write_synthetic_vocabulary(writer, shape.vocab_size);
  }

  Random random(options.seed);
  TensorMaker make(writer, random);
  const int64_t hidden = shape.hidden_size;
  const int64_t q_size = shape.num_attention_heads * shape.head_dim;
  const int64_t kv_size = shape.num_key_value_heads * shape.head_dim;
  const int64_t ffn = shape.intermediate_size;
  const DType embed_type = plan.k_mix ? DType::kQ6_K : plan.base;
  // Peaked logits: after the final RMSNorm the hidden state has unit RMS, so
  // output rows of deviation 3/sqrt(hidden) give logits of deviation about 3.
  const float output_scale = 3.0f / std::sqrt(static_cast<float>(hidden));
  TRY(make.matrix("token_embd.weight", embed_type, shape.vocab_size, hidden, output_scale));
  TRY(make.norm("output_norm.weight", hidden));
  if (!shape.tied_embeddings) {
    TRY(make.matrix("output.weight", embed_type, shape.vocab_size, hidden, output_scale));
  }
  if (shape.llama3_rope_scaling) TRY(make.vector("rope_freqs.weight", llama3_rope_factors(shape)));

  auto projection_scale = [](int64_t cols) { return 1.0f / std::sqrt(static_cast<float>(cols)); };
  for (int64_t layer = 0; layer < shape.num_hidden_layers; ++layer) {
    const std::string p = "blk." + std::to_string(layer) + ".";
    const bool more_bits = plan.k_mix && use_more_bits(layer, shape.num_hidden_layers);
    const DType v_type = more_bits ? DType::kQ6_K : plan.base;
    TRY(make.norm(p + "attn_norm.weight", hidden));
    TRY(make.matrix(p + "attn_q.weight", plan.base, q_size, hidden, projection_scale(hidden)));
    TRY(make.matrix(p + "attn_k.weight", plan.base, kv_size, hidden, projection_scale(hidden)));
    TRY(make.matrix(p + "attn_v.weight", v_type, kv_size, hidden, projection_scale(hidden)));
    if (arch == "qwen2") {
      TRY(make.vector(p + "attn_q.bias", random_values(random, q_size, 0.0f, 0.1f)));
      TRY(make.vector(p + "attn_k.bias", random_values(random, kv_size, 0.0f, 0.1f)));
      TRY(make.vector(p + "attn_v.bias", random_values(random, kv_size, 0.0f, 0.1f)));
    }
    if (arch == "qwen3") {
      TRY(make.norm(p + "attn_q_norm.weight", shape.head_dim));
      TRY(make.norm(p + "attn_k_norm.weight", shape.head_dim));
    }
    TRY(make.matrix(p + "attn_output.weight", plan.base, hidden, q_size, projection_scale(q_size)));
    TRY(make.norm(p + "ffn_norm.weight", hidden));
    TRY(make.matrix(p + "ffn_gate.weight", plan.base, ffn, hidden, projection_scale(hidden)));
    TRY(make.matrix(p + "ffn_up.weight", plan.base, ffn, hidden, projection_scale(hidden)));
    TRY(make.matrix(p + "ffn_down.weight", v_type, hidden, ffn, projection_scale(ffn)));
    if (options.on_layer) options.on_layer(layer + 1, shape.num_hidden_layers);
  }
  return writer.write(path);
}

}  // namespace loom::model
