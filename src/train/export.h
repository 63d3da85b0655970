// Writes a trained model as a GGUF file that loom (and llama.cpp) load like
// any downloaded Llama: architecture "llama", every hyperparameter key the
// loader reads, the tokenizer metadata and chat template copied from the
// tokenizer file, matrices in F32, F16, BF16 or Q8_0 (norms stay F32).
#pragma once

#include <string>

#include "base/status.h"
#include "model/gguf_file.h"
#include "tensor/dtype.h"
#include "train/model_shape.h"

namespace loom::train {

struct ExportOptions {
  tensor::DType matrix_type = tensor::DType::kF32;
  std::string name = "loom-trained";  // general.name
};

// Copies every tokenizer.* key of `tokenizer_file`.
Status export_gguf(const ModelShape& shape, const float* params, const model::GgufFile& tokenizer_file,
                   const ExportOptions& options, const std::string& path);

}  // namespace loom::train
