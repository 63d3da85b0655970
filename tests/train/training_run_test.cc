// `loom train` end to end through run_training: JSONL in, a GGUF out that
// loom's engine loads with its tokenizer; a checkpoint resumed at its last
// step exports the very same model.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "model/model.h"
#include "model/test_model.h"
#include "text/tokenizer.h"
#include "train/training_run.h"
#include "train_test_support.h"

namespace loom::train {
namespace {

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(TrainingRun, WritesALoadableModelAndResumes) {
  const std::string dir = testing::temp_path("run");
  std::filesystem::create_directories(dir);
  const std::string tokenizer = dir + "/tokenizer.gguf", data = dir + "/train.jsonl";
  ASSERT_TRUE(model::write_test_model(model::TestModelOptions{}, tokenizer).ok());
  {
    std::ofstream out(data);
    for (int i = 0; i < 30; ++i) {
      out << R"({"segments": [{"text": "question )" << i << R"(", "train": false}, {"text": " answer )" << i % 7
          << R"(", "train": true}]})" << "\n";
    }
  }
  TrainingRunOptions options;
  options.tokenizer_path = tokenizer;
  options.train_path = data;
  options.valid_path = data;
  options.out_path = dir + "/model.gguf";
  options.shape = testing::tiny_shape();
  options.steps = 6;
  options.settings.batch_tokens = 128;
  options.settings.optimizer.warmup_steps = 2;
  options.threads = 2;
  options.checkpoint_dir = dir + "/checkpoint";
  options.checkpoint_every = 3;
  options.eval_every = 3;
  options.out_type = tensor::DType::kF16;
  ASSERT_TRUE(run_training(options).ok());

  auto model = model::Model::load(options.out_path);
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  EXPECT_EQ((*model)->hparams().architecture, "llama");
  EXPECT_EQ((*model)->hparams().hidden_size, options.shape.hidden_size);
  EXPECT_EQ((*model)->hparams().num_key_value_heads, options.shape.num_key_value_heads);
  auto tokenizer_of_model = text::Tokenizer::from_gguf((*model)->file());
  ASSERT_TRUE(tokenizer_of_model.ok());
  EXPECT_EQ((*tokenizer_of_model)->vocab_size(), (*model)->hparams().vocab_size);

  const std::string first = read_bytes(options.out_path);
  options.resume_dir = options.checkpoint_dir;  // at step 6 of 6: nothing left but the export
  ASSERT_TRUE(run_training(options).ok());
  EXPECT_EQ(read_bytes(options.out_path), first);

  options.settings.seed += 1;  // another data order than the checkpoint's
  EXPECT_FALSE(run_training(options).ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace loom::train
