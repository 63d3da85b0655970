// loom's own chat template: classified as hermes (hybrid reasoning: tests/curriculum),
// rendered by loom exactly as by @huggingface/jinja, and every assistant turn
// it writes is read back by the hermes output parser as the same reasoning,
// content and tool calls; the text after the generation prompt is what
// render_output (the model's side) writes.
#include <gtest/gtest.h>

#include "chat/chat_template.h"
#include "chat/family.h"
#include "chat/loom_template.h"
#include "chat/output_parser.h"
#include "jinja/jinja_oracle.h"

namespace loom::chat {
namespace {

using nlohmann::ordered_json;

const std::string kTemplate(loom_chat_template());

ordered_json tools() {
  return ordered_json::parse(R"([
    {"type": "function", "function": {"name": "shell", "description": "Runs a bash command.",
     "parameters": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}}},
    {"type": "function", "function": {"name": "calculator", "description": "Evaluates arithmetic.",
     "parameters": {"type": "object", "properties": {"expression": {"type": "string"}}, "required": ["expression"]}}}])");
}

ordered_json call(const std::string& id, const std::string& name, const ordered_json& arguments) {
  return {{"id", id}, {"type", "function"}, {"function", {{"name", name}, {"arguments", arguments}}}};
}

// An agent session: parallel calls with reasoning, their results, the answer.
ordered_json session() {
  return ordered_json::array(
      {{{"role", "system"}, {"content", "You are loom."}},
       {{"role", "user"}, {"content", "How many lines are in a.txt? What is 6 * 7?"}},
       {{"role", "assistant"},
        {"content", ""},
        {"reasoning_content", "Plan: wc -l a.txt; 6 * 7 with the calculator."},
        {"tool_calls", ordered_json::array({call("c1", "shell", {{"command", "wc -l a.txt"}}),
                                            call("c2", "calculator", {{"expression", "6 * 7"}})})}},
       {{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "Exit code: 0\nOutput:\n3 a.txt\n"}},
       {{"role", "tool"}, {"tool_call_id", "c2"}, {"content", "42"}},
       {{"role", "assistant"}, {"content", "a.txt has 3 lines. 6 * 7 = 42."}, {"reasoning_content", "Check: done."}}});
}

ChatTemplateInputs inputs(ordered_json messages, bool generation_prompt, ordered_json kwargs) {
  ChatTemplateInputs input;
  input.messages = std::move(messages);
  input.tools = tools();
  input.add_generation_prompt = generation_prompt;
  input.eos_token = "<|im_end|>";
  input.extra_kwargs = std::move(kwargs);
  return input;
}

std::string render(const ChatTemplateInputs& input) {
  auto rendered = render_chat(kTemplate, input);
  EXPECT_TRUE(rendered.ok()) << rendered.status().to_string();
  return rendered.ok() ? *rendered : std::string();
}

TEST(LoomTemplate, IsHermes) { EXPECT_EQ(detect_family("llama", kTemplate), Family::kHermes); }

TEST(LoomTemplate, MatchesTheReferenceRenderer) {
  std::vector<ChatTemplateInputs> cases;
  const ordered_json messages = session();
  for (const ordered_json& kwargs : {ordered_json::object(), ordered_json{{"enable_thinking", false}},
                                     ordered_json{{"reasoning_effort", "high"}}, ordered_json{{"reasoning_effort", "low"}}}) {
    for (size_t count : {2u, 3u, 5u, 6u}) {
      ordered_json prefix(messages.begin(), messages.begin() + count);
      cases.push_back(inputs(prefix, count != 6, kwargs));
    }
  }
  ChatTemplateInputs no_tools = inputs(ordered_json::array({messages[1]}), true, ordered_json::object());
  no_tools.tools = nullptr;
  cases.push_back(no_tools);
  ordered_json request = {{"template", kTemplate}, {"contexts", ordered_json::array()}};
  for (const ChatTemplateInputs& input : cases) {
    auto context = chat_template_context(input);
    ASSERT_TRUE(context.ok());
    request["contexts"].push_back(*context);
  }
  const auto expected = testing::run_jinja_oracle(request);
  ASSERT_EQ(expected.size(), cases.size()) << "oracle failed";
  for (size_t index = 0; index < cases.size(); ++index) {
    ASSERT_TRUE(expected[index].ok) << expected[index].output;
    EXPECT_EQ(render(cases[index]), expected[index].output) << "case " << index;
  }
}

TEST(LoomTemplate, GenerationPromptFollowsTheThinkingSwitch) {
  const ordered_json user = ordered_json::array({session()[0], session()[1]});
  const std::string on = render(inputs(user, true, {{"reasoning_effort", "high"}}));
  EXPECT_TRUE(on.ends_with("<|im_start|>assistant\n<think>\n")) << on;
  EXPECT_NE(on.find("Reasoning effort: high<|im_end|>"), std::string::npos);
  const std::string off = render(inputs(user, true, {{"enable_thinking", false}, {"reasoning_effort", "none"}}));
  EXPECT_TRUE(off.ends_with("<|im_start|>assistant\n<think>\n\n</think>\n\n")) << off;
  EXPECT_NE(off.find("Reasoning effort: none<|im_end|>"), std::string::npos);
  EXPECT_NE(render(inputs(user, true, ordered_json::object())).find("Reasoning effort: medium"), std::string::npos);
}

// Each assistant turn: the prompt up to it (with the generation prompt) is a
// prefix of the conversation that holds it, and what follows, up to
// <|im_end|>, is the model's output: the hermes parser reads it back.
TEST(LoomTemplate, AssistantTurnsParseBackAndExtendThePrompt) {
  const ordered_json messages = session();
  for (bool thinking : {true, false}) {
    const ordered_json kwargs = thinking ? ordered_json{{"reasoning_effort", "low"}}
                                         : ordered_json{{"enable_thinking", false}};
    for (size_t turn : {2u, 5u}) {
      SCOPED_TRACE(::testing::Message() << "thinking " << thinking << " turn " << turn);
      const std::string prompt = render(inputs(ordered_json(messages.begin(), messages.begin() + turn), true, kwargs));
      ordered_json through = ordered_json(messages.begin(), messages.begin() + turn + 1);
      if (!thinking) through[turn]["reasoning_content"] = "";
      const std::string full = render(inputs(through, false, kwargs));
      ASSERT_TRUE(full.starts_with(prompt)) << prompt << "\n----\n" << full;
      std::string output = full.substr(prompt.size());
      ASSERT_TRUE(output.ends_with("<|im_end|>\n"));
      output.resize(output.size() - std::string("<|im_end|>\n").size());

      const ordered_json& message = through[turn];
      ParserOptions options{.starts_in_reasoning = thinking, .tool_names = {"shell", "calculator"}};
      const ParsedOutput parsed = parse_output(Family::kHermes, output, options);
      EXPECT_TRUE(parsed.errors.empty());
      EXPECT_EQ(parsed.reasoning, message["reasoning_content"].get<std::string>());
      EXPECT_EQ(parsed.content, message["content"].get<std::string>());
      const size_t calls = message.contains("tool_calls") ? message["tool_calls"].size() : 0;
      ASSERT_EQ(parsed.tool_calls.size(), calls);
      AssistantTurn expected{.reasoning = parsed.reasoning, .content = parsed.content};
      for (size_t index = 0; index < calls; ++index) {
        const auto& function = message["tool_calls"][index]["function"];
        EXPECT_EQ(parsed.tool_calls[index].name, function["name"].get<std::string>());
        EXPECT_EQ(ordered_json::parse(parsed.tool_calls[index].arguments), function["arguments"]);
        expected.tool_calls.push_back(parsed.tool_calls[index]);
      }
      // The model side: render_output writes the same text, <think> opened by the prompt.
      std::string model_text = render_output(Family::kHermes, expected);
      if (thinking) {
        model_text = model_text.starts_with("<think>\n") ? model_text.substr(8) : "\n</think>\n\n" + model_text;
      }
      EXPECT_EQ(output, model_text);
    }
  }
}

TEST(LoomTemplate, ToolResultsOfOneTurnShareAUserTurn) {
  const std::string text = render(inputs(session(), false, ordered_json::object()));
  EXPECT_NE(text.find("<|im_start|>user\n<tool_response>\nExit code: 0\nOutput:\n3 a.txt\n</tool_response>\n"
                      "<tool_response>\n42\n</tool_response><|im_end|>\n"),
            std::string::npos)
      << text;
  // Reasoning before the last user message is dropped, as Qwen3 does.
  ordered_json messages = session();
  messages.push_back({{"role", "user"}, {"content", "Thanks."}});
  const std::string later = render(inputs(messages, true, ordered_json::object()));
  EXPECT_EQ(later.find("Plan: wc -l"), std::string::npos);
}

}  // namespace
}  // namespace loom::chat
