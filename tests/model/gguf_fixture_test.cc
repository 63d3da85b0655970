// The real stories260K GGUF files (F32, Q8_0, Q4_0): known hyperparameters and
// shapes, tensor bytes checked against the llama2.c checkpoint they came from,
// every key and tensor info checked against node-llama-cpp's GGUF parser, and a
// writer rewrite that must reproduce each file byte for byte.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/mapped_file.h"
#include "model/gguf_file.h"
#include "model/gguf_writer.h"
#include "support/oracle.h"

namespace loom::model {
namespace {

using tensor::DType;

struct Fixture {
  std::string file;
  DType matrix_type;  // the type of the 2-D weights other than ffn_down
  size_t key_count;   // the F32 file has no general.quantization_version
};

void PrintTo(const Fixture& fixture, std::ostream* out) { *out << fixture.file; }

std::string fixture_path(const std::string& name) {
  return loom::testing::fixtures_dir() + "/stories260k/" + name;
}

class GgufFixtureTest : public ::testing::TestWithParam<Fixture> {
 protected:
  void SetUp() override {
    Result<GgufFile> file = GgufFile::open(fixture_path(GetParam().file));
    ASSERT_TRUE(file.ok()) << file.status().to_string();
    file_ = std::move(*file);
  }
  GgufFile file_;
};

TEST_P(GgufFixtureTest, KnownHyperparametersAndShapes) {
  EXPECT_EQ(file_.version(), 3u);
  EXPECT_EQ(file_.alignment(), 32u);
  EXPECT_EQ(file_.metadata().size(), GetParam().key_count);
  EXPECT_EQ(file_.tensors().size(), 47u);  // embeddings, output norm, 5 layers x 9
  EXPECT_EQ(*file_.get_string("general.architecture"), "llama");
  EXPECT_EQ(*file_.get_int("llama.embedding_length"), 64);
  EXPECT_EQ(*file_.get_int("llama.feed_forward_length"), 172);
  EXPECT_EQ(*file_.get_int("llama.block_count"), 5);
  EXPECT_EQ(*file_.get_int("llama.attention.head_count"), 8);
  EXPECT_EQ(*file_.get_int("llama.attention.head_count_kv"), 4);
  EXPECT_EQ(*file_.get_int("llama.context_length"), 512);
  EXPECT_NEAR(*file_.get_float("llama.attention.layer_norm_rms_epsilon"), 1e-5, 1e-12);
  const GgufValue* tokens = file_.find("tokenizer.ggml.tokens");
  ASSERT_NE(tokens, nullptr);
  ASSERT_EQ(tokens->as_string_array().size(), 512u);
  EXPECT_EQ(tokens->as_string_array()[1], "<s>");
  EXPECT_EQ(tokens->as_string_array()[3], "<0x00>");

  const GgufTensorInfo* embedding = file_.find_tensor("token_embd.weight");
  ASSERT_NE(embedding, nullptr);
  EXPECT_EQ(embedding->shape, (std::vector<int64_t>{64, 512}));
  EXPECT_EQ(embedding->type, GetParam().matrix_type);
  EXPECT_EQ(embedding->size_bytes, *tensor::row_bytes(GetParam().matrix_type, 64) * 512);
  const GgufTensorInfo* down = file_.find_tensor("blk.4.ffn_down.weight");
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->shape, (std::vector<int64_t>{172, 64}));
  EXPECT_EQ(down->type, DType::kF32);  // 172 is not a multiple of 32
  const GgufTensorInfo* query = file_.find_tensor("blk.0.attn_q.weight");
  ASSERT_NE(query, nullptr);
  EXPECT_EQ(query->shape, (std::vector<int64_t>{64, 64}));
  EXPECT_EQ(file_.find_tensor("blk.0.attn_k.weight")->shape, (std::vector<int64_t>{64, 32}));
  EXPECT_EQ(file_.find_tensor("output_norm.weight")->shape, (std::vector<int64_t>{64}));
}

// llama2.c checkpoint: 7 int32 header fields, then token_embedding (512 x 64
// floats), then rms_att (5 x 64): the same bytes the F32 GGUF must point at.
TEST(GgufFixture, F32TensorDataMatchesTheLlama2cCheckpoint) {
  Result<GgufFile> file = GgufFile::open(fixture_path("stories260K-f32.gguf"));
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  Result<MappedFile> checkpoint = MappedFile::open(fixture_path("stories260K.bin"));
  ASSERT_TRUE(checkpoint.ok());
  const std::byte* embedding = checkpoint->data() + 7 * 4;
  const std::byte* attention_norms = embedding + 512 * 64 * 4;
  const GgufTensorInfo* token_embd = file->find_tensor("token_embd.weight");
  ASSERT_EQ(token_embd->size_bytes, 512u * 64 * 4);
  EXPECT_EQ(std::memcmp(token_embd->data, embedding, token_embd->size_bytes), 0);
  for (int layer = 0; layer < 5; ++layer) {
    const GgufTensorInfo* norm = file->find_tensor("blk." + std::to_string(layer) + ".attn_norm.weight");
    ASSERT_NE(norm, nullptr);
    EXPECT_EQ(std::memcmp(norm->data, attention_norms + layer * 64 * 4, 64 * 4), 0) << "layer " << layer;
  }
}

// Compares one of our values with the oracle's JSON rendering of it.
void expect_same_value(const std::string& key, const GgufValue& value, const nlohmann::json& expected) {
  SCOPED_TRACE(key);
  auto expect_scalar = [](GgufType type, std::optional<int64_t> as_int,
                          std::optional<double> as_float, const nlohmann::json& theirs) {
    if (type == GgufType::kFloat32) {
      ASSERT_TRUE(theirs.is_number());
      EXPECT_EQ(static_cast<float>(*as_float), theirs.get<float>());
    } else if (type == GgufType::kFloat64) {
      EXPECT_EQ(*as_float, theirs.get<double>());
    } else if (type == GgufType::kBool) {
      ASSERT_TRUE(theirs.is_boolean());
      EXPECT_EQ(*as_int != 0, theirs.get<bool>());
    } else if (theirs.is_string()) {  // 64-bit integers arrive as decimal strings
      EXPECT_EQ(std::to_string(*as_int), theirs.get<std::string>());
    } else {
      ASSERT_TRUE(theirs.is_number_integer()) << theirs.dump();
      EXPECT_EQ(*as_int, theirs.get<int64_t>());
    }
  };
  if (value.type() == GgufType::kString) {
    ASSERT_TRUE(expected.is_string());
    EXPECT_EQ(*value.as_string(), expected.get<std::string>());
  } else if (value.type() != GgufType::kArray) {
    expect_scalar(value.type(), value.as_int(), value.as_float(), expected);
  } else {
    ASSERT_TRUE(expected.is_array());
    ASSERT_EQ(expected.size(), value.array_size());
    if (value.array_type() == GgufType::kString) {
      for (size_t index = 0; index < expected.size(); ++index) {
        EXPECT_EQ(value.as_string_array()[index], expected[index].get<std::string>()) << "element " << index;
      }
      return;
    }
    const bool floating = value.array_type() == GgufType::kFloat32 || value.array_type() == GgufType::kFloat64;
    std::vector<int64_t> ints = floating ? std::vector<int64_t>() : *value.as_int_array();
    std::vector<float> floats = floating ? *value.as_float_array() : std::vector<float>();
    for (size_t index = 0; index < expected.size(); ++index) {
      expect_scalar(value.array_type(), floating ? std::nullopt : std::optional(ints[index]),
                    floating ? std::optional<double>(floats[index]) : std::nullopt, expected[index]);
    }
  }
}

TEST_P(GgufFixtureTest, AgreesWithNodeLlamaCppParser) {
  const loom::testing::CommandOutput output =
      loom::testing::run_oracle("gguf_info.mjs", "'" + fixture_path(GetParam().file) + "'");
  ASSERT_EQ(output.exit_code, 0);
  const nlohmann::json oracle = nlohmann::json::parse(output.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(oracle.is_discarded()) << output.out.substr(0, 200);

  EXPECT_EQ(oracle["version"].get<uint32_t>(), file_.version());
  EXPECT_EQ(oracle["metadata"].size(), file_.metadata().size());
  for (const auto& [key, value] : file_.metadata()) {
    ASSERT_TRUE(oracle["metadata"].contains(key)) << key;
    expect_same_value(key, value, oracle["metadata"][key]);
  }
  const nlohmann::json& tensors = oracle["tensors"];
  ASSERT_EQ(tensors.size(), file_.tensors().size());
  for (size_t index = 0; index < tensors.size(); ++index) {
    const GgufTensorInfo& ours = file_.tensors()[index];
    SCOPED_TRACE(ours.name);
    EXPECT_EQ(tensors[index]["name"].get<std::string>(), ours.name);
    EXPECT_EQ(tensors[index]["shape"].get<std::vector<int64_t>>(), ours.shape);
    EXPECT_EQ(tensors[index]["ggml_type"].get<uint32_t>(), ours.ggml_type);
    EXPECT_EQ(tensors[index]["offset"].get<uint64_t>(), ours.offset);
    EXPECT_EQ(tensors[index]["file_offset"].get<uint64_t>(), file_.data_offset() + ours.offset);
  }
}

// The fixtures come from an independent writer (gguf-py); ours must lay the same
// content out identically: same header, metadata, tensor infos, padding and data.
TEST_P(GgufFixtureTest, RewriteReproducesTheFileByteForByte) {
  GgufWriter writer;
  for (const auto& [key, value] : file_.metadata()) writer.set_value(key, value);
  for (const GgufTensorInfo& info : file_.tensors()) {
    std::span<const std::byte> data = info.bytes();
    ASSERT_TRUE(writer.add_tensor_source(info.name, info.ggml_type, info.shape,
                                         [data](const GgufByteSink& sink) { return sink(data); })
                    .ok());
  }
  Result<std::vector<std::byte>> rewritten = writer.to_bytes();
  ASSERT_TRUE(rewritten.ok()) << rewritten.status().to_string();
  Result<MappedFile> original = MappedFile::open(fixture_path(GetParam().file));
  ASSERT_TRUE(original.ok());
  ASSERT_EQ(rewritten->size(), original->size());
  const auto mismatch = std::mismatch(rewritten->begin(), rewritten->end(), original->bytes().begin());
  EXPECT_EQ(mismatch.first, rewritten->end()) << "first difference at byte " << (mismatch.first - rewritten->begin());
}

INSTANTIATE_TEST_SUITE_P(Stories260K, GgufFixtureTest,
                         ::testing::Values(Fixture{"stories260K-f32.gguf", DType::kF32, 25},
                                           Fixture{"stories260K-q8_0.gguf", DType::kQ8_0, 26},
                                           Fixture{"stories260K-q4_0.gguf", DType::kQ4_0, 26}),
                         [](const ::testing::TestParamInfo<Fixture>& info) {
                           return std::string(tensor::dtype_name(info.param.matrix_type));
                         });

}  // namespace
}  // namespace loom::model
