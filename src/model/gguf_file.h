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

// One metadata value. Scalars are stored decoded; strings are views into the
// mapping; arrays keep a view of their raw little-endian elements (strings
// arrays: one view per element).
class GgufValue {
 public:
  GgufType type() const { return type_; }

  // Scalars. Integer accessors accept any integer type (and bool) whose value
  // fits; float accepts float32/float64 and integers.
  std::optional<int64_t> as_int() const;
  std::optional<uint64_t> as_uint() const;
  std::optional<double> as_float() const;
  std::optional<bool> as_bool() const;
  std::optional<std::string_view> as_string() const;

  // Arrays (type() == kArray).
  GgufType array_type() const { return array_type_; }
  uint64_t array_size() const { return array_size_; }
  // Decoded copies; nullopt when the element type does not convert.
  std::optional<std::vector<int64_t>> as_int_array() const;
  std::optional<std::vector<float>> as_float_array() const;
  // Views into the mapping; empty unless array_type() == kString.
  const std::vector<std::string_view>& as_string_array() const { return strings_; }

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
  tensor::DType type;
  std::vector<int64_t> shape;   // GGML order: shape[0] is the innermost (contiguous) dimension
  uint64_t offset = 0;          // relative to the start of the tensor data section
  uint64_t size_bytes = 0;
  const std::byte* data = nullptr;  // points into the mapping

  int64_t element_count() const;
};

class GgufFile {
 public:
  // Maps and parses a file. Errors name the file and what is wrong.
  static Result<GgufFile> open(const std::string& path);
  // Parses bytes the caller keeps alive (tests, fuzzing).
  static Result<GgufFile> parse(std::span<const std::byte> bytes);

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
  Result<double> get_float(std::string_view key) const;
  Result<bool> get_bool(std::string_view key) const;
  Result<std::string_view> get_string(std::string_view key) const;
  // With a default when the key is absent (still an error if present with a wrong type).
  Result<int64_t> get_int_or(std::string_view key, int64_t fallback) const;
  Result<double> get_float_or(std::string_view key, double fallback) const;

  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(std::string_view name) const;

 private:
  friend class GgufParser;
  MappedFile mapping_;                 // empty when parsed from caller's bytes
  std::span<const std::byte> bytes_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::vector<GgufTensorInfo> tensors_;
};

}  // namespace loom::model
