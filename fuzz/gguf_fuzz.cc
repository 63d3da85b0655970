// libFuzzer target for the GGUF reader: any bytes must parse or fail with a
// Status whose message is well-formed UTF-8, never crash. A file that parses
// is walked completely (ASan checks every view stays inside the input) and
// rewritten with GgufWriter; the rewrite must parse back to the same metadata
// and tensors.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "base/utf8.h"
#include "model/gguf_file.h"
#include "model/gguf_writer.h"

namespace {

using loom::model::GgufByteSink;
using loom::model::GgufFile;
using loom::model::GgufTensorInfo;
using loom::model::GgufType;
using loom::model::GgufValue;
using loom::model::GgufWriter;

constexpr uint64_t kMaxRewriteBytes = 4 << 20;

bool inside(std::span<const std::byte> outer, std::span<const std::byte> inner) {
  return inner.empty() || (inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size());
}

// Reads every byte a parsed file points at, so ASan catches any view out of bounds.
uint64_t walk(const GgufFile& file, std::span<const std::byte> input) {
  uint64_t sum = 0;
  for (const auto& [key, value] : file.metadata()) {
    CHECK(file.find(key) == &value);
    sum += value.to_display_string().size();
    if (auto text = value.as_string()) {
      CHECK(inside(input, std::as_bytes(std::span(text->data(), text->size()))));
    }
    if (value.type() == GgufType::kArray) {
      CHECK(inside(input, value.array_bytes()));
      if (auto ints = value.as_int_array()) sum += ints->size();
      if (auto floats = value.as_float_array()) sum += floats->size();
      for (std::string_view element : value.as_string_array()) {
        CHECK(inside(input, std::as_bytes(std::span(element.data(), element.size()))));
        sum += element.size();
      }
    }
  }
  for (const GgufTensorInfo& info : file.tensors()) {
    CHECK(file.find_tensor(info.name) == &info);
    CHECK(inside(input, info.bytes()));
    CHECK(info.type.has_value() == info.supported_type().ok());
    sum += static_cast<uint64_t>(info.element_count());
    if (info.size_bytes > 0) sum += static_cast<uint8_t>(info.data[0]) + static_cast<uint8_t>(info.data[info.size_bytes - 1]);
  }
  return sum;
}

// Rewrites `file` and checks the rewrite parses to the same content.
void check_rewrite(const GgufFile& file) {
  // Padding can make the rewrite far larger than the input (general.alignment may be 2^31).
  uint64_t total = file.alignment() * (file.tensors().size() + 1);
  for (const GgufTensorInfo& info : file.tensors()) total += info.size_bytes;
  if (total > kMaxRewriteBytes) return;
  GgufWriter writer;
  for (const auto& [key, value] : file.metadata()) writer.set_value(key, value);
  for (const GgufTensorInfo& info : file.tensors()) {
    std::span<const std::byte> data = info.bytes();
    // The writer refuses names llama.cpp cannot load (64 bytes or more); the reader accepts them.
    if (!writer.add_tensor_source(info.name, info.ggml_type, info.shape,
                                  [data](const GgufByteSink& sink) { return sink(data); })
             .ok()) {
      CHECK(info.name.size() >= 64);
      return;
    }
  }
  loom::Result<std::vector<std::byte>> bytes = writer.to_bytes();
  CHECK(bytes.ok());
  loom::Result<GgufFile> again = GgufFile::parse(*bytes);
  CHECK(again.ok());
  CHECK(again->alignment() == file.alignment());
  CHECK(again->metadata().size() == file.metadata().size());
  for (size_t index = 0; index < file.metadata().size(); ++index) {
    const auto& [key, value] = file.metadata()[index];
    const auto& [key_again, value_again] = again->metadata()[index];
    CHECK(key == key_again);
    CHECK(value.type() == value_again.type());
    CHECK(value.to_display_string(1 << 20) == value_again.to_display_string(1 << 20));
  }
  CHECK(again->tensors().size() == file.tensors().size());
  for (size_t index = 0; index < file.tensors().size(); ++index) {
    const GgufTensorInfo& info = file.tensors()[index];
    const GgufTensorInfo& info_again = again->tensors()[index];
    CHECK(info.name == info_again.name && info.shape == info_again.shape);
    CHECK(info.ggml_type == info_again.ggml_type && info.size_bytes == info_again.size_bytes);
    CHECK(info.size_bytes == 0 || std::memcmp(info.data, info_again.data, info.size_bytes) == 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const std::byte> input = std::as_bytes(std::span(data, size));
  loom::Result<GgufFile> file = GgufFile::parse(input);
  if (!file.ok()) {
    // Messages quote names from the file: they must stay well-formed UTF-8
    // whatever the bytes (they reach terminals and JSON bodies).
    CHECK(!file.status().message().empty());
    CHECK(loom::is_valid_utf8(file.status().message()));
    return 0;
  }
  volatile uint64_t sink = walk(*file, input);
  (void)sink;
  check_rewrite(*file);
  return 0;
}
