// GGUF export of trained parameters (see export.h).
#include "train/export.h"

#include <cstring>

#include "kernels/quantize.h"
#include "model/gguf_writer.h"

namespace loom::train {

Status export_gguf(const ModelShape& shape, const float* params, const model::GgufFile& tokenizer_file,
                   const ExportOptions& options, const std::string& path) {
  const tensor::DType type = options.matrix_type;
  if (type != tensor::DType::kF32 && type != tensor::DType::kF16 && type != tensor::DType::kBF16 &&
      type != tensor::DType::kQ8_0) {
    return invalid_argument("export type ", tensor::dtype_name(type), " (supported: f32, f16, bf16, q8_0)");
  }
  model::GgufWriter writer;
  const std::string arch = "llama";
  auto u32 = [](int64_t value) { return static_cast<uint32_t>(value); };
  writer.set_string("general.architecture", arch);
  writer.set_string("general.name", options.name);
  writer.set_uint32("general.file_type", model::gguf_file_type(type));
  writer.set_uint32(arch + ".vocab_size", u32(shape.vocab_size));
  writer.set_uint32(arch + ".context_length", u32(shape.context_length));
  writer.set_uint32(arch + ".embedding_length", u32(shape.hidden_size));
  writer.set_uint32(arch + ".feed_forward_length", u32(shape.intermediate_size));
  writer.set_uint32(arch + ".block_count", u32(shape.num_hidden_layers));
  writer.set_uint32(arch + ".attention.head_count", u32(shape.num_attention_heads));
  writer.set_uint32(arch + ".attention.head_count_kv", u32(shape.num_key_value_heads));
  writer.set_uint32(arch + ".attention.key_length", u32(shape.head_dim()));
  writer.set_uint32(arch + ".attention.value_length", u32(shape.head_dim()));
  writer.set_uint32(arch + ".rope.dimension_count", u32(shape.head_dim()));
  writer.set_float32(arch + ".rope.freq_base", static_cast<float>(shape.rope_theta));
  writer.set_float32(arch + ".attention.layer_norm_rms_epsilon", static_cast<float>(shape.rms_norm_eps));
  int copied = 0;
  for (const auto& [key, value] : tokenizer_file.metadata()) {
    if (!key.starts_with("tokenizer.")) continue;
    writer.set_value(key, value);
    ++copied;
  }
  if (copied == 0) return invalid_argument(tokenizer_file.path(), " has no tokenizer.* metadata");

  const ParameterLayout layout(shape);
  for (const ParamTensor& tensor : layout.tensors()) {
    const float* values = params + tensor.offset;
    // Matrices whose rows are not whole blocks of the type stay F32.
    const bool fits = tensor.cols % tensor::dtype_info(type).block_elements == 0;
    const tensor::DType tensor_type = tensor.is_matrix && fits ? type : tensor::DType::kF32;
    std::vector<std::byte> data = TRY(kernels::quantize_matrix(tensor_type, values, tensor.rows, tensor.cols));
    std::vector<int64_t> dims = tensor.rows == 1 ? std::vector<int64_t>{tensor.cols}
                                                 : std::vector<int64_t>{tensor.cols, tensor.rows};
    TRY(writer.add_tensor(tensor.name, tensor_type, std::move(dims), std::move(data)));
  }
  return writer.write(path);
}

}  // namespace loom::train
