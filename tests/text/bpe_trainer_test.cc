// BPE training: merges computed by hand on a tiny corpus, the same merges
// whatever the order of the texts, text that round-trips through encode and
// decode (also after the GGUF write/read), and added tokens kept atomic.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "model/gguf_file.h"
#include "model/gguf_writer.h"
#include "text/bpe_trainer.h"
#include "text/gguf_vocab.h"
#include "text/tokenizer.h"

namespace loom::text {
namespace {

BpeTrainerOptions chat_options(int32_t vocab_size) {
  BpeTrainerOptions options;
  options.vocab_size = vocab_size;
  options.added_tokens = qwen3_chat_tokens();
  options.eos_token = "<|im_end|>";
  options.pad_token = "<|endoftext|>";
  return options;
}

std::vector<std::string> merge_strings(const TokenizerSpec& spec) {
  std::vector<std::string> merges;
  for (const BpeMerge& merge : spec.merges) merges.push_back(spec.pieces[merge.left] + " " + spec.pieces[merge.right]);
  return merges;
}

std::vector<std::string> sample_texts() {
  std::vector<std::string> texts;
  std::mt19937 rng(7);
  const char* words[] = {"count", "lines", "notes.txt", "wc -l", "grep port=", "the", "answer", "12", "345", "\n"};
  for (int text = 0; text < 200; ++text) {
    std::string line = "<|im_start|>user\n";
    for (int word = 0; word < 12; ++word) line += std::string(words[rng() % 10]) + " ";
    texts.push_back(line + "<|im_end|>\n<tool_call>\n{\"name\": \"shell\"}\n</tool_call>");
  }
  return texts;
}

TokenizerSpec train(const std::vector<std::string>& texts, const BpeTrainerOptions& options) {
  const std::vector<std::string_view> views(texts.begin(), texts.end());
  auto spec = train_byte_level_bpe(views, options);
  EXPECT_TRUE(spec.ok()) << spec.status().to_string();
  return spec.ok() ? std::move(*spec) : TokenizerSpec{};
}

// "abab abab abab" pre-tokenizes to "abab", " abab", " abab". Pairs: a b x6,
// b a x3, space a x2 -> merge "a b"; then ab ab x3, space ab x2 -> "ab ab";
// then space abab x2 -> "Ġ abab"; nothing occurs twice any more.
TEST(BpeTrainer, LearnsTheMergesComputedByHand) {
  BpeTrainerOptions options;
  options.vocab_size = 300;
  const TokenizerSpec spec = train({"abab abab abab"}, options);
  EXPECT_EQ(merge_strings(spec), (std::vector<std::string>{"a b", "ab ab", "\xC4\xA0 abab"}));
  ASSERT_EQ(spec.pieces.size(), 259u);
  EXPECT_EQ(spec.pieces[256], "ab");
  EXPECT_EQ(spec.pieces[258], "\xC4\xA0" "abab");
}

TEST(BpeTrainer, MergesDoNotDependOnTheOrderOfTexts) {
  std::vector<std::string> texts = sample_texts();
  const TokenizerSpec first = train(texts, chat_options(400));
  std::reverse(texts.begin(), texts.end());
  const TokenizerSpec second = train(texts, chat_options(400));
  EXPECT_EQ(merge_strings(first), merge_strings(second));
  EXPECT_EQ(first.pieces, second.pieces);
  EXPECT_GT(first.merges.size(), 20u);
}

TEST(BpeTrainer, StopsAtTheVocabularySize) {
  const TokenizerSpec spec = train(sample_texts(), chat_options(300));
  EXPECT_EQ(spec.pieces.size(), 300u);
  EXPECT_EQ(spec.merges.size(), 300u - 256 - qwen3_chat_tokens().size());
  EXPECT_FALSE(train_byte_level_bpe({}, chat_options(100)).ok());
}

TEST(BpeTrainer, EncodesRoundTripAndCompresses) {
  const std::vector<std::string> texts = sample_texts();
  auto tokenizer = Tokenizer::from_spec(train(texts, chat_options(400)));
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().to_string();
  size_t bytes = 0, tokens = 0;
  for (const std::string& text : texts) {
    const std::vector<int32_t> ids = (*tokenizer)->encode(text, false);
    EXPECT_EQ((*tokenizer)->decode(ids, false), text);
    bytes += text.size();
    tokens += ids.size();
  }
  EXPECT_LT(tokens * 3, bytes);  // learned merges: well under a token per byte
  // Text the corpus never had still round-trips through the byte tokens.
  const std::string unseen = "Zebra \xC3\xA9t\xC3\xA9 \xE2\x82\xAC 42\t\n{}";
  EXPECT_EQ((*tokenizer)->decode((*tokenizer)->encode(unseen, false), false), unseen);
}

TEST(BpeTrainer, AddedTokensStayAtomic) {
  auto tokenizer = Tokenizer::from_spec(train(sample_texts(), chat_options(400)));
  ASSERT_TRUE(tokenizer.ok());
  for (const TrainerToken& token : qwen3_chat_tokens()) {
    const std::optional<int32_t> id = (*tokenizer)->token_id(token.content);
    ASSERT_TRUE(id.has_value()) << token.content;
    const std::vector<int32_t> ids = (*tokenizer)->encode("x" + token.content + "y", false);
    EXPECT_NE(std::find(ids.begin(), ids.end(), *id), ids.end()) << token.content;
    EXPECT_EQ((*tokenizer)->decode(ids, false), "x" + token.content + "y");
  }
  EXPECT_EQ((*tokenizer)->eos_id(), (*tokenizer)->token_id("<|im_end|>"));
  // Control tokens are special (dropped when skipping specials); the markers
  // the output parser reads are not.
  EXPECT_TRUE((*tokenizer)->is_special(*(*tokenizer)->token_id("<|im_start|>")));
  EXPECT_FALSE((*tokenizer)->is_special(*(*tokenizer)->token_id("<tool_call>")));
}

TEST(BpeTrainer, GgufRoundTripKeepsTheTokenizer) {
  const std::vector<std::string> texts = sample_texts();
  BpeTrainerOptions options = chat_options(400);
  options.chat_template = "{{ messages[0].content }}";
  TokenizerSpec spec = train(texts, options);
  model::GgufWriter writer;
  ASSERT_TRUE(write_gguf_tokenizer(spec, writer).ok());
  auto bytes = writer.to_bytes();
  ASSERT_TRUE(bytes.ok());
  auto file = model::GgufFile::from_bytes(std::move(*bytes));
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  auto loaded = Tokenizer::from_gguf(*file);
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  auto trained = Tokenizer::from_spec(std::move(spec));
  ASSERT_TRUE(trained.ok());
  EXPECT_EQ((*loaded)->chat_template(), "{{ messages[0].content }}");
  EXPECT_EQ((*loaded)->vocab_size(), (*trained)->vocab_size());
  EXPECT_EQ((*loaded)->eos_id(), (*trained)->eos_id());
  for (const std::string& text : texts) EXPECT_EQ((*loaded)->encode(text, true), (*trained)->encode(text, true));
}

}  // namespace
}  // namespace loom::text
