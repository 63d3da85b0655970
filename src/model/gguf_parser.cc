// GgufParser: turns untrusted bytes into a GgufFile. Every count and length is
// checked against the bytes that remain BEFORE anything is allocated, and every
// error names the field, the key or tensor (with its index), the value and the limit.
#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <numeric>

#include "base/utf8.h"
#include "model/gguf_file.h"

namespace loom::model {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian uint32
constexpr uint64_t kMaxKeyBytes = 65535;  // the GGUF spec's limit on key names
// The fewest bytes one metadata pair or tensor info can occupy; a count that
// would need more than the file has is rejected before any reservation.
constexpr uint64_t kMinKvBytes = 8 + 1 + 4 + 1;       // key length, 1-byte key, type, 1-byte value
constexpr uint64_t kMinTensorBytes = 8 + 1 + 4 + 4 + 8;  // name length, name, n_dims, type, offset

// A key or tensor name shown in an error: printable, escaped, bounded.
std::string printable(std::string_view text) {
  constexpr size_t kMaxShown = 80;
  const auto escape = [](std::string& out, unsigned char c) {
    char escaped[8];
    std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
    out += escaped;
  };
  std::string out;
  for (size_t i = 0; i < text.size() && i < kMaxShown;) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f || c == '\\' || c == '\'') {
      escape(out, c);
      ++i;
      continue;
    }
    // Well-formed UTF-8 is shown as it is (names may be any language);
    // the bytes of an ill-formed sequence are escaped one by one, so that a
    // message never carries broken UTF-8 into a terminal or a JSON body.
    char32_t code_point = 0;
    const int length = decode_utf8_sequence(text, i, code_point);
    if (length > 0) {
      out.append(text.substr(i, static_cast<size_t>(length)));
      i += static_cast<size_t>(length);
    } else {
      for (int k = 0; k < -length; ++k) escape(out, static_cast<unsigned char>(text[i + static_cast<size_t>(k)]));
      i += static_cast<size_t>(-length);
    }
  }
  if (text.size() > kMaxShown) out += "...";
  return out;
}

bool valid_value_type(uint32_t type) { return type <= static_cast<uint32_t>(GgufType::kFloat64); }

}  // namespace

class GgufParser {
 public:
  explicit GgufParser(std::span<const std::byte> bytes) : bytes_(bytes) {}

  Result<GgufFile> parse() {
    GgufFile file;
    file.bytes_ = bytes_;
    TRY(parse_header(file));
    TRY(parse_metadata(file));
    TRY(parse_tensor_infos(file));
    TRY(place_tensor_data(file));
    return file;
  }

 private:
  // ---- errors: "<where>: <what>", where is e.g. "metadata key #3 'general.name'" ----
  std::string where() const {
    if (section_ == nullptr) return "header";
    if (name_.empty()) return str_cat(section_, " #", index_);
    return str_cat(section_, " #", index_, " '", printable(name_), "'");
  }
  template <typename... Args>
  Status corrupt(const Args&... args) const {
    return data_loss("GGUF ", where(), ": ", args...);
  }
  uint64_t remaining() const { return bytes_.size() - pos_; }

  Status need(uint64_t count, std::string_view field) const {
    if (count <= remaining()) return Status::ok_status();
    return corrupt(field, " at offset ", pos_, " needs ", count, " bytes but the file ends after ",
                   remaining(), " (file size ", bytes_.size(), ")");
  }

  template <typename T>
  Result<T> read(std::string_view field) {
    TRY(need(sizeof(T), field));
    T value;
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));  // GGUF v2/v3 and the host are little-endian
    pos_ += sizeof(T);
    return value;
  }

  // A length-prefixed string. `element` (when not kNoElement) numbers the string
  // within an array; the field's description is only formatted on error.
  static constexpr uint64_t kNoElement = std::numeric_limits<uint64_t>::max();
  Result<std::string_view> read_string(std::string_view field, uint64_t element = kNoElement) {
    auto describe = [&] {
      return element == kNoElement ? std::string(field) : str_cat(field, " #", element);
    };
    if (remaining() < 8) return need(8, str_cat(describe(), " length"));
    uint64_t length;
    std::memcpy(&length, bytes_.data() + pos_, 8);
    pos_ += 8;
    if (length > remaining()) {
      return corrupt(describe(), " length ", length, " at offset ", pos_ - 8, " exceeds the ", remaining(),
                     " bytes left in the file");
    }
    std::string_view text(reinterpret_cast<const char*>(bytes_.data() + pos_), length);
    pos_ += length;
    return text;
  }

  // ---- header ----
  Status parse_header(GgufFile& file) {
    if (bytes_.size() < 4) {
      return data_loss("not a GGUF file: ", bytes_.size(), " bytes is too small for the 4-byte magic");
    }
    const uint32_t magic = TRY(read<uint32_t>("magic"));
    if (magic != kMagic) {
      return data_loss("not a GGUF file: the magic is '", printable({reinterpret_cast<const char*>(bytes_.data()), 4}),
                       "', expected 'GGUF'");
    }
    const uint32_t version = TRY(read<uint32_t>("version"));
    if (version == 1) {
      return unimplemented("GGUF version 1 is not supported (it predates 64-bit counts); "
                           "supported versions: 2, 3 - convert the model again with a current llama.cpp");
    }
    if (version == __builtin_bswap32(2) || version == __builtin_bswap32(3)) {
      return unimplemented("big-endian GGUF files are not supported (version field ", version, ")");
    }
    if (version != 2 && version != 3) {
      return unimplemented("GGUF version ", version, " is not supported; supported versions: 2, 3");
    }
    file.version_ = version;
    tensor_count_ = TRY(read<uint64_t>("tensor count"));
    kv_count_ = TRY(read<uint64_t>("metadata key count"));
    // Bound both counts by what the rest of the file can hold before reserving anything.
    if (kv_count_ > remaining() / kMinKvBytes) {
      return corrupt("metadata key count ", kv_count_, " is impossible: the ", remaining(),
                     " bytes after the header hold at most ", remaining() / kMinKvBytes, " keys");
    }
    if (tensor_count_ > remaining() / kMinTensorBytes) {
      return corrupt("tensor count ", tensor_count_, " is impossible: the ", remaining(),
                     " bytes after the header hold at most ", remaining() / kMinTensorBytes, " tensor infos");
    }
    return Status::ok_status();
  }

  // ---- metadata ----
  Status check_key(std::string_view key) const {
    if (key.empty()) return corrupt("the key is empty");
    if (key.size() > kMaxKeyBytes) {
      return corrupt("the key is ", key.size(), " bytes, longer than the ", kMaxKeyBytes, " GGUF allows");
    }
    for (size_t i = 0; i < key.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(key[i]);
      if (c < 0x20 || c == 0x7f) return corrupt("the key contains control byte ", int{c}, " at position ", i);
    }
    return Status::ok_status();
  }

  Status parse_metadata(GgufFile& file) {
    file.metadata_.reserve(kv_count_);
    file.metadata_index_.reserve(kv_count_);
    section_ = "metadata key";
    for (index_ = 0; index_ < kv_count_; ++index_) {
      name_ = {};
      name_ = TRY(read_string("key"));
      TRY(check_key(name_));
      const uint32_t type = TRY(read<uint32_t>("value type"));
      if (!valid_value_type(type)) {
        return corrupt("unknown value type ", type, " (valid types are 0..12)");
      }
      GgufValue value = TRY(parse_value(static_cast<GgufType>(type)));
      if (!file.metadata_index_.emplace(name_, file.metadata_.size()).second) {
        return corrupt("duplicate key (first defined at metadata key #", file.metadata_index_[name_], ")");
      }
      if (name_ == "general.alignment") TRY(read_alignment(file, value));
      file.metadata_.emplace_back(std::string(name_), std::move(value));
    }
    return Status::ok_status();
  }

  Status read_alignment(GgufFile& file, const GgufValue& value) const {
    if (value.type() != GgufType::kUint32) {
      return corrupt("general.alignment must be uint32, not ", gguf_type_name(value.type()));
    }
    const uint64_t alignment = *value.as_uint();
    if (alignment == 0 || !std::has_single_bit(alignment)) {
      return corrupt("general.alignment ", alignment, " is not a nonzero power of two");
    }
    file.alignment_ = alignment;
    return Status::ok_status();
  }

  Result<GgufValue> parse_value(GgufType type) {
    GgufValue value;
    value.type_ = type;
    switch (type) {
      case GgufType::kUint8: value.scalar_ = uint64_t{TRY(read<uint8_t>("uint8 value"))}; break;
      case GgufType::kInt8: value.scalar_ = int64_t{TRY(read<int8_t>("int8 value"))}; break;
      case GgufType::kUint16: value.scalar_ = uint64_t{TRY(read<uint16_t>("uint16 value"))}; break;
      case GgufType::kInt16: value.scalar_ = int64_t{TRY(read<int16_t>("int16 value"))}; break;
      case GgufType::kUint32: value.scalar_ = uint64_t{TRY(read<uint32_t>("uint32 value"))}; break;
      case GgufType::kInt32: value.scalar_ = int64_t{TRY(read<int32_t>("int32 value"))}; break;
      case GgufType::kUint64: value.scalar_ = TRY(read<uint64_t>("uint64 value")); break;
      case GgufType::kInt64: value.scalar_ = TRY(read<int64_t>("int64 value")); break;
      case GgufType::kFloat32: value.scalar_ = double{TRY(read<float>("float32 value"))}; break;
      case GgufType::kFloat64: value.scalar_ = TRY(read<double>("float64 value")); break;
      case GgufType::kBool: {
        const uint8_t byte = TRY(read<uint8_t>("bool value"));
        if (byte > 1) return corrupt("bool value ", int{byte}, " at offset ", pos_ - 1, " is neither 0 nor 1");
        value.scalar_ = byte == 1;
        break;
      }
      case GgufType::kString: value.scalar_ = TRY(read_string("string value")); break;
      case GgufType::kArray: TRY(parse_array(value)); break;
    }
    return value;
  }

  Status parse_array(GgufValue& value) {
    const uint32_t element_type = TRY(read<uint32_t>("array element type"));
    if (element_type == static_cast<uint32_t>(GgufType::kArray)) {
      return unimplemented("GGUF ", where(), ": arrays of arrays are not supported");
    }
    if (!valid_value_type(element_type)) {
      return corrupt("unknown array element type ", element_type, " (valid types are 0..8, 10..12)");
    }
    value.array_type_ = static_cast<GgufType>(element_type);
    const uint64_t count = TRY(read<uint64_t>("array length"));
    value.array_size_ = count;
    if (value.array_type_ == GgufType::kString) return parse_string_array(value, count);

    const uint64_t element_bytes = gguf_type_size(value.array_type_);
    if (count > remaining() / element_bytes) {
      return corrupt("array of ", count, " ", gguf_type_name(value.array_type_), " at offset ", pos_ - 8,
                     " needs ", count, " x ", element_bytes, " bytes but only ", remaining(), " are left");
    }
    value.array_bytes_ = bytes_.subspan(pos_, count * element_bytes);
    if (value.array_type_ == GgufType::kBool) {
      for (uint64_t element = 0; element < count; ++element) {
        const auto byte = static_cast<uint8_t>(value.array_bytes_[element]);
        if (byte > 1) return corrupt("bool array element #", element, " is ", int{byte}, ", neither 0 nor 1");
      }
    }
    pos_ += count * element_bytes;
    return Status::ok_status();
  }

  Status parse_string_array(GgufValue& value, uint64_t count) {
    if (count > remaining() / 8) {  // each element has at least its 8-byte length
      return corrupt("array of ", count, " strings at offset ", pos_ - 8, " is impossible: the ",
                     remaining(), " bytes left hold at most ", remaining() / 8);
    }
    value.strings_.reserve(count);
    for (uint64_t element = 0; element < count; ++element) {
      value.strings_.push_back(TRY(read_string("string array element", element)));
    }
    return Status::ok_status();
  }

  // ---- tensor infos ----
  Status parse_tensor_infos(GgufFile& file) {
    file.tensors_.reserve(tensor_count_);
    file.tensor_index_.reserve(tensor_count_);
    section_ = "tensor";
    for (index_ = 0; index_ < tensor_count_; ++index_) {
      name_ = {};
      GgufTensorInfo info;
      name_ = TRY(read_string("name"));
      if (name_.empty()) return corrupt("the tensor name is empty");
      if (!file.tensor_index_.emplace(name_, file.tensors_.size()).second) {
        return corrupt("duplicate tensor name (first defined at tensor #", file.tensor_index_[name_], ")");
      }
      info.name = std::string(name_);
      TRY(parse_shape(info));
      info.ggml_type = TRY(read<uint32_t>("type"));
      TRY(compute_size(info));
      info.offset = TRY(read<uint64_t>("data offset"));
      if (info.offset % file.alignment_ != 0) {
        return corrupt("data offset ", info.offset, " is not a multiple of the alignment ", file.alignment_);
      }
      file.tensors_.push_back(std::move(info));
    }
    section_ = nullptr;
    return Status::ok_status();
  }

  Status parse_shape(GgufTensorInfo& info) {
    const uint32_t n_dims = TRY(read<uint32_t>("dimension count"));
    if (n_dims > kGgufMaxDims) {
      return corrupt("has ", n_dims, " dimensions; at most ", kGgufMaxDims, " are allowed");
    }
    info.shape.reserve(n_dims);
    for (uint32_t dim = 0; dim < n_dims; ++dim) {
      const uint64_t extent = TRY(read<uint64_t>(str_cat("dimension ", dim)));
      if (extent > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return corrupt("dimension ", dim, " is ", extent, ", above the int64 limit");
      }
      info.shape.push_back(static_cast<int64_t>(extent));
    }
    return Status::ok_status();
  }

  Status compute_size(GgufTensorInfo& info) const {
    std::optional<GgmlTypeLayout> layout = ggml_type_layout(info.ggml_type);
    if (!layout) {
      return corrupt("has unknown or removed GGML type id ", info.ggml_type, " (",
                     tensor::ggml_type_name(info.ggml_type), ")");
    }
    if (std::optional<tensor::DTypeInfo> dtype = tensor::dtype_info(info.ggml_type)) info.type = dtype->type;
    const int64_t row = info.shape.empty() ? 1 : info.shape[0];
    if (row % layout->block_elements != 0) {
      return corrupt("has ", row, " elements per row, not a multiple of the ", layout->block_elements,
                     "-element blocks of type ", info.type_name());
    }
    // size = blocks per row * block bytes * the other dimensions, each step overflow-checked.
    uint64_t size = static_cast<uint64_t>(row / layout->block_elements);
    int64_t elements = row;
    bool overflow = __builtin_mul_overflow(size, layout->block_bytes, &size);
    for (size_t dim = 1; dim < info.shape.size(); ++dim) {
      overflow = overflow || __builtin_mul_overflow(size, static_cast<uint64_t>(info.shape[dim]), &size) ||
                 __builtin_mul_overflow(elements, info.shape[dim], &elements);
    }
    if (overflow) {
      std::string dims;
      for (int64_t extent : info.shape) dims += str_cat(dims.empty() ? "" : ", ", extent);
      return corrupt("shape [", dims, "] overflows 64 bits when multiplied out");
    }
    info.size_bytes = size;
    return Status::ok_status();
  }

  // ---- data section ----
  Status place_tensor_data(GgufFile& file) {
    // The data section starts at the next multiple of the alignment after the tensor infos.
    file.data_offset_ = (pos_ + file.alignment_ - 1) / file.alignment_ * file.alignment_;
    if (file.tensors_.empty()) return Status::ok_status();
    if (file.data_offset_ > bytes_.size()) {
      return data_loss("GGUF tensor data section would start at offset ", file.data_offset_,
                       ", past the end of the file (", bytes_.size(), " bytes)");
    }
    const uint64_t data_bytes = bytes_.size() - file.data_offset_;
    section_ = "tensor";
    for (index_ = 0; index_ < file.tensors_.size(); ++index_) {
      GgufTensorInfo& info = file.tensors_[index_];
      name_ = info.name;
      if (info.offset > data_bytes || info.size_bytes > data_bytes - info.offset) {
        return corrupt("data [", info.offset, ", ", info.offset, " + ", info.size_bytes,
                       ") lies outside the ", data_bytes, "-byte data section at file offset ",
                       file.data_offset_, " (file truncated or offset corrupt)");
      }
      info.data = bytes_.data() + file.data_offset_ + info.offset;
    }
    return check_overlaps(file.tensors_);
  }

  static Status check_overlaps(const std::vector<GgufTensorInfo>& tensors) {
    std::vector<size_t> order(tensors.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return tensors[a].offset < tensors[b].offset; });
    size_t previous = tensors.size();  // the non-empty tensor that ends last so far
    uint64_t previous_end = 0;
    for (size_t index : order) {
      const GgufTensorInfo& info = tensors[index];
      if (info.size_bytes == 0) continue;
      if (previous != tensors.size() && info.offset < previous_end) {
        const GgufTensorInfo& other = tensors[previous];
        return data_loss("GGUF tensor #", index, " '", printable(info.name), "': data at offset ",
                         info.offset, " overlaps tensor #", previous, " '", printable(other.name),
                         "' (offset ", other.offset, ", ", other.size_bytes, " bytes)");
      }
      if (info.offset + info.size_bytes > previous_end) {
        previous = index;
        previous_end = info.offset + info.size_bytes;
      }
    }
    return Status::ok_status();
  }

  std::span<const std::byte> bytes_;
  uint64_t pos_ = 0;
  uint64_t tensor_count_ = 0;
  uint64_t kv_count_ = 0;
  // Where the parser is, for error messages.
  const char* section_ = nullptr;
  uint64_t index_ = 0;
  std::string_view name_;
};

Result<GgufFile> GgufFile::parse(std::span<const std::byte> bytes) { return GgufParser(bytes).parse(); }

}  // namespace loom::model
