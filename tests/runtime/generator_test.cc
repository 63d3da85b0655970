// The generation loop on the real stories260K weights: greedy output equals
// llama2.c's, the cached prefix is reused, stop strings, budgets, forced tokens
// and grammar constraints behave as specified.
#include "runtime/generator.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "sample/json_schema.h"
#include "support/oracle.h"

namespace loom::runtime {
namespace {

class GeneratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto model = model::Model::load(testing::fixtures_dir() + "/stories260k/stories260K-f32.gguf");
    ASSERT_TRUE(model.ok()) << model.status().to_string();
    model_ = std::move(*model);
    auto tokenizer = text::Tokenizer::from_gguf(model_->file());
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().to_string();
    tokenizer_ = std::move(*tokenizer);
    auto generator = Generator::create(*model_, *tokenizer_, pool_, tensor::DType::kF32, 256);
    ASSERT_TRUE(generator.ok()) << generator.status().to_string();
    generator_ = std::make_unique<Generator>(std::move(*generator));
  }

  std::vector<int32_t> runc_ids(size_t count) {
    std::ifstream in(testing::fixtures_dir() + "/stories260k/reference.json");
    auto ids = nlohmann::json::parse(in)["runc"]["generated"].get<std::vector<int32_t>>();
    ids.resize(count);
    return ids;
  }

  Result<GenerationResult> greedy(std::vector<int32_t> prompt, GenerationParams params,
                                  TokenPolicy* policy = nullptr, sample::GrammarConstraint* constraint = nullptr) {
    params.sampling.temperature = 0.0f;
    return generator_->generate(prompt, params, constraint, policy, [](const TokenEvent&) { return true; });
  }

  ThreadPool pool_{1};
  std::unique_ptr<model::Model> model_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
  std::unique_ptr<Generator> generator_;
};

TEST_F(GeneratorTest, GreedyMatchesLlama2c) {
  auto result = greedy({1}, {.max_tokens = 60});
  ASSERT_TRUE(result.ok()) << result.status().to_string();
  EXPECT_EQ(result->tokens, runc_ids(60));
  EXPECT_EQ(result->finish, FinishReason::kLength);
}

TEST_F(GeneratorTest, ReusesTheCachedPrefix) {
  auto first = greedy({1}, {.max_tokens = 20});
  ASSERT_TRUE(first.ok());
  std::vector<int32_t> prompt = {1};
  prompt.insert(prompt.end(), first->tokens.begin(), first->tokens.end());  // the conversation so far
  auto second = greedy(prompt, {.max_tokens = 20});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->cached_prompt_tokens, 20);  // all but the last prompt token
  const std::vector<int32_t> expected = runc_ids(41);
  EXPECT_EQ(second->tokens, std::vector<int32_t>(expected.begin() + 20, expected.begin() + 40));
}

TEST_F(GeneratorTest, StopsAtAStopStringAcrossTokens) {
  auto full = greedy({1}, {.max_tokens = 40});
  ASSERT_TRUE(full.ok());
  ASSERT_GT(full->text.size(), 12u);
  const std::string stop = full->text.substr(full->text.size() / 2, 3);
  auto stopped = greedy({1}, {.max_tokens = 40, .stop = {stop}});
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(stopped->finish, FinishReason::kStopString);
  EXPECT_EQ(stopped->text, full->text.substr(0, full->text.find(stop)));
}

class ForceAtStart : public TokenPolicy {
 public:
  std::vector<int32_t> forced_tokens() override {
    if (done_) return {};
    done_ = true;
    return {300, 301, 302};
  }
  void observe(int32_t token, std::string_view) override { seen_.push_back(token); }
  std::vector<int32_t> seen_;

 private:
  bool done_ = false;
};

TEST_F(GeneratorTest, ForcedTokensAreEmittedAndFedBack) {
  ForceAtStart policy;
  auto result = greedy({1}, {.max_tokens = 5}, &policy);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->tokens.size(), 5u);
  EXPECT_EQ(std::vector<int32_t>(result->tokens.begin(), result->tokens.begin() + 3),
            (std::vector<int32_t>{300, 301, 302}));
  EXPECT_EQ(policy.seen_, result->tokens);
  // The sampled tokens continue from the forced ones, as a forward over them gives.
  auto expected = greedy({1, 300, 301, 302}, {.max_tokens = 2});
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(std::vector<int32_t>(result->tokens.begin() + 3, result->tokens.end()), expected->tokens);
}

// Replaces the second sampled token with two forced ones.
class ReplaceSecond : public TokenPolicy {
 public:
  std::vector<int32_t> forced_tokens() override { return {}; }
  void observe(int32_t token, std::string_view) override { seen_.push_back(token); }
  std::optional<std::vector<int32_t>> replace(int32_t sampled) override {
    sampled_.push_back(sampled);
    if (sampled_.size() != 2) return std::nullopt;
    return std::vector<int32_t>{300, 301};
  }
  std::vector<int32_t> seen_, sampled_;
};

TEST_F(GeneratorTest, ReplacedSampledTokenIsDiscardedForTheForcedOnes) {
  ReplaceSecond policy;
  std::vector<bool> forced;
  GenerationParams params{.sampling = {.temperature = 0.0f}, .max_tokens = 5};
  auto result = generator_->generate(std::vector<int32_t>{1}, params, nullptr, &policy, [&](const TokenEvent& event) {
    if (event.token >= 0) forced.push_back(event.forced);
    return true;
  });
  ASSERT_TRUE(result.ok());
  const std::vector<int32_t> greedy_ids = runc_ids(1);
  ASSERT_EQ(result->tokens.size(), 5u);
  EXPECT_EQ(result->tokens[0], greedy_ids[0]);
  EXPECT_EQ(result->tokens[1], 300);  // the sampled second token never appears
  EXPECT_EQ(result->tokens[2], 301);
  EXPECT_EQ(forced, (std::vector<bool>{false, true, true, false, false}));
  EXPECT_EQ(policy.seen_, result->tokens);
  auto expected = greedy({1, greedy_ids[0], 300, 301}, {.max_tokens = 2});
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(std::vector<int32_t>(result->tokens.begin() + 3, result->tokens.end()), expected->tokens);
}

TEST_F(GeneratorTest, GrammarConstrainedOutputFollowsTheSchema) {
  const auto schema = nlohmann::ordered_json::parse(
      R"({"type":"object","properties":{"color":{"enum":["red","green","blue"]},"ok":{"type":"boolean"}},
          "required":["color","ok"],"additionalProperties":false})");
  auto grammar = sample::json_schema_grammar(schema);
  ASSERT_TRUE(grammar.ok()) << grammar.status().to_string();
  std::vector<std::string> vocabulary;
  for (int32_t id = 0; id < tokenizer_->vocab_size(); ++id) vocabulary.emplace_back(tokenizer_->token_bytes(id));
  auto trie = std::make_shared<sample::VocabTrie>(
      vocabulary, std::vector<int32_t>(tokenizer_->end_of_generation_ids().begin(),
                                       tokenizer_->end_of_generation_ids().end()));
  auto shared_grammar = std::make_shared<const sample::Grammar>(std::move(*grammar));
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    sample::GrammarConstraint constraint(shared_grammar, trie);
    GenerationParams params{.sampling = {.temperature = 1.0f, .seed = seed}, .max_tokens = 120};
    auto result = generator_->generate(std::vector<int32_t>{1}, params, &constraint, nullptr,
                                       [](const TokenEvent&) { return true; });
    ASSERT_TRUE(result.ok()) << result.status().to_string();
    EXPECT_EQ(result->finish, FinishReason::kEndOfGeneration) << result->text;
    const auto value = nlohmann::json::parse(result->text, nullptr, false);
    ASSERT_FALSE(value.is_discarded()) << result->text;
    EXPECT_TRUE(value["ok"].is_boolean()) << result->text;
    EXPECT_TRUE(value["color"] == "red" || value["color"] == "green" || value["color"] == "blue") << result->text;
  }
}

TEST_F(GeneratorTest, PromptLongerThanTheContextIsAnError) {
  std::vector<int32_t> prompt(300, 5);
  auto result = greedy(prompt, {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(result.status().message().find("300 tokens"), std::string::npos);
}

}  // namespace
}  // namespace loom::runtime
