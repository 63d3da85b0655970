// GgufBytes: assembles GGUF bytes field by field, so tests can build files the
// writer would refuse to produce (duplicate keys, hostile lengths, bad types).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace loom::model::testing {

class GgufBytes {
 public:
  template <typename T>
  GgufBytes& put(T value) {
    const size_t at = bytes_.size();
    bytes_.resize(at + sizeof(T));
    std::memcpy(bytes_.data() + at, &value, sizeof(T));
    return *this;
  }
  GgufBytes& u8(uint8_t value) { return put(value); }
  GgufBytes& u32(uint32_t value) { return put(value); }
  GgufBytes& u64(uint64_t value) { return put(value); }
  GgufBytes& text(std::string_view value) {  // raw bytes, no length
    for (char c : value) bytes_.push_back(static_cast<std::byte>(c));
    return *this;
  }
  GgufBytes& str(std::string_view value) { return u64(value.size()).text(value); }
  GgufBytes& zeros(size_t count) {
    bytes_.resize(bytes_.size() + count, std::byte{0});
    return *this;
  }
  GgufBytes& pad_to(size_t alignment) { return zeros((alignment - bytes_.size() % alignment) % alignment); }

  // "GGUF", version, tensor count, metadata key count.
  GgufBytes& header(uint64_t tensor_count, uint64_t kv_count, uint32_t version = 3) {
    return text("GGUF").u32(version).u64(tensor_count).u64(kv_count);
  }
  // A tensor info: name, dims, GGML type id, offset.
  GgufBytes& tensor(std::string_view name, std::vector<uint64_t> dims, uint32_t type, uint64_t offset) {
    str(name).u32(static_cast<uint32_t>(dims.size()));
    for (uint64_t dim : dims) u64(dim);
    return u32(type).u64(offset);
  }

  size_t size() const { return bytes_.size(); }
  std::span<const std::byte> span() const { return bytes_; }
  const std::vector<std::byte>& bytes() const { return bytes_; }

 private:
  std::vector<std::byte> bytes_;
};

}  // namespace loom::model::testing
