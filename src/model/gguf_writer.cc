// GgufWriter: metadata is encoded when set; tensor data is pulled from each
// tensor's source only while the file is being written.
#include "model/gguf_writer.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace loom::model {

uint32_t gguf_file_type(tensor::DType type, bool q4_k_m_mix) {
  if (q4_k_m_mix) return 15;  // LLAMA_FTYPE_MOSTLY_Q4_K_M
  switch (type) {
    case tensor::DType::kF16: return 1;
    case tensor::DType::kQ4_0: return 2;
    case tensor::DType::kQ8_0: return 7;
    case tensor::DType::kQ4_K: return 14;  // MOSTLY_Q4_K_S: Q4_K throughout
    case tensor::DType::kQ6_K: return 18;
    case tensor::DType::kBF16: return 32;
    default: return 0;
  }
}

namespace {

constexpr size_t kMaxTensorNameBytes = 63;  // llama.cpp's GGML_MAX_NAME - 1

template <typename T>
void append_le(std::vector<std::byte>& out, T value) {
  const size_t at = out.size();
  out.resize(at + sizeof(T));
  std::memcpy(out.data() + at, &value, sizeof(T));  // the host is little-endian, as GGUF v3 is
}

void append_string(std::vector<std::byte>& out, std::string_view text) {
  append_le<uint64_t>(out, text.size());
  const auto* bytes = reinterpret_cast<const std::byte*>(text.data());
  out.insert(out.end(), bytes, bytes + text.size());
}

template <typename T>
std::vector<std::byte> encode_scalar(T value) {
  std::vector<std::byte> out;
  append_le(out, value);
  return out;
}

uint64_t padding_for(uint64_t size, uint64_t alignment) { return (alignment - size % alignment) % alignment; }

// Writes `count` zero bytes in bounded chunks: the alignment may be as large as
// 2^31, and padding must not allocate that much.
Status write_zeros(const GgufByteSink& sink, uint64_t count) {
  static constexpr std::byte kZeros[4096] = {};
  while (count > 0) {
    const uint64_t chunk = std::min<uint64_t>(count, sizeof(kZeros));
    TRY(sink(std::span(kZeros, chunk)));
    count -= chunk;
  }
  return Status::ok_status();
}

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

}  // namespace

void GgufWriter::set_raw(std::string_view key, GgufType type, std::vector<std::byte> encoded) {
  CHECK(!key.empty());
  for (Entry& entry : entries_) {
    if (entry.key == key) {
      entry.type = type;
      entry.encoded = std::move(encoded);
      return;
    }
  }
  entries_.push_back({std::string(key), type, std::move(encoded)});
}

void GgufWriter::set_uint8(std::string_view key, uint8_t value) { set_raw(key, GgufType::kUint8, encode_scalar(value)); }
void GgufWriter::set_int8(std::string_view key, int8_t value) { set_raw(key, GgufType::kInt8, encode_scalar(value)); }
void GgufWriter::set_uint16(std::string_view key, uint16_t value) { set_raw(key, GgufType::kUint16, encode_scalar(value)); }
void GgufWriter::set_int16(std::string_view key, int16_t value) { set_raw(key, GgufType::kInt16, encode_scalar(value)); }
void GgufWriter::set_uint32(std::string_view key, uint32_t value) { set_raw(key, GgufType::kUint32, encode_scalar(value)); }
void GgufWriter::set_int32(std::string_view key, int32_t value) { set_raw(key, GgufType::kInt32, encode_scalar(value)); }
void GgufWriter::set_uint64(std::string_view key, uint64_t value) { set_raw(key, GgufType::kUint64, encode_scalar(value)); }
void GgufWriter::set_int64(std::string_view key, int64_t value) { set_raw(key, GgufType::kInt64, encode_scalar(value)); }
void GgufWriter::set_float32(std::string_view key, float value) { set_raw(key, GgufType::kFloat32, encode_scalar(value)); }
void GgufWriter::set_float64(std::string_view key, double value) { set_raw(key, GgufType::kFloat64, encode_scalar(value)); }
void GgufWriter::set_bool(std::string_view key, bool value) {
  set_raw(key, GgufType::kBool, encode_scalar(static_cast<uint8_t>(value ? 1 : 0)));
}

void GgufWriter::set_string(std::string_view key, std::string_view value) {
  std::vector<std::byte> out;
  append_string(out, value);
  set_raw(key, GgufType::kString, std::move(out));
}

void GgufWriter::set_string_array(std::string_view key, const std::vector<std::string>& values) {
  std::vector<std::byte> out;
  append_le(out, static_cast<uint32_t>(GgufType::kString));
  append_le<uint64_t>(out, values.size());
  for (const std::string& value : values) append_string(out, value);
  set_raw(key, GgufType::kArray, std::move(out));
}

void GgufWriter::set_array(std::string_view key, GgufType element_type, std::span<const std::byte> raw) {
  const size_t element_bytes = gguf_type_size(element_type);
  CHECK(element_bytes > 0 && raw.size() % element_bytes == 0);
  std::vector<std::byte> out;
  append_le(out, static_cast<uint32_t>(element_type));
  append_le<uint64_t>(out, raw.size() / element_bytes);
  out.insert(out.end(), raw.begin(), raw.end());
  set_raw(key, GgufType::kArray, std::move(out));
}

void GgufWriter::set_float32_array(std::string_view key, std::span<const float> values) {
  set_array(key, GgufType::kFloat32, std::as_bytes(values));
}

void GgufWriter::set_int32_array(std::string_view key, std::span<const int32_t> values) {
  set_array(key, GgufType::kInt32, std::as_bytes(values));
}

void GgufWriter::set_value(std::string_view key, const GgufValue& value) {
  switch (value.type()) {
    case GgufType::kUint8: return set_uint8(key, static_cast<uint8_t>(*value.as_uint()));
    case GgufType::kInt8: return set_int8(key, static_cast<int8_t>(*value.as_int()));
    case GgufType::kUint16: return set_uint16(key, static_cast<uint16_t>(*value.as_uint()));
    case GgufType::kInt16: return set_int16(key, static_cast<int16_t>(*value.as_int()));
    case GgufType::kUint32: return set_uint32(key, static_cast<uint32_t>(*value.as_uint()));
    case GgufType::kInt32: return set_int32(key, static_cast<int32_t>(*value.as_int()));
    case GgufType::kUint64: return set_uint64(key, *value.as_uint());
    case GgufType::kInt64: return set_int64(key, *value.as_int());
    case GgufType::kFloat32: return set_float32(key, static_cast<float>(*value.as_float()));
    case GgufType::kFloat64: return set_float64(key, *value.as_float());
    case GgufType::kBool: return set_bool(key, *value.as_bool());
    case GgufType::kString: return set_string(key, *value.as_string());
    case GgufType::kArray: break;
  }
  if (value.array_type() != GgufType::kString) return set_array(key, value.array_type(), value.array_bytes());
  std::vector<std::byte> out;
  append_le(out, static_cast<uint32_t>(GgufType::kString));
  append_le<uint64_t>(out, value.array_size());
  for (std::string_view element : value.as_string_array()) append_string(out, element);
  set_raw(key, GgufType::kArray, std::move(out));
}

Status GgufWriter::add_tensor_source(std::string_view name, uint32_t ggml_type, std::vector<int64_t> shape,
                                     GgufTensorSource source) {
  if (name.empty()) return invalid_argument("GGUF tensor name is empty");
  if (name.size() > kMaxTensorNameBytes) {
    return invalid_argument("GGUF tensor name '", name, "' is ", name.size(), " bytes; llama.cpp allows at most ",
                            kMaxTensorNameBytes);
  }
  for (const Tensor& tensor : tensors_) {
    if (tensor.name == name) return invalid_argument("GGUF tensor '", name, "' is added twice");
  }
  if (shape.size() > static_cast<size_t>(kGgufMaxDims)) {
    return invalid_argument("GGUF tensor '", name, "' has ", shape.size(), " dimensions; at most ", kGgufMaxDims);
  }
  std::optional<GgmlTypeLayout> layout = ggml_type_layout(ggml_type);
  if (!layout) return invalid_argument("GGUF tensor '", name, "': unknown GGML type id ", ggml_type);
  for (int64_t extent : shape) {
    if (extent < 0) return invalid_argument("GGUF tensor '", name, "' has a negative dimension ", extent);
  }
  const int64_t row = shape.empty() ? 1 : shape[0];
  if (row % layout->block_elements != 0) {
    return invalid_argument("GGUF tensor '", name, "': a row of ", row, " elements is not a whole number of ",
                            tensor::ggml_type_name(ggml_type), " blocks of ", layout->block_elements);
  }
  uint64_t size = static_cast<uint64_t>(row / layout->block_elements);
  bool overflow = __builtin_mul_overflow(size, layout->block_bytes, &size);
  for (size_t dim = 1; dim < shape.size(); ++dim) {
    overflow = overflow || __builtin_mul_overflow(size, static_cast<uint64_t>(shape[dim]), &size);
  }
  if (overflow) return invalid_argument("GGUF tensor '", name, "': its size overflows 64 bits");
  tensors_.push_back({std::string(name), ggml_type, std::move(shape), size, std::move(source)});
  return Status::ok_status();
}

Status GgufWriter::add_tensor_view(std::string_view name, tensor::DType type, std::vector<int64_t> shape,
                                   std::span<const std::byte> data) {
  TRY(add_tensor_source(name, static_cast<uint32_t>(type), std::move(shape),
                        [data](const GgufByteSink& sink) { return sink(data); }));
  if (tensors_.back().size_bytes != data.size()) {
    const uint64_t expected = tensors_.back().size_bytes;
    tensors_.pop_back();
    return invalid_argument("GGUF tensor '", name, "' has ", data.size(), " bytes of data; its shape and type ",
                            tensor::dtype_name(type), " need ", expected);
  }
  return Status::ok_status();
}

Status GgufWriter::add_tensor(std::string_view name, tensor::DType type, std::vector<int64_t> shape,
                              std::vector<std::byte> data) {
  // Shared so the source stays copyable; the bytes themselves are never duplicated.
  auto owned = std::make_shared<const std::vector<std::byte>>(std::move(data));
  TRY(add_tensor_view(name, type, std::move(shape), *owned));
  tensors_.back().source = [owned](const GgufByteSink& sink) { return sink(*owned); };
  return Status::ok_status();
}

Result<uint64_t> GgufWriter::alignment() const {
  for (const Entry& entry : entries_) {
    if (entry.key != "general.alignment") continue;
    if (entry.type != GgufType::kUint32) {
      return invalid_argument("general.alignment must be uint32, not ", gguf_type_name(entry.type));
    }
    uint32_t alignment;
    std::memcpy(&alignment, entry.encoded.data(), sizeof(alignment));
    if (!std::has_single_bit(alignment)) {
      return invalid_argument("general.alignment ", alignment, " is not a nonzero power of two");
    }
    return alignment;
  }
  return kGgufDefaultAlignment;
}

Status GgufWriter::emit(const GgufByteSink& sink) const {
  const uint64_t align = TRY(alignment());
  std::vector<std::byte> head;
  append_le<uint32_t>(head, 0x46554747);  // "GGUF"
  append_le<uint32_t>(head, 3);
  append_le<uint64_t>(head, tensors_.size());
  append_le<uint64_t>(head, entries_.size());
  for (const Entry& entry : entries_) {
    append_string(head, entry.key);
    append_le(head, static_cast<uint32_t>(entry.type));
    head.insert(head.end(), entry.encoded.begin(), entry.encoded.end());
  }
  uint64_t offset = 0;
  for (const Tensor& tensor : tensors_) {
    append_string(head, tensor.name);
    append_le<uint32_t>(head, static_cast<uint32_t>(tensor.shape.size()));
    for (int64_t extent : tensor.shape) append_le<uint64_t>(head, static_cast<uint64_t>(extent));
    append_le<uint32_t>(head, tensor.ggml_type);
    append_le<uint64_t>(head, offset);
    offset += tensor.size_bytes + padding_for(tensor.size_bytes, align);
  }
  TRY(sink(head));
  TRY(write_zeros(sink, padding_for(head.size(), align)));

  for (const Tensor& tensor : tensors_) {
    uint64_t produced = 0;
    const GgufByteSink counting = [&](std::span<const std::byte> chunk) -> Status {
      produced += chunk.size();
      if (produced > tensor.size_bytes) return Status::ok_status();  // reported below, nothing written
      return sink(chunk);
    };
    TRY(tensor.source(counting));
    if (produced != tensor.size_bytes) {
      return invalid_argument("GGUF tensor '", tensor.name, "': its source produced ", produced,
                              " bytes, expected ", tensor.size_bytes);
    }
    TRY(write_zeros(sink, padding_for(tensor.size_bytes, align)));
  }
  return Status::ok_status();
}

Result<std::vector<std::byte>> GgufWriter::to_bytes() const {
  std::vector<std::byte> out;
  TRY(emit([&](std::span<const std::byte> chunk) {
    out.insert(out.end(), chunk.begin(), chunk.end());
    return Status::ok_status();
  }));
  return out;
}

namespace {

using File = std::unique_ptr<std::FILE, FileCloser>;

// The temporary file write() fills before renaming it to `path`.
std::string temporary_of(const std::string& path) { return path + ".tmp"; }

Result<File> create(const std::string& temporary) {
  File file(std::fopen(temporary.c_str(), "wb"));
  if (!file) return invalid_argument("cannot create ", temporary, ": ", std::strerror(errno));
  return file;
}

}  // namespace

Status GgufWriter::check_writable(const std::string& path) {
  const std::string temporary = temporary_of(path);
  TRY(create(temporary));
  std::remove(temporary.c_str());
  return Status::ok_status();
}

Status GgufWriter::write(const std::string& path) const {
  const std::string temporary = temporary_of(path);
  File file = TRY(create(temporary));
  Status status = emit([&](std::span<const std::byte> chunk) -> Status {
    if (chunk.empty() || std::fwrite(chunk.data(), 1, chunk.size(), file.get()) == chunk.size()) {
      return Status::ok_status();
    }
    return resource_exhausted("writing ", temporary, ": ", std::strerror(errno));
  });
  if (status.ok() && std::fclose(file.release()) != 0) {
    status = resource_exhausted("closing ", temporary, ": ", std::strerror(errno));
  }
  if (status.ok() && std::rename(temporary.c_str(), path.c_str()) != 0) {
    status = invalid_argument("renaming ", temporary, " to ", path, ": ", std::strerror(errno));
  }
  if (!status.ok()) {
    file.reset();
    std::remove(temporary.c_str());
  }
  return status;
}

}  // namespace loom::model
