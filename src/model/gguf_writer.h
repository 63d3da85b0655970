// GgufWriter: builds a GGUF v3 file (metadata, then aligned tensor data).
// Used by `loom make-test-model`, the trainer's export and tests that need
// hand-made (or deliberately broken) files.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/gguf_file.h"
#include "tensor/dtype.h"

namespace loom::model {

class GgufWriter {
 public:
  void set_uint32(std::string_view key, uint32_t value);
  void set_int32(std::string_view key, int32_t value);
  void set_uint64(std::string_view key, uint64_t value);
  void set_float32(std::string_view key, float value);
  void set_bool(std::string_view key, bool value);
  void set_string(std::string_view key, std::string_view value);
  void set_string_array(std::string_view key, const std::vector<std::string>& values);
  void set_float32_array(std::string_view key, std::span<const float> values);
  void set_int32_array(std::string_view key, std::span<const int32_t> values);

  // shape in GGML order (shape[0] innermost). data must be the encoded bytes of
  // the whole tensor in `type` (row_bytes(type, shape[0]) * rows).
  Status add_tensor(std::string_view name, tensor::DType type, std::vector<int64_t> shape,
                    std::vector<std::byte> data);

  // Serialized file bytes; alignment from general.alignment if set, else 32.
  std::vector<std::byte> to_bytes() const;
  Status write(const std::string& path) const;

 private:
  struct Entry {
    std::string key;
    GgufType type;
    std::vector<std::byte> encoded;  // value bytes after the type field
  };
  struct Tensor {
    std::string name;
    tensor::DType type;
    std::vector<int64_t> shape;
    std::vector<std::byte> data;
  };
  void set_raw(std::string_view key, GgufType type, std::vector<std::byte> encoded);
  std::vector<Entry> entries_;
  std::vector<Tensor> tensors_;
  uint32_t alignment_ = 32;
};

}  // namespace loom::model
