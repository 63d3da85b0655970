// gguf_seed DIR: writes a few small valid GGUF files into DIR to seed the GGUF
// fuzzer's corpus (generated at run time, so no binaries live in the repository).
#include <cstdio>
#include <string>
#include <vector>

#include "model/gguf_writer.h"

namespace {

using loom::Status;
using loom::model::GgufByteSink;
using loom::model::GgufType;
using loom::model::GgufWriter;
using loom::tensor::DType;

std::vector<std::byte> filled(size_t size, int seed) {
  std::vector<std::byte> out(size);
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<std::byte>((i * 37 + seed) & 0xff);
  return out;
}

Status write_bytes(const std::string& path, const std::vector<std::byte>& bytes) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return loom::invalid_argument("cannot create ", path);
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  if (std::fclose(file) != 0 || !written) return loom::invalid_argument("cannot write ", path);
  return Status::ok_status();
}

// Every metadata type once, including arrays of several element types.
void add_every_metadata_type(GgufWriter& writer) {
  writer.set_string("general.architecture", "llama");
  writer.set_uint8("a.u8", 1);
  writer.set_int8("a.i8", -1);
  writer.set_uint16("a.u16", 2);
  writer.set_int16("a.i16", -2);
  writer.set_uint32("llama.block_count", 1);
  writer.set_int32("a.i32", -3);
  writer.set_uint64("a.u64", 4);
  writer.set_int64("a.i64", -4);
  writer.set_float32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  writer.set_float64("a.f64", 0.5);
  writer.set_bool("tokenizer.ggml.add_bos_token", true);
  writer.set_string_array("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "a", "b"});
  const std::vector<float> scores = {0, 0, 0, -1, -2};
  writer.set_float32_array("tokenizer.ggml.scores", scores);
  const std::vector<int32_t> types = {2, 3, 3, 1, 1};
  writer.set_int32_array("tokenizer.ggml.token_type", types);
  const std::vector<std::byte> flags = {std::byte{1}, std::byte{0}};
  writer.set_array("a.bools", GgufType::kBool, flags);
}

Status add_tensors(GgufWriter& writer) {
  TRY(writer.add_tensor("token_embd.weight", DType::kQ8_0, {32, 2}, filled(68, 1)));
  TRY(writer.add_tensor("output_norm.weight", DType::kF32, {8}, filled(32, 2)));
  TRY(writer.add_tensor("blk.0.attn_q.weight", DType::kQ4_0, {32, 1}, filled(18, 3)));
  TRY(writer.add_tensor("blk.0.ffn_up.weight", DType::kF16, {4, 2, 1, 1}, filled(16, 4)));
  return writer.add_tensor_source("blk.0.ffn_down.weight", 13 /* q5_K */, {256},
                                  [](const GgufByteSink& sink) { return sink(filled(176, 5)); });
}

Status run(const std::string& dir) {
  GgufWriter empty;
  TRY(write_bytes(dir + "/empty.gguf", TRY(empty.to_bytes())));

  GgufWriter metadata;
  add_every_metadata_type(metadata);
  TRY(write_bytes(dir + "/metadata.gguf", TRY(metadata.to_bytes())));

  GgufWriter model;
  add_every_metadata_type(model);
  TRY(add_tensors(model));
  std::vector<std::byte> bytes = TRY(model.to_bytes());
  TRY(write_bytes(dir + "/model.gguf", bytes));
  bytes[4] = std::byte{2};  // the same file as GGUF v2
  TRY(write_bytes(dir + "/model_v2.gguf", bytes));

  GgufWriter aligned;
  aligned.set_uint32("general.alignment", 64);
  aligned.set_string("general.name", "aligned");
  TRY(add_tensors(aligned));
  return write_bytes(dir + "/aligned.gguf", TRY(aligned.to_bytes()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: gguf_seed DIR\n");
    return 2;
  }
  Status status = run(argv[1]);
  if (!status.ok()) {
    std::fprintf(stderr, "gguf_seed: %s\n", status.to_string().c_str());
    return 1;
  }
  return 0;
}
