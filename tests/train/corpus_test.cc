// JSONL conversations: tokenization per segment, loss masks, truncation and
// errors, and the data order of the batch stream.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "model/test_model.h"
#include "train/batches.h"
#include "train/corpus.h"
#include "train_test_support.h"

namespace loom::train {
namespace {

class CorpusTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string path = testing::temp_path("corpus_tokenizer.gguf");
    ASSERT_TRUE(model::write_test_model(model::TestModelOptions{}, path).ok());
    auto file = model::GgufFile::open(path);
    ASSERT_TRUE(file.ok());
    auto tokenizer = text::Tokenizer::from_gguf(*file);
    ASSERT_TRUE(tokenizer.ok());
    tokenizer_ = std::move(*tokenizer).release();
    std::filesystem::remove(path);
  }
  static void TearDownTestSuite() { delete tokenizer_; }
  static text::Tokenizer* tokenizer_;
};
text::Tokenizer* CorpusTest::tokenizer_ = nullptr;

TEST_F(CorpusTest, SegmentsAreTokenizedApartAndMasked) {
  auto example = parse_example(R"({"segments": [{"text": "hello there", "train": false}, {"text": " general", "train": true}]})",
                               *tokenizer_);
  ASSERT_TRUE(example.ok()) << example.status().to_string();
  const std::vector<int32_t> prefix = tokenizer_->spec().prefix_ids;
  const std::vector<int32_t> first = tokenizer_->encode("hello there", false);
  const std::vector<int32_t> second = tokenizer_->encode(" general", false);
  std::vector<int32_t> expected = prefix;
  expected.insert(expected.end(), first.begin(), first.end());
  expected.insert(expected.end(), second.begin(), second.end());
  EXPECT_EQ(example->tokens, expected);
  std::vector<uint8_t> mask(prefix.size() + first.size(), 0);
  mask.insert(mask.end(), second.size(), 1);
  EXPECT_EQ(example->loss_mask, mask);
}

TEST_F(CorpusTest, LongConversationsAreTruncatedAndCounted) {
  Corpus corpus;
  Example example;
  for (int i = 0; i < 30; ++i) {
    example.tokens.push_back(i);
    example.loss_mask.push_back(i % 2);
  }
  add_example(corpus, example, 10);
  ASSERT_EQ(corpus.examples.size(), 1u);
  EXPECT_EQ(corpus.truncated, 1);
  EXPECT_EQ(corpus.examples[0].tokens.size(), 11u);
  EXPECT_EQ(corpus.input_tokens, 10);
  EXPECT_EQ(corpus.target_tokens, 5);  // odd tokens 1..9

  Example untrained;
  untrained.tokens = {1, 2, 3};
  untrained.loss_mask = {1, 0, 0};  // the first token is never a target
  add_example(corpus, untrained, 10);
  EXPECT_EQ(corpus.skipped, 1);
  EXPECT_EQ(corpus.examples.size(), 1u);
}

TEST_F(CorpusTest, ErrorsNameTheLine) {
  const std::string path = testing::temp_path("bad.jsonl");
  {
    std::ofstream out(path);
    out << R"({"segments": [{"text": "a", "train": true}]})" << "\n\n" << R"({"segments": [{"train": true}]})" << "\n";
  }
  ThreadPool pool(2);
  auto corpus = load_corpus(path, *tokenizer_, 64, pool);
  ASSERT_FALSE(corpus.ok());
  EXPECT_NE(corpus.status().message().find(":3:"), std::string::npos) << corpus.status().message();
  std::filesystem::remove(path);
  EXPECT_FALSE(parse_example("not json", *tokenizer_).ok());
  EXPECT_FALSE(parse_example(R"({"segments": [{"text": "a", "train": "yes"}]})", *tokenizer_).ok());
}

TEST_F(CorpusTest, ParallelLoadingKeepsTheFileOrder) {
  const std::string path = testing::temp_path("order.jsonl");
  std::vector<std::string> lines;
  for (int i = 0; i < 57; ++i) {
    lines.push_back(R"({"segments": [{"text": "q )" + std::to_string(i * 7919) + R"(", "train": false}, )" +
                    R"({"text": " a )" + std::string(i % 5 + 1, 'x') + R"(", "train": true}]})");
  }
  {
    std::ofstream out(path);
    for (const std::string& line : lines) out << line << "\n";
  }
  ThreadPool pool(3);
  auto corpus = load_corpus(path, *tokenizer_, 64, pool);
  std::filesystem::remove(path);
  ASSERT_TRUE(corpus.ok()) << corpus.status().to_string();
  ASSERT_EQ(corpus->examples.size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    auto expected = parse_example(lines[i], *tokenizer_);
    ASSERT_TRUE(expected.ok());
    EXPECT_EQ(corpus->examples[i].tokens, expected->tokens) << "line " << i + 1;
    EXPECT_EQ(corpus->examples[i].loss_mask, expected->loss_mask) << "line " << i + 1;
  }
}

TEST(BatchStream, EpochsVisitEveryExampleOnceInSeededOrder) {
  Corpus corpus;
  for (int i = 0; i < 23; ++i) {
    Example example;
    example.tokens.assign(2 + i % 7, 1);
    example.loss_mask.assign(example.tokens.size(), 1);
    add_example(corpus, example, 64);
  }
  const auto epoch0 = epoch_batches(corpus, 20, 5, 0, true);
  const auto epoch1 = epoch_batches(corpus, 20, 5, 1, true);
  EXPECT_EQ(epoch0, epoch_batches(corpus, 20, 5, 0, true));
  EXPECT_NE(epoch0, epoch1);
  EXPECT_NE(epoch0, epoch_batches(corpus, 20, 6, 0, true));
  std::multiset<int64_t> seen;
  for (const auto& batch : epoch0) {
    int64_t tokens = 0;
    for (int64_t index : batch) {
      seen.insert(index);
      tokens += corpus.examples[index].input_count();
    }
    EXPECT_LE(tokens, 20);
  }
  EXPECT_EQ(seen.size(), 23u);
  EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 23u);

  BatchStream stream(corpus, 20, 5);
  for (const auto& batch : epoch0) EXPECT_EQ(stream.next(), batch);
  EXPECT_EQ(stream.next(), epoch1[0]);
  stream.seek(epoch0.size() + 1);
  EXPECT_EQ(stream.next(), epoch1[1]);
  EXPECT_EQ(stream.steps_in_epochs(2), static_cast<int64_t>(epoch0.size() + epoch1.size()));
}

}  // namespace
}  // namespace loom::train
