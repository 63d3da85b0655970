// GgufFile: a bounds-checked reader of GGUF v2/v3 files. Metadata is parsed
// into values that point into the mapping (zero-copy); tensor data is never
// copied. Every count, length, offset and size is validated against the file,
// so a hostile file yields a precise Status, never a crash or a huge allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "base/mapped_file.h"
#include "base/status.h"
#include "tensor/dtype.h"

namespace loom::model {

// GGUF metadata value types (the file's numbering).
enum class GgufType : uint32_t {
  kUint8 = 0, kInt8 = 1, kUint16 = 2, kInt16 = 3, kUint32 = 4, kInt32 = 5,
  kFloat32 = 6, kBool = 7, kString = 8, kArray = 9, kUint64 = 10, kInt64 = 11,
  kFloat64 = 12,
};
std::string_view gguf_type_name(GgufType type);
// Bytes of one element of a fixed-size type; 0 for kString and kArray.
size_t gguf_type_size(GgufType type);

inline constexpr uint64_t kGgufDefaultAlignment = 32;
inline constexpr int kGgufMaxDims = 4;

// Storage layout of any GGML tensor type id (not only the ones loom runs), so
// files holding types loom cannot compute with still parse and bounds-check.
struct GgmlTypeLayout {
  int64_t block_elements;  // elements per block
  uint64_t block_bytes;    // bytes per block
};
// nullopt for ids that GGUF files cannot hold (removed or unknown).
std::optional<GgmlTypeLayout> ggml_type_layout(uint32_t ggml_type_id);

// One metadata value. Scalars are stored decoded; strings are views into the
// mapping; arrays keep a view of their raw little-endian elements (string
// arrays: one view per element). Arrays of arrays are rejected by the parser.
class GgufValue {
 public:
  GgufType type() const { return type_; }

  // Scalars. Integer accessors accept any integer type (and bool) whose value
  // fits; float accepts float32/float64 and integers; bool accepts bool only.
  std::optional<int64_t> as_int() const;
  std::optional<uint64_t> as_uint() const;
  std::optional<double> as_float() const;
  std::optional<bool> as_bool() const;
  std::optional<std::string_view> as_string() const;

  // Arrays (type() == kArray).
  GgufType array_type() const { return array_type_; }
  uint64_t array_size() const { return array_size_; }
  // Decoded copies; nullopt when the element type does not convert (integer
  // arrays: any integer or bool elements that fit int64; float arrays: float
  // or integer elements).
  std::optional<std::vector<int64_t>> as_int_array() const;
  std::optional<std::vector<float>> as_float_array() const;
  // Views into the mapping; empty unless array_type() == kString.
  const std::vector<std::string_view>& as_string_array() const { return strings_; }
  // The raw little-endian elements of a non-string array (the file's bytes).
  std::span<const std::byte> array_bytes() const { return array_bytes_; }

  // Human-readable rendering for `loom info` (arrays abbreviated).
  std::string to_display_string(size_t max_array_items = 8) const;

 private:
  friend class GgufParser;
  GgufType type_ = GgufType::kUint8;
  std::variant<uint64_t, int64_t, double, bool, std::string_view> scalar_;
  GgufType array_type_ = GgufType::kUint8;
  uint64_t array_size_ = 0;
  std::span<const std::byte> array_bytes_;      // raw elements of a non-string array
  std::vector<std::string_view> strings_;       // elements of a string array
};

struct GgufTensorInfo {
  std::string name;
  // The file's GGML type id, whatever it is. `type` is set only when loom can
  // compute with it; a file holding q5_K or iq2_xs tensors still parses, and the
  // model loader reports the type through supported_type().
  uint32_t ggml_type = 0;
  std::optional<tensor::DType> type;
  std::vector<int64_t> shape;   // GGML order: shape[0] is the innermost (contiguous) dimension
  uint64_t offset = 0;          // relative to the start of the tensor data section
  uint64_t size_bytes = 0;
  const std::byte* data = nullptr;  // points into the mapping

  // Product of the dimensions (1 for a tensor with no dimensions).
  int64_t element_count() const;
  // GGML's spelling of the type ("f32", "q5_K", "type 99").
  std::string type_name() const;
  // `type`, or "tensor 'X' has type q5_K; supported: ..." (kUnimplemented).
  Result<tensor::DType> supported_type() const;
  std::span<const std::byte> bytes() const { return {data, static_cast<size_t>(size_bytes)}; }
};

class GgufFile {
 public:
  GgufFile() = default;
  GgufFile(GgufFile&&) = default;
  GgufFile& operator=(GgufFile&&) = default;

  // Maps and parses a file. Errors name the file and what is wrong.
  static Result<GgufFile> open(const std::string& path);
  // Parses bytes the caller keeps alive for the file's lifetime (fuzzing, views
  // of larger buffers). Passing a temporary vector is refused at compile time.
  static Result<GgufFile> parse(std::span<const std::byte> bytes);
  static Result<GgufFile> parse(std::vector<std::byte>&& bytes) = delete;
  // Parses and keeps bytes built in memory (GgufWriter::to_bytes(), tests).
  static Result<GgufFile> from_bytes(std::vector<std::byte> bytes);

  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t file_size() const { return bytes_.size(); }
  uint64_t data_offset() const { return data_offset_; }
  const std::string& path() const { return mapping_.path(); }

  // Metadata in file order.
  const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return metadata_; }
  const GgufValue* find(std::string_view key) const;

  // Typed getters whose errors name the key and the expected type.
  Result<int64_t> get_int(std::string_view key) const;
  Result<uint64_t> get_uint(std::string_view key) const;
  Result<double> get_float(std::string_view key) const;
  Result<bool> get_bool(std::string_view key) const;
  Result<std::string_view> get_string(std::string_view key) const;
  // With a default when the key is absent (still an error if present with a wrong type).
  Result<int64_t> get_int_or(std::string_view key, int64_t fallback) const;
  Result<double> get_float_or(std::string_view key, double fallback) const;
  Result<bool> get_bool_or(std::string_view key, bool fallback) const;

  // Tensors in file order.
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(std::string_view name) const;
  // Frees the memory of tensor bytes the model no longer reads (see
  // MappedFile::release); nothing happens for files parsed from memory.
  void release(std::span<const std::byte> bytes) const { mapping_.release(bytes); }

 private:
  friend class GgufParser;
  Result<const GgufValue*> require(std::string_view key) const;

  MappedFile mapping_;                 // empty unless opened from a path
  std::vector<std::byte> owned_bytes_; // set by from_bytes()
  std::span<const std::byte> bytes_;
  uint32_t version_ = 0;
  uint64_t alignment_ = kGgufDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::vector<GgufTensorInfo> tensors_;
  // Name -> index; the views point into the mapping, which never moves.
  std::unordered_map<std::string_view, size_t> metadata_index_;
  std::unordered_map<std::string_view, size_t> tensor_index_;
};

}  // namespace loom::model
