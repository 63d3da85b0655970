// The harmony renderer against the prompts written out in the harmony format
// spec (openai/harmony docs/format.md): function definitions, a tool call
// turn with its chain-of-thought, tool output, and dropped past reasoning.
#include <gtest/gtest.h>

#include "chat/harmony_renderer.h"

namespace loom::chat {
namespace {

using Json = nlohmann::ordered_json;

const char* const kSpecTools = R"([
  {"type": "function", "function": {"name": "get_location", "description": "Gets the location of the user."}},
  {"type": "function", "function": {"name": "get_current_weather",
    "description": "Gets the current weather in the provided location.",
    "parameters": {"type": "object", "properties": {
      "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
      "format": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"}},
      "required": ["location"]}}},
  {"type": "function", "function": {"name": "get_multiple_weathers",
    "description": "Gets the current weather in the provided list of locations.",
    "parameters": {"type": "object", "properties": {
      "locations": {"type": "array", "items": {"type": "string"},
                    "description": "List of city and state, e.g. [\"San Francisco, CA\", \"New York, NY\"]"},
      "format": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"}},
      "required": ["locations"]}}}])";

// The system and developer messages of the spec's function-calling example.
const char* const kSpecPrefix =
    "<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\n"
    "Knowledge cutoff: 2024-06\nCurrent date: 2025-06-28\n\nReasoning: high\n\n"
    "# Valid channels: analysis, commentary, final. Channel must be included for every message.\n"
    "Calls to these tools must go to the commentary channel: 'functions'.<|end|>"
    "<|start|>developer<|message|># Instructions\n\nUse a friendly tone.\n\n# Tools\n\n## functions\n\n"
    "namespace functions {\n\n"
    "// Gets the location of the user.\ntype get_location = () => any;\n\n"
    "// Gets the current weather in the provided location.\ntype get_current_weather = (_: {\n"
    "// The city and state, e.g. San Francisco, CA\nlocation: string,\n"
    "format?: \"celsius\" | \"fahrenheit\", // default: celsius\n}) => any;\n\n"
    "// Gets the current weather in the provided list of locations.\ntype get_multiple_weathers = (_: {\n"
    "// List of city and state, e.g. [\"San Francisco, CA\", \"New York, NY\"]\nlocations: string[],\n"
    "format?: \"celsius\" | \"fahrenheit\", // default: celsius\n}) => any;\n\n"
    "} // namespace functions<|end|>";

HarmonyOptions spec_options() {
  HarmonyOptions options;
  options.current_date = "2025-06-28";
  options.effort = HarmonyEffort::kHigh;
  return options;
}

TEST(HarmonyRendererTest, SpecFunctionDefinitionsPrompt) {
  const Json messages = Json::parse(R"([{"role": "system", "content": "Use a friendly tone."},
                                        {"role": "user", "content": "What is the weather like in SF?"}])");
  auto rendered = render_harmony(messages, Json::parse(kSpecTools), spec_options());
  ASSERT_TRUE(rendered.ok()) << rendered.status().to_string();
  EXPECT_EQ(*rendered, std::string(kSpecPrefix) + "<|start|>user<|message|>What is the weather like in SF?<|end|><|start|>assistant");
}

TEST(HarmonyRendererTest, SpecToolCallRoundTrip) {
  const Json messages = Json::parse(R"([
    {"role": "system", "content": "Use a friendly tone."},
    {"role": "user", "content": "What is the weather like in SF?"},
    {"role": "assistant", "content": null, "reasoning_content": "Need to use function get_weather.",
     "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"location\":\"San Francisco\"}"}}]},
    {"role": "tool", "tool_call_id": "c1", "content": "{\"sunny\": true, \"temperature\": 20}"}])");
  auto rendered = render_harmony(messages, Json::parse(kSpecTools), spec_options());
  ASSERT_TRUE(rendered.ok()) << rendered.status().to_string();
  EXPECT_EQ(*rendered,
            std::string(kSpecPrefix) +
                "<|start|>user<|message|>What is the weather like in SF?<|end|>"
                "<|start|>assistant<|channel|>analysis<|message|>Need to use function get_weather.<|end|>"
                "<|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"location\":\"San Francisco\"}<|call|>"
                "<|start|>functions.get_weather to=assistant<|channel|>commentary<|message|>{\"sunny\": true, \"temperature\": 20}<|end|>"
                "<|start|>assistant");
}

TEST(HarmonyRendererTest, PastReasoningIsDroppedAndNoToolsMeansNoDeveloper) {
  const Json messages = Json::parse(R"([
    {"role": "user", "content": "What is 2 + 2?"},
    {"role": "assistant", "content": "2 + 2 = 4.", "reasoning_content": "User asks: \"What is 2 + 2?\" Simple arithmetic. Provide answer."},
    {"role": "user", "content": "What about 9 / 2?"}])");
  HarmonyOptions options;
  options.effort = HarmonyEffort::kLow;
  auto rendered = render_harmony(messages, Json(), options);
  ASSERT_TRUE(rendered.ok()) << rendered.status().to_string();
  EXPECT_EQ(*rendered,
            "<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\n"
            "Knowledge cutoff: 2024-06\n\nReasoning: low\n\n"
            "# Valid channels: analysis, commentary, final. Channel must be included for every message.<|end|>"
            "<|start|>user<|message|>What is 2 + 2?<|end|>"
            "<|start|>assistant<|channel|>final<|message|>2 + 2 = 4.<|end|>"
            "<|start|>user<|message|>What about 9 / 2?<|end|><|start|>assistant");
}

TEST(HarmonyRendererTest, PreambleObjectArgumentsAndParallelCalls) {
  const Json tools = Json::parse(R"([{"type": "function", "function": {"name": "f", "parameters": {"type": "object",
      "properties": {"opts": {"type": "object", "properties": {"deep": {"type": ["integer", "null"]}}, "required": ["deep"]},
                     "mode": {"anyOf": [{"type": "string"}, {"type": "boolean"}]}}}}}])");
  const Json messages = Json::parse(R"([{"role": "user", "content": [{"type": "text", "text": "go"}]},
    {"role": "assistant", "content": "Calling twice.", "tool_calls": [
      {"id": "a", "function": {"name": "f", "arguments": {"opts": {"deep": 1}}}},
      {"id": "b", "function": {"name": "f", "arguments": "{}"}}]},
    {"role": "tool", "tool_call_id": "b", "content": "B"}, {"role": "tool", "tool_call_id": "a", "content": "A"}])");
  HarmonyOptions options;
  options.add_generation_prompt = false;
  auto rendered = render_harmony(messages, tools, options);
  ASSERT_TRUE(rendered.ok()) << rendered.status().to_string();
  const std::string expected_tools =
      "type f = (_: {\nopts?: {\n  deep: number | null,\n},\nmode?: string | boolean,\n}) => any;\n\n} // namespace functions";
  EXPECT_NE(rendered->find(expected_tools), std::string::npos) << *rendered;
  EXPECT_NE(rendered->find("<|start|>user<|message|>go<|end|>"
                           "<|start|>assistant<|channel|>commentary<|message|>Calling twice.<|end|>"
                           "<|start|>assistant<|channel|>commentary to=functions.f <|constrain|>json<|message|>{\"opts\":{\"deep\":1}}<|call|>"
                           "<|start|>assistant<|channel|>commentary to=functions.f <|constrain|>json<|message|>{}<|call|>"
                           "<|start|>functions.f to=assistant<|channel|>commentary<|message|>B<|end|>"
                           "<|start|>functions.f to=assistant<|channel|>commentary<|message|>A<|end|>"),
            std::string::npos)
      << *rendered;
  EXPECT_EQ(rendered->substr(rendered->size() - 8), "A<|end|>");
}

TEST(HarmonyRendererTest, RejectsBadInput) {
  EXPECT_FALSE(render_harmony(Json::object(), Json(), {}).ok());
  EXPECT_FALSE(render_harmony(Json::parse(R"([{"role": "tool", "tool_call_id": "x", "content": "?"}])"), Json(), {}).ok());
  EXPECT_FALSE(render_harmony(Json::parse(R"([{"role": "wizard", "content": "?"}])"), Json(), {}).ok());
}

}  // namespace
}  // namespace loom::chat
