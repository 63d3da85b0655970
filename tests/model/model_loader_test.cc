// Model loading: zero-copy weights, and precise errors for files loom cannot run.
#include <gtest/gtest.h>

#include <filesystem>

#include "kernels/panels.h"
#include "model/gguf_writer.h"
#include "model/model.h"
#include "model/test_model.h"
#include "support/oracle.h"

namespace loom::model {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("loom_loader_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

bool inside(const void* pointer, const GgufFile& file) {
  const auto* begin = file.tensors().front().data - file.tensors().front().offset;
  const auto* p = static_cast<const std::byte*>(pointer);
  return p >= begin && p < begin + (file.file_size() - file.data_offset());
}

TEST(ModelLoader, WeightsPointIntoTheMappedFileUnlessRepacked) {
  const std::string path = temp_path("zero_copy.gguf");
  TestModelOptions options;
  options.architecture = "qwen3";
  options.type = "q4_0";
  ASSERT_TRUE(write_test_model(options, path).ok());
  auto model = Model::load(path);
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  const ModelWeights& w = (*model)->weights();
  const GgufFile& file = (*model)->file();
  ASSERT_TRUE(w.tied_output);
  EXPECT_EQ(w.output.data, w.token_embedding.data);
  for (const LayerWeights& layer : w.layers) {
    for (const kernels::MatrixView* m : {&layer.attn_q, &layer.attn_k, &layer.attn_v, &layer.attn_output,
                                         &layer.ffn_gate, &layer.ffn_up, &layer.ffn_down, &w.token_embedding}) {
      // Only weights rearranged into panels live outside the file.
      const bool panels = kernels::kernels().prefer_panels && kernels::has_panel_layout(m->type) && m->rows % 16 == 0;
      EXPECT_EQ(m->layout, panels ? kernels::WeightLayout::kPanels : kernels::WeightLayout::kRows);
      EXPECT_EQ(inside(m->data, file), !panels);
    }
    EXPECT_TRUE(inside(layer.attn_norm, file));  // F32 vectors are used in place too
    EXPECT_TRUE(inside(layer.attn_q_norm, file));
  }
  std::filesystem::remove(path);
}

// llama.cpp reads general.file_type to name a file's quantization.
TEST(ModelLoader, TestModelsCarryLlamaCppsFileType) {
  const std::pair<const char*, uint64_t> cases[] = {{"f32", 0}, {"f16", 1}, {"bf16", 32}, {"q4_0", 2},
                                                    {"q8_0", 7}, {"q4_k", 14}, {"q6_k", 18}, {"q4_k_m", 15}};
  for (const auto& [type, file_type] : cases) {
    const std::string path = temp_path(std::string("file_type_") + type + ".gguf");
    TestModelOptions options;
    options.type = type;
    ASSERT_TRUE(write_test_model(options, path).ok()) << type;
    auto file = GgufFile::open(path);
    ASSERT_TRUE(file.ok()) << type;
    const GgufValue* value = file->find("general.file_type");
    ASSERT_NE(value, nullptr) << type;
    EXPECT_EQ(value->as_uint(), file_type) << type;
    std::filesystem::remove(path);
  }
}

// An 8B file takes minutes of random tensors: a path that cannot be written
// and a type that does not exist fail before the first layer is made.
TEST(ModelLoader, TestModelErrorsComeBeforeAnyLayerIsMade) {
  int layers_made = 0;
  TestModelOptions options;
  options.on_layer = [&](int64_t, int64_t) { ++layers_made; };
  const Status no_folder = write_test_model(options, temp_path("no-such-folder") + "/model.gguf");
  EXPECT_EQ(no_folder.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_folder.message().find("cannot create"), std::string::npos) << no_folder.message();
  options.type = "q3_k";
  const Status unknown_type = write_test_model(options, temp_path("q3_k.gguf"));
  EXPECT_NE(unknown_type.message().find("unknown weight type 'q3_k'"), std::string::npos) << unknown_type.message();
  EXPECT_NE(unknown_type.message().find("q4_k_m"), std::string::npos) << unknown_type.message();
  EXPECT_EQ(layers_made, 0);
  EXPECT_FALSE(std::filesystem::exists(temp_path("q3_k.gguf")));
}

TEST(ModelLoader, UnsupportedArchitectureNamesItAndTheSupportedOnes) {
  GgufWriter writer;
  writer.set_string("general.architecture", "gemma3");
  const std::string path = temp_path("gemma3.gguf");
  ASSERT_TRUE(writer.write(path).ok());
  auto model = Model::load(path);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(model.status().message().find("'gemma3'"), std::string::npos) << model.status().message();
  EXPECT_NE(model.status().message().find("llama, qwen2, qwen3"), std::string::npos) << model.status().message();
  std::filesystem::remove(path);
}

TEST(ModelLoader, UnsupportedTensorTypeNamesItAndTheSupportedOnes) {
  // Rewrite a valid model with one matrix stored as q5_K (GGML id 13: 176-byte
  // blocks of 256), which loom does not run.
  const std::string source = temp_path("valid.gguf");
  TestModelOptions options;
  ASSERT_TRUE(write_test_model(options, source).ok());
  auto file = GgufFile::open(source);
  ASSERT_TRUE(file.ok());
  GgufWriter writer;
  for (const auto& [key, value] : file->metadata()) writer.set_value(key, value);
  for (const GgufTensorInfo& tensor : file->tensors()) {
    if (tensor.name == "blk.1.ffn_up.weight") {
      const int64_t rows = tensor.shape[1], blocks = tensor.shape[0] / 256;
      std::vector<std::byte> data(rows * blocks * 176);
      ASSERT_TRUE(writer.add_tensor_source(tensor.name, 13, tensor.shape,
                                           [data](const GgufByteSink& sink) { return sink(data); }).ok());
    } else {
      ASSERT_TRUE(writer.add_tensor_view(tensor.name, *tensor.type, tensor.shape,
                                         std::span(tensor.data, tensor.size_bytes)).ok());
    }
  }
  const std::string path = temp_path("q5k.gguf");
  ASSERT_TRUE(writer.write(path).ok());
  auto model = Model::load(path);
  ASSERT_FALSE(model.ok());
  const std::string& message = model.status().message();
  EXPECT_NE(message.find("blk.1.ffn_up.weight"), std::string::npos) << message;
  EXPECT_NE(message.find("q5_K"), std::string::npos) << message;
  EXPECT_NE(message.find(std::string(tensor::supported_dtype_names())), std::string::npos) << message;
  std::filesystem::remove(source);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace loom::model
