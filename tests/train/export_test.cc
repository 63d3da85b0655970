// The exported GGUF runs in loom's engine exactly as the trainer computed it:
// Model::forward's logits on the exported file equal Transformer::logits
// within float summation error, and the file carries the tokenizer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "model/model.h"
#include "model/test_model.h"
#include "text/tokenizer.h"
#include "train/export.h"
#include "train/transformer.h"
#include "train_test_support.h"

namespace loom::train {
namespace {

class ExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A GGUF whose tokenizer.* keys the export copies (its weights are ignored).
    tokenizer_path_ = testing::temp_path("tokenizer.gguf");
    model::TestModelOptions options;
    ASSERT_TRUE(model::write_test_model(options, tokenizer_path_).ok());
    auto file = model::GgufFile::open(tokenizer_path_);
    ASSERT_TRUE(file.ok());
    tokenizer_file_ = std::move(*file);
  }
  void TearDown() override { std::filesystem::remove(tokenizer_path_); }

  // Max |trainer - engine| over all logits, relative to the largest logit.
  double relative_difference(const ModelShape& shape, tensor::DType type, bool* tokenizer_ok) {
    ThreadPool pool(2);
    const std::vector<float> params = testing::random_parameters(shape, 0.2f, 21);
    const std::string path = testing::temp_path("export.gguf");
    EXPECT_TRUE(export_gguf(shape, params.data(), tokenizer_file_, {.matrix_type = type}, path).ok());
    auto model = model::Model::load(path);
    EXPECT_TRUE(model.ok()) << model.status().to_string();
    if (!model.ok()) return INFINITY;
    auto tokenizer = text::Tokenizer::from_gguf((*model)->file());
    *tokenizer_ok = tokenizer.ok() && (*tokenizer)->vocab_size() == shape.vocab_size;
    std::vector<int32_t> tokens;
    for (int i = 0; i < 40; ++i) tokens.push_back(static_cast<int32_t>((i * 97 + 13) % shape.vocab_size));
    auto cache = (*model)->new_cache(tensor::DType::kF32, 64);
    EXPECT_TRUE(cache.ok());
    std::vector<float> engine;
    EXPECT_TRUE((*model)->forward(pool, tokens, 0, *cache, model::LogitsFor::kAllTokens, engine).ok());
    std::filesystem::remove(path);

    Transformer trainer(shape, pool);
    Batch batch;
    std::vector<int32_t> with_next = tokens;
    with_next.push_back(0);
    batch.add_sequence(with_next, std::vector<uint8_t>(with_next.size(), 1));
    std::vector<float> ours;
    trainer.logits(batch, params.data(), ours);
    EXPECT_EQ(ours.size(), engine.size());
    double largest = 0.0, difference = 0.0;
    for (size_t i = 0; i < ours.size(); ++i) {
      largest = std::max(largest, std::abs(static_cast<double>(engine[i])));
      difference = std::max(difference, std::abs(static_cast<double>(engine[i]) - ours[i]));
    }
    EXPECT_GT(largest, 0.5) << "logits too flat to compare";
    return difference / largest;
  }

  std::string tokenizer_path_;
  model::GgufFile tokenizer_file_;
};

TEST_F(ExportTest, EngineLogitsEqualTrainerLogitsF32) {
  ModelShape shape = testing::tiny_shape(512);
  shape.hidden_size = 64;  // head_dim 16: several RoPE frequencies
  shape.intermediate_size = 96;
  bool tokenizer_ok = false;
  EXPECT_LT(relative_difference(shape, tensor::DType::kF32, &tokenizer_ok), 1e-5);
  EXPECT_TRUE(tokenizer_ok);
}

TEST_F(ExportTest, UntiedOutputExportsItsOwnMatrix) {
  ModelShape shape = testing::tiny_shape(512);
  shape.tied_embeddings = false;
  bool tokenizer_ok = false;
  EXPECT_LT(relative_difference(shape, tensor::DType::kF32, &tokenizer_ok), 1e-5);
}

TEST_F(ExportTest, F16ExportStaysClose) {
  // F16 weights and F16-rounded activations: within a few F16 quanta.
  ModelShape shape = testing::tiny_shape(512);
  bool tokenizer_ok = false;
  EXPECT_LT(relative_difference(shape, tensor::DType::kF16, &tokenizer_ok), 2e-2);
}

}  // namespace
}  // namespace loom::train
