// GgufWriter: builds a GGUF v3 file in llama.cpp's layout (header, metadata,
// tensor infos, padding to the alignment, then each tensor's data padded to the
// alignment). Used by the trainer's export, `loom make-test-model` and tests
// that need hand-made files. Tensor data can be streamed at write time, so writing a
// large model never needs a second copy of its weights.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/gguf_file.h"
#include "tensor/dtype.h"

namespace loom::model {

// llama.cpp's general.file_type (enum llama_ftype) for a file whose matrices
// are all `type`, or (q4_k_m_mix) llama.cpp's Q4_K_M mix of Q4_K and Q6_K;
// 0 (all F32) for F32 and any type without its own value.
uint32_t gguf_file_type(tensor::DType type, bool q4_k_m_mix = false);

// Receives a tensor's bytes in one or more chunks, in order.
using GgufByteSink = std::function<Status(std::span<const std::byte> chunk)>;
// Produces a tensor's bytes when the file is written, by calling `sink` with
// exactly the tensor's size in total. Called once per to_bytes() or write().
using GgufTensorSource = std::function<Status(const GgufByteSink& sink)>;

class GgufWriter {
 public:
  // Scalars. Setting a key that is already set replaces its value in place.
  // Keys are programmer-chosen: an empty key is a CHECK failure.
  void set_uint8(std::string_view key, uint8_t value);
  void set_int8(std::string_view key, int8_t value);
  void set_uint16(std::string_view key, uint16_t value);
  void set_int16(std::string_view key, int16_t value);
  void set_uint32(std::string_view key, uint32_t value);
  void set_int32(std::string_view key, int32_t value);
  void set_uint64(std::string_view key, uint64_t value);
  void set_int64(std::string_view key, int64_t value);
  void set_float32(std::string_view key, float value);
  void set_float64(std::string_view key, double value);
  void set_bool(std::string_view key, bool value);
  void set_string(std::string_view key, std::string_view value);

  // Arrays.
  void set_string_array(std::string_view key, const std::vector<std::string>& values);
  void set_float32_array(std::string_view key, std::span<const float> values);
  void set_int32_array(std::string_view key, std::span<const int32_t> values);
  // Any fixed-size element type from its raw little-endian elements
  // (raw.size() must be a multiple of the element size; not kString/kArray).
  void set_array(std::string_view key, GgufType element_type, std::span<const std::byte> raw);
  // Copies a value read from another file, whatever its type.
  void set_value(std::string_view key, const GgufValue& value);

  // Tensors, written in the order added. shape is in GGML order (shape[0]
  // innermost). Errors: empty, duplicate or over-long (>= 64 bytes, llama.cpp's
  // limit) names, more than 4 dimensions, negative extents, a row that is not a
  // whole number of blocks, or data of the wrong size.
  Status add_tensor(std::string_view name, tensor::DType type, std::vector<int64_t> shape,
                    std::vector<std::byte> data);
  // Borrows `data`, which must stay alive until the last write.
  Status add_tensor_view(std::string_view name, tensor::DType type, std::vector<int64_t> shape,
                         std::span<const std::byte> data);
  // Any GGML type id (also ones loom cannot compute with), data produced at write time.
  Status add_tensor_source(std::string_view name, uint32_t ggml_type, std::vector<int64_t> shape,
                           GgufTensorSource source);

  // Alignment from general.alignment if set (uint32, a power of two), else 32.
  Result<std::vector<std::byte>> to_bytes() const;
  // Writes `path` through a temporary file renamed into place, so a failed write
  // never leaves a truncated model behind.
  Status write(const std::string& path) const;
  // Fails as write() would when it cannot create the file (no such folder, no
  // permission), for callers that spend minutes making tensors before it.
  static Status check_writable(const std::string& path);

 private:
  struct Entry {
    std::string key;
    GgufType type;
    std::vector<std::byte> encoded;  // value bytes after the type field
  };
  struct Tensor {
    std::string name;
    uint32_t ggml_type;
    std::vector<int64_t> shape;
    uint64_t size_bytes;
    GgufTensorSource source;
  };
  void set_raw(std::string_view key, GgufType type, std::vector<std::byte> encoded);
  Result<uint64_t> alignment() const;
  Status emit(const GgufByteSink& sink) const;

  std::vector<Entry> entries_;
  std::vector<Tensor> tensors_;
};

}  // namespace loom::model
