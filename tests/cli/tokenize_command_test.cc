// `loom tokenize` and `loom detokenize` driven through their command line, in
// process, on a tiny model's synthetic vocabulary: round trips, and ids
// outside the vocabulary refused by name.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "cli/command_line.h"

namespace loom::cli {
namespace {

using ::testing::HasSubstr;
using testing::Outcome;
using testing::tiny_model;

Outcome tokenize(const std::string& model, const std::string& text) {
  return testing::run_command_line(add_tokenize_commands, {"tokenize", "--tokenizer", model}, text);
}
Outcome detokenize(const std::string& model, const std::string& ids) {
  return testing::run_command_line(add_tokenize_commands, {"detokenize", "--tokenizer", model}, ids);
}

// The synthetic vocabulary: ids 3-258 are bytes, then pieces "▁a", "▁b", ...
TEST(TokenizeCommand, RoundTrip) {
  const std::string model = tiny_model();
  const Outcome text = detokenize(model, "[259, 260, 261]");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out, "a b c");
  const Outcome ids = tokenize(model, "hello world");
  ASSERT_EQ(ids.exit_code, 0) << ids.err;
  EXPECT_EQ(ids.out.front(), '[');
  const Outcome back = detokenize(model, ids.out);  // byte tokens: the bytes of "▁hello▁world"
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_THAT(back.out, HasSubstr("hello"));
  EXPECT_THAT(back.out, HasSubstr("world"));
}

TEST(TokenizeCommand, IdsOutsideTheVocabularyAreRefused) {
  const std::string model = tiny_model();  // 512 tokens
  for (const char* ids : {"[1, 512]", "[-7]", "[4294967297]", "[18446744073709551615]"}) {
    const Outcome o = detokenize(model, ids);
    EXPECT_EQ(o.exit_code, 1) << ids;
    EXPECT_THAT(o.err, HasSubstr("is outside the vocabulary (0..511)")) << ids;
    EXPECT_EQ(o.out, "") << ids;
  }
  EXPECT_THAT(detokenize(model, "[4294967297]").err, HasSubstr("token id 4294967297 "));
  EXPECT_EQ(detokenize(model, "[511]").exit_code, 0);
}

TEST(TokenizeCommand, InputThatIsNoArrayOfIds) {
  const std::string model = tiny_model();
  for (const char* input : {"nope", "{\"x\": 1}", "[1.5]", "[\"a\"]", ""}) {
    const Outcome o = detokenize(model, input);
    EXPECT_EQ(o.exit_code, 1) << input;
    EXPECT_THAT(o.err, HasSubstr("stdin is not a JSON array of ids")) << input;
  }
}

}  // namespace
}  // namespace loom::cli
