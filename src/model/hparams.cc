// GGUF metadata -> HParams. The only place that knows GGUF key spellings of
// hyperparameters ("<arch>.attention.head_count" and so on).
#include "model/hparams.h"

namespace loom::model {
namespace {

RopeStyle rope_style_for(const std::string& architecture) {
  if (architecture == "qwen2" || architecture == "qwen3") return RopeStyle::kHalves;
  return RopeStyle::kAdjacentPairs;
}

Status check_positive(std::string_view name, int64_t value, int64_t limit) {
  if (value <= 0 || value > limit) {
    return invalid_argument("hyperparameter ", name, " = ", value, " is out of range (1..", limit, ")");
  }
  return {};
}

}  // namespace

Result<HParams> read_hparams(const GgufFile& file) {
  HParams h;
  h.architecture = std::string(TRY(file.get_string("general.architecture")));
  if (const GgufValue* name = file.find("general.name"); name && name->as_string()) {
    h.name = std::string(*name->as_string());
  }
  const std::string prefix = h.architecture + ".";
  auto key = [&](const char* suffix) { return prefix + suffix; };

  h.hidden_size = TRY(file.get_int(key("embedding_length")));
  h.intermediate_size = TRY(file.get_int(key("feed_forward_length")));
  h.num_hidden_layers = TRY(file.get_int(key("block_count")));
  h.num_attention_heads = TRY(file.get_int(key("attention.head_count")));
  h.num_key_value_heads = TRY(file.get_int_or(key("attention.head_count_kv"), h.num_attention_heads));
  h.max_position_embeddings = TRY(file.get_int_or(key("context_length"), 2048));
  h.rms_norm_eps = TRY(file.get_float_or(key("attention.layer_norm_rms_epsilon"), 1e-5));
  h.rope_theta = TRY(file.get_float_or(key("rope.freq_base"), 10000.0));

  TRY(check_positive("hidden_size", h.hidden_size, 1 << 20));
  TRY(check_positive("intermediate_size", h.intermediate_size, 1 << 22));
  TRY(check_positive("num_hidden_layers", h.num_hidden_layers, 4096));
  TRY(check_positive("num_attention_heads", h.num_attention_heads, 4096));
  TRY(check_positive("num_key_value_heads", h.num_key_value_heads, 4096));
  TRY(check_positive("max_position_embeddings", h.max_position_embeddings, int64_t{1} << 24));
  if (h.num_attention_heads % h.num_key_value_heads != 0) {
    return invalid_argument("num_attention_heads (", h.num_attention_heads,
                            ") is not a multiple of num_key_value_heads (", h.num_key_value_heads, ")");
  }
  h.head_dim = TRY(file.get_int_or(key("attention.key_length"), h.hidden_size / h.num_attention_heads));
  const int64_t value_length = TRY(file.get_int_or(key("attention.value_length"), h.head_dim));
  TRY(check_positive("head_dim", h.head_dim, 4096));
  if (value_length != h.head_dim) {
    return unimplemented("attention.value_length ", value_length, " differs from key_length ", h.head_dim);
  }
  if (h.head_dim % 2 != 0) return invalid_argument("head_dim ", h.head_dim, " is odd");
  h.rope_dimension_count = TRY(file.get_int_or(key("rope.dimension_count"), h.head_dim));
  if (h.rope_dimension_count <= 0 || h.rope_dimension_count > h.head_dim || h.rope_dimension_count % 2) {
    return invalid_argument("rope.dimension_count ", h.rope_dimension_count, " does not fit head_dim ",
                            h.head_dim);
  }
  if (const GgufValue* scaling = file.find(key("rope.scaling.type"))) {
    const std::string_view type = scaling->as_string().value_or("");
    if (type == "linear") {
      const double factor = TRY(file.get_float(key("rope.scaling.factor")));
      if (!(factor > 0)) return invalid_argument("rope.scaling.factor must be positive");
      h.rope_freq_scale = 1.0 / factor;
    } else if (type != "none" && !type.empty()) {
      return unimplemented("rope scaling type '", type, "' (supported: none, linear, llama3 frequency factors)");
    }
  }
  h.rope_style = rope_style_for(h.architecture);

  const GgufTensorInfo* embedding = file.find_tensor("token_embd.weight");
  if (embedding == nullptr) return not_found("tensor token_embd.weight is missing");
  if (embedding->shape.size() != 2) return invalid_argument("token_embd.weight is not 2-D");
  h.vocab_size = TRY(file.get_int_or(key("vocab_size"), embedding->shape[1]));
  if (h.vocab_size != embedding->shape[1]) {
    return invalid_argument("vocab_size ", h.vocab_size, " disagrees with token_embd.weight rows ",
                            embedding->shape[1]);
  }
  return h;
}

}  // namespace loom::model
