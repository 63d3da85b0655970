// Checkpoint files (see checkpoint.h).
#include "train/checkpoint.h"

#include <cstring>
#include <filesystem>
#include <span>

#include "model/gguf_file.h"
#include "model/gguf_writer.h"

namespace loom::train {
namespace {

constexpr const char* kPrefix = "loom.train.";
std::string key(const char* name) { return std::string(kPrefix) + name; }

// The three buffers of a checkpoint and their tensor-name prefixes.
struct Part {
  const char* prefix;
  std::vector<float> CheckpointState::*buffer;
};
constexpr Part kParts[] = {{"p.", &CheckpointState::params},
                           {"m.", &CheckpointState::first_moment},
                           {"v.", &CheckpointState::second_moment}};

}  // namespace

std::string checkpoint_path(const std::string& dir) { return (std::filesystem::path(dir) / "checkpoint.gguf").string(); }

Status save_checkpoint(const std::string& dir, const CheckpointState& state) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return permission_denied("cannot create checkpoint directory ", dir, ": ", error.message());
  const ModelShape& s = state.shape;
  model::GgufWriter writer;
  writer.set_string("general.architecture", "loom-train-checkpoint");
  writer.set_int64(key("step"), state.step);
  writer.set_uint64(key("seed"), state.seed);
  writer.set_int64(key("batch_tokens"), state.batch_tokens);
  writer.set_int64(key("vocab_size"), s.vocab_size);
  writer.set_int64(key("hidden_size"), s.hidden_size);
  writer.set_int64(key("intermediate_size"), s.intermediate_size);
  writer.set_int64(key("num_hidden_layers"), s.num_hidden_layers);
  writer.set_int64(key("num_attention_heads"), s.num_attention_heads);
  writer.set_int64(key("num_key_value_heads"), s.num_key_value_heads);
  writer.set_int64(key("context_length"), s.context_length);
  writer.set_float64(key("rope_theta"), s.rope_theta);
  writer.set_float64(key("rms_norm_eps"), s.rms_norm_eps);
  writer.set_bool(key("tied_embeddings"), s.tied_embeddings);
  const ParameterLayout layout(s);
  for (const Part& part : kParts) {
    const std::vector<float>& buffer = state.*part.buffer;
    if (static_cast<int64_t>(buffer.size()) != layout.total()) return internal_error("checkpoint buffer size");
    for (const ParamTensor& tensor : layout.tensors()) {
      const auto bytes = std::as_bytes(std::span(buffer.data() + tensor.offset, tensor.size()));
      TRY(writer.add_tensor_view(part.prefix + tensor.name, tensor::DType::kF32, {tensor.size()}, bytes));
    }
  }
  return writer.write(checkpoint_path(dir));
}

Result<CheckpointState> load_checkpoint(const std::string& dir) {
  const std::string path = checkpoint_path(dir);
  const model::GgufFile file = TRY(model::GgufFile::open(path));
  CheckpointState state;
  ModelShape& s = state.shape;
  state.step = TRY(file.get_int(key("step")));
  state.seed = TRY(file.get_uint(key("seed")));
  state.batch_tokens = TRY(file.get_int(key("batch_tokens")));
  s.vocab_size = TRY(file.get_int(key("vocab_size")));
  s.hidden_size = TRY(file.get_int(key("hidden_size")));
  s.intermediate_size = TRY(file.get_int(key("intermediate_size")));
  s.num_hidden_layers = TRY(file.get_int(key("num_hidden_layers")));
  s.num_attention_heads = TRY(file.get_int(key("num_attention_heads")));
  s.num_key_value_heads = TRY(file.get_int(key("num_key_value_heads")));
  s.context_length = TRY(file.get_int(key("context_length")));
  s.rope_theta = TRY(file.get_float(key("rope_theta")));
  s.rms_norm_eps = TRY(file.get_float(key("rms_norm_eps")));
  s.tied_embeddings = TRY(file.get_bool(key("tied_embeddings")));
  if (Status valid = s.validate(); !valid.ok()) return valid.with_context(path);
  const ParameterLayout layout(s);
  for (const Part& part : kParts) {
    std::vector<float>& buffer = state.*part.buffer;
    buffer.resize(layout.total());
    for (const ParamTensor& tensor : layout.tensors()) {
      const model::GgufTensorInfo* info = file.find_tensor(part.prefix + tensor.name);
      if (info == nullptr) return data_loss(path, ": tensor ", part.prefix, tensor.name, " is missing");
      if (info->type != tensor::DType::kF32 || info->element_count() != tensor.size()) {
        return data_loss(path, ": tensor ", info->name, " has the wrong type or size");
      }
      std::memcpy(buffer.data() + tensor.offset, info->data, tensor.size() * sizeof(float));
    }
  }
  return state;
}

}  // namespace loom::train
