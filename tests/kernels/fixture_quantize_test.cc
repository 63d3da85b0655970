// The weight quantizers against independently produced files: the stories260K
// fixture ships the same weights as F32, Q8_0 and Q4_0 GGUFs (quantized with
// llama.cpp's reference rounding), so quantize_matrix on the F32 tensors must
// reproduce the quantized tensors byte for byte. A minimal GGUF walker lives
// here because the kernels layer cannot depend on the model layer's reader.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "kernels/quantize.h"
#include "tensor/dtype.h"

namespace loom::kernels {
namespace {

struct TensorEntry {
  uint32_t type = 0;
  std::vector<uint64_t> dims;
  const uint8_t* data = nullptr;
};

class GgufWalker {
 public:
  explicit GgufWalker(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    bytes_.assign(std::istreambuf_iterator<char>(file), {});
  }
  bool ok() const { return bytes_.size() > 24 && std::memcmp(bytes_.data(), "GGUF", 4) == 0; }

  std::map<std::string, TensorEntry> tensors() {
    pos_ = 8;
    const uint64_t n_tensors = read<uint64_t>();
    const uint64_t n_kv = read<uint64_t>();
    uint64_t alignment = 32;
    for (uint64_t i = 0; i < n_kv; ++i) {
      const std::string key = read_string();
      const uint32_t type = read<uint32_t>();
      if (key == "general.alignment" && type == 4) {
        alignment = read<uint32_t>();
      } else {
        skip_value(type);
      }
    }
    std::map<std::string, TensorEntry> out;
    std::map<std::string, uint64_t> offsets;
    for (uint64_t i = 0; i < n_tensors; ++i) {
      const std::string name = read_string();
      TensorEntry entry;
      const uint32_t n_dims = read<uint32_t>();
      for (uint32_t d = 0; d < n_dims; ++d) entry.dims.push_back(read<uint64_t>());
      entry.type = read<uint32_t>();
      offsets[name] = read<uint64_t>();
      out[name] = entry;
    }
    const size_t data_start = (pos_ + alignment - 1) / alignment * alignment;
    for (auto& [name, entry] : out) entry.data = bytes_.data() + data_start + offsets[name];
    return out;
  }

 private:
  template <typename T>
  T read() {
    T value;
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }
  std::string read_string() {
    const uint64_t length = read<uint64_t>();
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), length);
    pos_ += length;
    return s;
  }
  void skip_value(uint32_t type) {
    static const size_t kSizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    if (type == 8) {
      read_string();
    } else if (type == 9) {
      const uint32_t element = read<uint32_t>();
      const uint64_t count = read<uint64_t>();
      for (uint64_t i = 0; i < count; ++i) skip_value(element);
    } else {
      pos_ += kSizes[type];
    }
  }

  std::vector<uint8_t> bytes_;
  size_t pos_ = 0;
};

void expect_reproduces(tensor::DType type, const std::string& file_name) {
  const std::string dir = std::string(LOOM_FIXTURES_DIR) + "/stories260k/";
  GgufWalker f32_file(dir + "stories260K-f32.gguf"), quantized_file(dir + file_name);
  if (!f32_file.ok() || !quantized_file.ok()) GTEST_SKIP() << "stories260k fixture not found in " << dir;
  std::map<std::string, TensorEntry> originals = f32_file.tensors();
  int compared = 0;
  for (const auto& [name, entry] : quantized_file.tensors()) {
    if (entry.type != static_cast<uint32_t>(type)) continue;
    ASSERT_EQ(entry.dims.size(), 2u) << name;
    const TensorEntry& original = originals.at(name);
    ASSERT_EQ(original.type, 0u) << name;
    const int64_t cols = static_cast<int64_t>(entry.dims[0]), rows = static_cast<int64_t>(entry.dims[1]);
    std::vector<float> values(rows * cols);
    std::memcpy(values.data(), original.data, values.size() * sizeof(float));
    const std::vector<std::byte> encoded = *quantize_matrix(type, values.data(), rows, cols);
    const size_t block_bytes = tensor::dtype_info(type).block_bytes;
    int64_t differing_blocks = 0;
    for (size_t offset = 0; offset < encoded.size(); offset += block_bytes) {
      differing_blocks += std::memcmp(encoded.data() + offset, entry.data + offset, block_bytes) != 0;
    }
    EXPECT_EQ(differing_blocks, 0) << name << ": " << differing_blocks << " of " << encoded.size() / block_bytes
                                   << " blocks differ";
    ++compared;
  }
  EXPECT_GE(compared, 20) << "expected the attention and FFN matrices of 5 layers";
}

TEST(FixtureQuantize, Q8_0ReproducesStories260K) { expect_reproduces(tensor::DType::kQ8_0, "stories260K-q8_0.gguf"); }
TEST(FixtureQuantize, Q4_0ReproducesStories260K) { expect_reproduces(tensor::DType::kQ4_0, "stories260K-q4_0.gguf"); }

}  // namespace
}  // namespace loom::kernels
