// Model::load: maps the GGUF file, picks the architecture, and binds every
// tensor to a typed view after checking its presence, shape and type.
#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <utility>

#include "kernels/panels.h"
#include "model/model.h"

namespace loom::model {
namespace {

constexpr std::array<const ArchitectureSpec& (*)(), 3> kArchitectures = {
    llama_architecture, qwen2_architecture, qwen3_architecture};

Result<const ArchitectureSpec*> find_architecture(std::string_view name) {
  for (auto spec : kArchitectures) {
    if (spec().name == name) return &spec();
  }
  return unimplemented("architecture '", name, "' is not supported (supported: ", supported_architecture_names(),
                       ")");
}

// Binds tensors by name, converting 1-D weights to F32 when stored otherwise.
class TensorBinder {
 public:
  TensorBinder(const GgufFile& file, std::vector<std::vector<float>>& converted)
      : file_(file), converted_(converted) {}

  Result<kernels::MatrixView> matrix(const std::string& name, int64_t rows, int64_t cols) const {
    const GgufTensorInfo* info = file_.find_tensor(name);
    if (info == nullptr) return not_found("tensor ", name, " is missing");
    if (info->shape.size() != 2 || info->shape[0] != cols || info->shape[1] != rows) {
      return invalid_argument("tensor ", name, " has shape ", shape_string(info->shape), ", expected [", cols, ", ",
                              rows, "]");
    }
    const tensor::DType type = TRY(supported_type(*info));
    kernels::MatrixView view;
    view.type = type;
    view.rows = rows;
    view.cols = cols;
    view.data = info->data;
    auto stride = tensor::row_bytes(type, cols);
    if (!stride.ok()) {
      return invalid_argument("tensor ", name, ": ", cols, " columns are not whole ", tensor::dtype_name(type),
                              " blocks");
    }
    view.row_stride = *stride;
    return view;
  }

  Result<const float*> vector(const std::string& name, int64_t length) const {
    const GgufTensorInfo* info = file_.find_tensor(name);
    if (info == nullptr) return not_found("tensor ", name, " is missing");
    if (info->element_count() != length) {
      return invalid_argument("tensor ", name, " has ", info->element_count(), " elements, expected ", length);
    }
    const tensor::DType type = TRY(supported_type(*info));
    if (type == tensor::DType::kF32) {
      if (reinterpret_cast<uintptr_t>(info->data) % alignof(float) != 0) {
        return invalid_argument("tensor ", name, " data is not 4-byte aligned");
      }
      return reinterpret_cast<const float*>(info->data);
    }
    std::vector<float>& values = converted_.emplace_back(length);
    kernels::kernels().dequantize_row[kernels::slot(type)](info->data, values.data(), length);
    return values.data();
  }

  Result<const float*> optional_vector(const std::string& name, int64_t length) const {
    if (file_.find_tensor(name) == nullptr) return static_cast<const float*>(nullptr);
    return vector(name, length);
  }

  bool has(const std::string& name) const { return file_.find_tensor(name) != nullptr; }

 private:
  static std::string shape_string(const std::vector<int64_t>& shape) {
    std::string out = "[";
    for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
    return out + "]";
  }
  static Result<tensor::DType> supported_type(const GgufTensorInfo& info) {
    auto type = tensor::dtype_info(info.ggml_type);
    if (!type) {
      return unimplemented("tensor ", info.name, " has type ", tensor::ggml_type_name(info.ggml_type),
                           ", which loom does not run (supported: ", tensor::supported_dtype_names(), ")");
    }
    return type->type;
  }
  const GgufFile& file_;
  std::vector<std::vector<float>>& converted_;
};

}  // namespace

std::string supported_architecture_names() {
  std::string names;
  for (auto spec : kArchitectures) names += (names.empty() ? "" : ", ") + std::string(spec().name);
  return names;
}

Result<std::unique_ptr<Model>> Model::load(const std::string& path) {
  GgufFile file = TRY(GgufFile::open(path));
  auto model = from_file(std::move(file));
  if (!model.ok()) return model.status().with_context(path);
  return model;
}

Result<std::unique_ptr<Model>> Model::from_file(GgufFile file) {
  std::unique_ptr<Model> model(new Model());
  model->file_ = std::move(file);
  const std::string architecture = std::string(TRY(model->file_.get_string("general.architecture")));
  model->spec_ = TRY(find_architecture(architecture));
  model->hparams_ = TRY(read_hparams(model->file_));
  const HParams& h = model->hparams_;
  const ArchitectureSpec& spec = *model->spec_;
  TensorBinder bind(model->file_, model->converted_vectors_);
  ModelWeights& w = model->weights_;

  w.token_embedding = TRY(bind.matrix("token_embd.weight", h.vocab_size, h.hidden_size));
  w.output_norm = TRY(bind.vector("output_norm.weight", h.hidden_size));
  w.tied_output = !bind.has("output.weight");
  w.output = w.tied_output ? w.token_embedding : TRY(bind.matrix("output.weight", h.vocab_size, h.hidden_size));
  w.rope_freq_factors = TRY(bind.optional_vector("rope_freqs.weight", h.rope_dimension_count / 2));

  w.layers.resize(h.num_hidden_layers);
  for (int64_t layer = 0; layer < h.num_hidden_layers; ++layer) {
    const std::string prefix = "blk." + std::to_string(layer) + ".";
    LayerWeights& l = w.layers[layer];
    l.attn_norm = TRY(bind.vector(prefix + "attn_norm.weight", h.hidden_size));
    l.attn_q = TRY(bind.matrix(prefix + "attn_q.weight", h.q_size(), h.hidden_size));
    l.attn_k = TRY(bind.matrix(prefix + "attn_k.weight", h.kv_size(), h.hidden_size));
    l.attn_v = TRY(bind.matrix(prefix + "attn_v.weight", h.kv_size(), h.hidden_size));
    l.attn_output = TRY(bind.matrix(prefix + "attn_output.weight", h.hidden_size, h.q_size()));
    if (spec.qkv_bias) {
      l.attn_q_bias = TRY(bind.vector(prefix + "attn_q.bias", h.q_size()));
      l.attn_k_bias = TRY(bind.vector(prefix + "attn_k.bias", h.kv_size()));
      l.attn_v_bias = TRY(bind.vector(prefix + "attn_v.bias", h.kv_size()));
    }
    if (spec.qk_norm) {
      l.attn_q_norm = TRY(bind.vector(prefix + "attn_q_norm.weight", h.head_dim));
      l.attn_k_norm = TRY(bind.vector(prefix + "attn_k_norm.weight", h.head_dim));
    }
    l.ffn_norm = TRY(bind.vector(prefix + "ffn_norm.weight", h.hidden_size));
    l.ffn_gate = TRY(bind.matrix(prefix + "ffn_gate.weight", h.intermediate_size, h.hidden_size));
    l.ffn_up = TRY(bind.matrix(prefix + "ffn_up.weight", h.intermediate_size, h.hidden_size));
    l.ffn_down = TRY(bind.matrix(prefix + "ffn_down.weight", h.hidden_size, h.intermediate_size));
  }
  if (kernels::kernels().prefer_panels) TRY(model->repack_to_panels());
  return model;
}

// Every matrix matmul reads. A tied output matrix is also the token
// embedding, whose rows are then looked up through unpack_panel_row (a few
// rows per step); an untied embedding keeps the row layout.
Status Model::repack_to_panels() {
  std::vector<kernels::MatrixView*> matrices;
  for (LayerWeights& l : weights_.layers) {
    for (kernels::MatrixView* m : l.matrices()) matrices.push_back(m);
  }
  matrices.push_back(weights_.tied_output ? &weights_.token_embedding : &weights_.output);
  std::erase_if(matrices, [](const kernels::MatrixView* m) {
    return !kernels::has_panel_layout(m->type) || m->rows % kernels::kPanelRows != 0;
  });
  // One buffer for all of them, so that most of it can be huge pages.
  size_t total = 0;
  for (const kernels::MatrixView* m : matrices) total += m->bytes();
  panel_weights_ = TRY(LargeBuffer::allocate(total));
  // In file order, a few MB at a time, releasing each part of the file once it
  // is copied, so that even the largest matrix (the output) is never held
  // twice. The kernel maps a whole large folio of the file's page cache on a
  // fault, so reading a part maps back the released tail of the part before
  // it where they share a folio: that part is released again (without this,
  // about 40 MB of the 1.3 GB Llama-3.2-1B Q8_0 file stayed mapped).
  std::ranges::sort(matrices, std::less<>(), [](const kernels::MatrixView* m) { return m->data; });
  std::byte* next = panel_weights_.data();
  std::span<const std::byte> previous;
  for (kernels::MatrixView* m : matrices) {
    const size_t bytes = m->bytes();
    std::byte* panels = std::exchange(next, next + bytes);
    const int64_t chunk_rows = std::max<int64_t>(
        kernels::kPanelRows, (4 << 20) / static_cast<int64_t>(m->row_stride) / kernels::kPanelRows * kernels::kPanelRows);
    for (int64_t first = 0; first < m->rows; first += chunk_rows) {
      kernels::MatrixView part = *m;
      part.rows = std::min(chunk_rows, m->rows - first);
      part.data = static_cast<const std::byte*>(m->data) + first * m->row_stride;
      kernels::repack_to_panels(part, panels + first * m->row_stride);
      const std::span<const std::byte> copied(static_cast<const std::byte*>(part.data),
                                              static_cast<size_t>(part.rows) * m->row_stride);
      // Adjacent parts are released as one range, so the page they share goes
      // too and the mapping's pieces stay few.
      const bool adjacent = previous.data() + previous.size() == copied.data();
      if (adjacent) {
        file_.release({previous.data(), previous.size() + copied.size()});
      } else {
        file_.release(previous);
        file_.release(copied);
      }
      previous = copied;
    }
    m->data = panels;
    m->layout = kernels::WeightLayout::kPanels;
  }
  if (weights_.tied_output) weights_.output = weights_.token_embedding;
  return {};
}

Result<KvCache> Model::new_cache(tensor::DType type, int64_t capacity) const {
  if (capacity > hparams_.max_position_embeddings) {
    return out_of_range("context of ", capacity, " tokens exceeds the model's ", hparams_.max_position_embeddings);
  }
  return KvCache::create(type, hparams_.num_hidden_layers, capacity, hparams_.num_key_value_heads, hparams_.head_dim);
}

}  // namespace loom::model
