// GgufFile accessors, GgufValue conversions and display, and the table of GGML
// type layouts. The parsing itself lives in gguf_parser.cc.
#include "model/gguf_file.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>

namespace loom::model {
namespace {

// Every id a GGUF file may hold; {0, 0} marks ids GGML has removed.
constexpr std::array<GgmlTypeLayout, 40> kGgmlLayouts = {{
    {1, 4},     // 0 f32
    {1, 2},     // 1 f16
    {32, 18},   // 2 q4_0
    {32, 20},   // 3 q4_1
    {0, 0},     // 4 q4_2 (removed)
    {0, 0},     // 5 q4_3 (removed)
    {32, 22},   // 6 q5_0
    {32, 24},   // 7 q5_1
    {32, 34},   // 8 q8_0
    {32, 36},   // 9 q8_1
    {256, 84},  // 10 q2_K
    {256, 110}, // 11 q3_K
    {256, 144}, // 12 q4_K
    {256, 176}, // 13 q5_K
    {256, 210}, // 14 q6_K
    {256, 292}, // 15 q8_K
    {256, 66},  // 16 iq2_xxs
    {256, 74},  // 17 iq2_xs
    {256, 98},  // 18 iq3_xxs
    {256, 50},  // 19 iq1_s
    {32, 18},   // 20 iq4_nl
    {256, 110}, // 21 iq3_s
    {256, 82},  // 22 iq2_s
    {256, 136}, // 23 iq4_xs
    {1, 1},     // 24 i8
    {1, 2},     // 25 i16
    {1, 4},     // 26 i32
    {1, 8},     // 27 i64
    {1, 8},     // 28 f64
    {256, 56},  // 29 iq1_m
    {1, 2},     // 30 bf16
    {0, 0},     // 31 q4_0_4_4 (removed from GGUF files)
    {0, 0},     // 32 q4_0_4_8 (removed)
    {0, 0},     // 33 q4_0_8_8 (removed)
    {256, 54},  // 34 tq1_0
    {256, 66},  // 35 tq2_0
    {0, 0},     // 36 iq4_nl_4_4 (removed)
    {0, 0},     // 37 iq4_nl_4_8 (removed)
    {0, 0},     // 38 iq4_nl_8_8 (removed)
    {32, 17},   // 39 mxfp4
}};

template <typename T>
T load_le(const std::byte* bytes) {
  T value;
  std::memcpy(&value, bytes, sizeof(T));  // the host is little-endian, as GGUF v2/v3 are
  return value;
}

// Element `index` of a fixed-size array, widened to the scalar variant.
std::variant<uint64_t, int64_t, double, bool> array_element(GgufType type,
                                                            std::span<const std::byte> bytes,
                                                            size_t index) {
  const std::byte* at = bytes.data() + index * gguf_type_size(type);
  switch (type) {
    case GgufType::kUint8: return uint64_t{load_le<uint8_t>(at)};
    case GgufType::kInt8: return int64_t{load_le<int8_t>(at)};
    case GgufType::kUint16: return uint64_t{load_le<uint16_t>(at)};
    case GgufType::kInt16: return int64_t{load_le<int16_t>(at)};
    case GgufType::kUint32: return uint64_t{load_le<uint32_t>(at)};
    case GgufType::kInt32: return int64_t{load_le<int32_t>(at)};
    case GgufType::kUint64: return load_le<uint64_t>(at);
    case GgufType::kInt64: return load_le<int64_t>(at);
    case GgufType::kFloat32: return double{load_le<float>(at)};
    case GgufType::kFloat64: return load_le<double>(at);
    case GgufType::kBool: return load_le<uint8_t>(at) != 0;
    case GgufType::kString:
    case GgufType::kArray: break;
  }
  CHECK(false && "array_element on a variable-size type");
  return uint64_t{0};
}

template <typename Scalar>
std::optional<int64_t> scalar_to_int(const Scalar& scalar) {
  if (const auto* u = std::get_if<uint64_t>(&scalar)) {
    if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(*u);
  }
  if (const auto* i = std::get_if<int64_t>(&scalar)) return *i;
  if (const auto* b = std::get_if<bool>(&scalar)) return *b ? 1 : 0;
  return std::nullopt;
}

template <typename Scalar>
std::optional<double> scalar_to_float(const Scalar& scalar) {
  if (const auto* d = std::get_if<double>(&scalar)) return *d;
  if (const auto* u = std::get_if<uint64_t>(&scalar)) return static_cast<double>(*u);
  if (const auto* i = std::get_if<int64_t>(&scalar)) return static_cast<double>(*i);
  return std::nullopt;
}

void append_number(std::string& out, double value, bool single_precision) {
  char buffer[64];
  const auto result = single_precision
                          ? std::to_chars(buffer, buffer + sizeof(buffer), static_cast<float>(value))
                          : std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, result.ptr);
}

// Quoted, control bytes escaped, long strings cut (display only).
void append_quoted(std::string& out, std::string_view text) {
  constexpr size_t kMaxShown = 120;
  out += '"';
  for (size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  if (text.size() > kMaxShown) out += str_cat("...(", text.size(), " bytes)");
}

void append_scalar(std::string& out, GgufType type,
                   const std::variant<uint64_t, int64_t, double, bool>& scalar) {
  if (const auto* u = std::get_if<uint64_t>(&scalar)) out += std::to_string(*u);
  if (const auto* i = std::get_if<int64_t>(&scalar)) out += std::to_string(*i);
  if (const auto* d = std::get_if<double>(&scalar)) append_number(out, *d, type == GgufType::kFloat32);
  if (const auto* b = std::get_if<bool>(&scalar)) out += *b ? "true" : "false";
}

}  // namespace

std::string_view gguf_type_name(GgufType type) {
  switch (type) {
    case GgufType::kUint8: return "uint8";
    case GgufType::kInt8: return "int8";
    case GgufType::kUint16: return "uint16";
    case GgufType::kInt16: return "int16";
    case GgufType::kUint32: return "uint32";
    case GgufType::kInt32: return "int32";
    case GgufType::kFloat32: return "float32";
    case GgufType::kBool: return "bool";
    case GgufType::kString: return "string";
    case GgufType::kArray: return "array";
    case GgufType::kUint64: return "uint64";
    case GgufType::kInt64: return "int64";
    case GgufType::kFloat64: return "float64";
  }
  return "unknown";
}

size_t gguf_type_size(GgufType type) {
  switch (type) {
    case GgufType::kUint8: case GgufType::kInt8: case GgufType::kBool: return 1;
    case GgufType::kUint16: case GgufType::kInt16: return 2;
    case GgufType::kUint32: case GgufType::kInt32: case GgufType::kFloat32: return 4;
    case GgufType::kUint64: case GgufType::kInt64: case GgufType::kFloat64: return 8;
    case GgufType::kString: case GgufType::kArray: return 0;
  }
  return 0;
}

std::optional<GgmlTypeLayout> ggml_type_layout(uint32_t ggml_type_id) {
  if (ggml_type_id >= kGgmlLayouts.size() || kGgmlLayouts[ggml_type_id].block_elements == 0) {
    return std::nullopt;
  }
  return kGgmlLayouts[ggml_type_id];
}

// ---- GgufValue ----

std::optional<int64_t> GgufValue::as_int() const {
  if (type_ == GgufType::kArray || type_ == GgufType::kString) return std::nullopt;
  return scalar_to_int(scalar_);
}

std::optional<uint64_t> GgufValue::as_uint() const {
  if (type_ == GgufType::kArray || type_ == GgufType::kString) return std::nullopt;
  if (const auto* u = std::get_if<uint64_t>(&scalar_)) return *u;
  if (const auto* i = std::get_if<int64_t>(&scalar_)) {
    if (*i < 0) return std::nullopt;
    return static_cast<uint64_t>(*i);
  }
  if (const auto* b = std::get_if<bool>(&scalar_)) return *b ? 1u : 0u;
  return std::nullopt;
}

std::optional<double> GgufValue::as_float() const {
  if (type_ == GgufType::kArray || type_ == GgufType::kString) return std::nullopt;
  return scalar_to_float(scalar_);
}

std::optional<bool> GgufValue::as_bool() const {
  if (type_ != GgufType::kBool) return std::nullopt;
  return std::get<bool>(scalar_);
}

std::optional<std::string_view> GgufValue::as_string() const {
  if (type_ != GgufType::kString) return std::nullopt;
  return std::get<std::string_view>(scalar_);
}

std::optional<std::vector<int64_t>> GgufValue::as_int_array() const {
  if (type_ != GgufType::kArray || array_type_ == GgufType::kString ||
      array_type_ == GgufType::kFloat32 || array_type_ == GgufType::kFloat64) {
    return std::nullopt;
  }
  std::vector<int64_t> values;
  values.reserve(array_size_);
  for (size_t index = 0; index < array_size_; ++index) {
    std::optional<int64_t> value = scalar_to_int(array_element(array_type_, array_bytes_, index));
    if (!value) return std::nullopt;  // a uint64 above INT64_MAX
    values.push_back(*value);
  }
  return values;
}

std::optional<std::vector<float>> GgufValue::as_float_array() const {
  if (type_ != GgufType::kArray || array_type_ == GgufType::kString ||
      array_type_ == GgufType::kBool) {
    return std::nullopt;
  }
  std::vector<float> values;
  values.reserve(array_size_);
  for (size_t index = 0; index < array_size_; ++index) {
    values.push_back(static_cast<float>(*scalar_to_float(array_element(array_type_, array_bytes_, index))));
  }
  return values;
}

std::string GgufValue::to_display_string(size_t max_array_items) const {
  std::string out;
  if (type_ == GgufType::kString) {
    append_quoted(out, std::get<std::string_view>(scalar_));
    return out;
  }
  if (type_ != GgufType::kArray) {
    std::visit(
        [&](const auto& scalar) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(scalar)>, std::string_view>) {
            append_scalar(out, type_, scalar);
          }
        },
        scalar_);
    return out;
  }
  out += '[';
  const size_t shown = std::min<uint64_t>(array_size_, max_array_items);
  for (size_t index = 0; index < shown; ++index) {
    if (index > 0) out += ", ";
    if (array_type_ == GgufType::kString) {
      append_quoted(out, strings_[index]);
    } else {
      append_scalar(out, array_type_, array_element(array_type_, array_bytes_, index));
    }
  }
  if (shown < array_size_) out += str_cat(shown > 0 ? ", " : "", "... (", array_size_, " items)");
  out += ']';
  return out;
}

// ---- GgufTensorInfo ----

int64_t GgufTensorInfo::element_count() const {
  int64_t count = 1;
  for (int64_t dim : shape) count *= dim;  // the parser has checked this cannot overflow
  return count;
}

std::string GgufTensorInfo::type_name() const { return tensor::ggml_type_name(ggml_type); }

Result<tensor::DType> GgufTensorInfo::supported_type() const {
  if (type) return *type;
  return unimplemented("tensor '", name, "' has type ", type_name(),
                       "; supported: ", tensor::supported_dtype_names());
}

// ---- GgufFile ----

Result<GgufFile> GgufFile::open(const std::string& path) {
  Result<MappedFile> mapping = MappedFile::open(path);
  if (!mapping.ok()) return mapping.status();
  Result<GgufFile> file = parse(mapping->bytes());
  if (!file.ok()) return file.status().with_context(path);
  // The mapping's address does not change when it moves, so every view stays valid.
  file->mapping_ = std::move(*mapping);
  return file;
}

Result<GgufFile> GgufFile::from_bytes(std::vector<std::byte> bytes) {
  Result<GgufFile> file = parse(std::span<const std::byte>(bytes));
  if (!file.ok()) return file.status();
  // Moving a vector keeps its buffer, so every view stays valid.
  file->owned_bytes_ = std::move(bytes);
  return file;
}

const GgufValue* GgufFile::find(std::string_view key) const {
  auto it = metadata_index_.find(key);
  return it == metadata_index_.end() ? nullptr : &metadata_[it->second].second;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

Result<const GgufValue*> GgufFile::require(std::string_view key) const {
  const GgufValue* value = find(key);
  if (value == nullptr) return not_found("GGUF metadata key '", key, "' is missing");
  return value;
}

namespace {
Status wrong_type(std::string_view key, const GgufValue& value, std::string_view expected) {
  std::string actual(gguf_type_name(value.type()));
  if (value.type() == GgufType::kArray) actual = str_cat("array of ", gguf_type_name(value.array_type()));
  return invalid_argument("GGUF metadata key '", key, "' has type ", actual, " (value ",
                          value.to_display_string(4), "), expected ", expected);
}
}  // namespace

Result<int64_t> GgufFile::get_int(std::string_view key) const {
  const GgufValue* value = TRY(require(key));
  if (std::optional<int64_t> result = value->as_int()) return *result;
  return wrong_type(key, *value, "an integer that fits int64");
}

Result<uint64_t> GgufFile::get_uint(std::string_view key) const {
  const GgufValue* value = TRY(require(key));
  if (std::optional<uint64_t> result = value->as_uint()) return *result;
  return wrong_type(key, *value, "a non-negative integer");
}

Result<double> GgufFile::get_float(std::string_view key) const {
  const GgufValue* value = TRY(require(key));
  if (std::optional<double> result = value->as_float()) return *result;
  return wrong_type(key, *value, "a number");
}

Result<bool> GgufFile::get_bool(std::string_view key) const {
  const GgufValue* value = TRY(require(key));
  if (std::optional<bool> result = value->as_bool()) return *result;
  return wrong_type(key, *value, "bool");
}

Result<std::string_view> GgufFile::get_string(std::string_view key) const {
  const GgufValue* value = TRY(require(key));
  if (std::optional<std::string_view> result = value->as_string()) return *result;
  return wrong_type(key, *value, "string");
}

Result<int64_t> GgufFile::get_int_or(std::string_view key, int64_t fallback) const {
  if (find(key) == nullptr) return fallback;
  return get_int(key);
}

Result<double> GgufFile::get_float_or(std::string_view key, double fallback) const {
  if (find(key) == nullptr) return fallback;
  return get_float(key);
}

Result<bool> GgufFile::get_bool_or(std::string_view key, bool fallback) const {
  if (find(key) == nullptr) return fallback;
  return get_bool(key);
}

}  // namespace loom::model
