// The message model and tool definitions against real captured client
// requests, and a table of malformed messages with the exact error each gives.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "chat/message.h"
#include "chat/tool.h"
#include "support/oracle.h"

namespace loom::chat {
namespace {

using nlohmann::json;

json load_body(const std::string& name) {
  std::ifstream in(loom::testing::fixtures_dir() + "/clients/" + name);
  return json::parse(in)["body"];
}

TEST(MessageModel, ParsesEveryCapturedChatCompletionsRequest) {
  int parsed_files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(loom::testing::fixtures_dir() + "/clients")) {
    const std::string name = entry.path().filename().string();
    if (name.find("request") == std::string::npos || !name.ends_with(".json")) continue;
    std::ifstream in(entry.path());
    json request = json::parse(in);
    if (request.value("path", "") != "/v1/chat/completions") continue;
    const json& body = request["body"];
    Result<std::vector<Message>> messages = messages_from_json(body["messages"]);
    ASSERT_TRUE(messages.ok()) << name << ": " << messages.status().to_string();
    EXPECT_EQ(messages->size(), body["messages"].size()) << name;
    // Back to JSON and again: the model keeps what it read.
    Result<std::vector<Message>> again = messages_from_json(messages_to_json(*messages));
    ASSERT_TRUE(again.ok()) << name << ": " << again.status().to_string();
    EXPECT_EQ(messages_to_json(*again), messages_to_json(*messages)) << name;
    if (body.contains("tools")) {
      Result<std::vector<ToolDefinition>> tools = tools_from_json(body["tools"]);
      ASSERT_TRUE(tools.ok()) << name << ": " << tools.status().to_string();
      EXPECT_EQ(tools->size(), body["tools"].size());
    }
    ++parsed_files;
  }
  EXPECT_GE(parsed_files, 10);
}

TEST(MessageModel, EchoedAssistantMessageKeepsCallsAndReasoning) {
  const json body = load_body("sdk-chat-parallel-tools-followup-request.json");
  Result<std::vector<Message>> messages = messages_from_json(body["messages"]);
  ASSERT_TRUE(messages.ok()) << messages.status().to_string();
  const Message& assistant = (*messages)[1];
  EXPECT_EQ(assistant.role, Role::kAssistant);
  EXPECT_EQ(assistant.content_form, ContentForm::kNull);
  EXPECT_EQ(assistant.reasoning_content, body["messages"][1]["reasoning_content"].get<std::string>());
  ASSERT_EQ(assistant.tool_calls.size(), 2u);
  EXPECT_EQ(assistant.tool_calls[0].id, "call_loom_weather");
  EXPECT_EQ(assistant.tool_calls[0].name, "get_weather");
  EXPECT_EQ(assistant.tool_calls[0].arguments, "{\"city\":\"Paris\"}");
  EXPECT_EQ((*messages)[2].role, Role::kTool);
  EXPECT_EQ((*messages)[2].tool_call_id, "call_loom_weather");

  const json tools_body = load_body("agents-chat-request-2.json");
  Result<std::vector<ToolDefinition>> tools = tools_from_json(tools_body["tools"]);
  ASSERT_TRUE(tools.ok()) << tools.status().to_string();
  EXPECT_EQ((*tools)[0].name, "get_weather");
  EXPECT_TRUE((*tools)[0].strict);
  EXPECT_EQ((*tools)[0].parameters["required"], json::array({"city"}));
}

TEST(MessageModel, DeveloperRoleAndContentParts) {
  const json messages_json = json::parse(R"([
    {"role": "developer", "content": [{"type": "text", "text": "Be brief."}]},
    {"role": "user", "content": [
      {"type": "text", "text": "What is this?"},
      {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"}},
      {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}]},
    {"role": "assistant", "content": [{"type": "text", "text": "A cat."}, {"type": "refusal", "refusal": "No."}],
     "refusal": null, "annotations": []}
  ])");
  Result<std::vector<Message>> messages = messages_from_json(messages_json);
  ASSERT_TRUE(messages.ok()) << messages.status().to_string();
  EXPECT_EQ((*messages)[0].role, Role::kDeveloper);
  EXPECT_EQ((*messages)[0].text(), "Be brief.");
  EXPECT_TRUE((*messages)[1].has_media());
  EXPECT_EQ((*messages)[1].content[1].url, "data:image/png;base64,AAAA");
  EXPECT_EQ((*messages)[1].content[1].detail, "low");
  EXPECT_EQ((*messages)[1].content[2].audio_format, "wav");
  EXPECT_EQ((*messages)[2].text(), "A cat.No.");
  EXPECT_EQ(messages_to_json(*messages)[1]["content"], messages_json[1]["content"]);
}

struct BadMessages {
  std::string messages;
  std::string error;
};

TEST(MessageModel, MalformedMessagesNameTheField) {
  const std::vector<BadMessages> table = {
      {R"({})", "messages must be an array"},
      {R"([])", "messages must contain at least one message"},
      {R"(["hi"])", "messages[0] must be an object"},
      {R"([{"content": "hi"}])", "messages[0].role is required"},
      {R"([{"role": 3, "content": "hi"}])", "messages[0].role must be a string"},
      {R"([{"role": "robot", "content": "hi"}])",
       "messages[0].role must be one of system, developer, user, assistant, tool (got \"robot\")"},
      {R"([{"role": "user"}])", "messages[0].content is required"},
      {R"([{"role": "user", "content": 5}])", "messages[0].content must be a string, an array of parts, or null"},
      {R"([{"role": "user", "content": [{"text": "x"}]}])", "messages[0].content[0].type is required"},
      {R"([{"role": "user", "content": [{"type": "text"}]}])", "messages[0].content[0].text is required"},
      {R"([{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "video", "text": "b"}]}])",
       "messages[0].content[1].type \"video\" is not allowed in a user message (allowed: text, image_url, input_audio)"},
      {R"([{"role": "system", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}])",
       "messages[0].content[0].type \"image_url\" is not allowed in a system message (allowed: text)"},
      {R"([{"role": "user", "content": [{"type": "image_url", "image_url": {"detail": "low"}}]}])",
       "messages[0].content[0].image_url.url is required"},
      {R"([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x", "detail": "max"}}]}])",
       "messages[0].content[0].image_url.detail must be one of auto, low, high"},
      {R"([{"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "x", "format": "ogg"}}]}])",
       "messages[0].content[0].input_audio.format must be one of wav, mp3"},
      {R"([{"role": "user", "content": "hi"}, {"role": "assistant", "content": null}])",
       "messages[1].content is required unless tool_calls or refusal is given"},
      {R"([{"role": "user", "content": "hi"}, {"role": "assistant", "content": null, "tool_calls": {}}])",
       "messages[1].tool_calls must be an array"},
      {R"([{"role": "user", "content": "hi"}, {"role": "assistant", "content": null, "tool_calls": [
          {"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}},
          {"type": "function", "function": {"name": "f", "arguments": "{}"}}]}])",
       "messages[1].tool_calls[1].id is required"},
      {R"([{"role": "user", "content": "hi"}, {"role": "user", "content": "x"}, {"role": "assistant", "content": null,
          "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": {"x": 1}}}]}])",
       "messages[2].tool_calls[0].function.arguments must be a string"},
      {R"([{"role": "assistant", "tool_calls": [{"id": "a", "type": "custom", "function": {}}]}])",
       "messages[0].tool_calls[0].type must be \"function\""},
      {R"([{"role": "assistant", "tool_calls": [{"id": "a", "function": {"arguments": "{}"}}]}])",
       "messages[0].tool_calls[0].function.name is required"},
      {R"([{"role": "assistant", "tool_calls": [{"id": "a", "function": {"name": "f"}}]}])",
       "messages[0].tool_calls[0].function.arguments is required"},
      {R"([{"role": "assistant", "content": "x", "reasoning_content": 1}])",
       "messages[0].reasoning_content must be a string"},
      {R"([{"role": "tool", "content": "42"}])", "messages[0].tool_call_id is required"},
      {R"([{"role": "tool", "tool_call_id": 7, "content": "42"}])", "messages[0].tool_call_id must be a string"},
      {R"([{"role": "user", "name": 1, "content": "x"}])", "messages[0].name must be a string"},
  };
  for (const BadMessages& bad : table) {
    Result<std::vector<Message>> parsed = parse_messages(bad.messages);
    ASSERT_FALSE(parsed.ok()) << bad.messages;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().message(), bad.error) << bad.messages;
  }
  EXPECT_EQ(parse_messages("[{").status().message(), "messages is not valid JSON");
}

TEST(ToolDefinitions, MalformedToolsNameTheField) {
  const std::vector<BadMessages> table = {
      {R"({})", "tools must be an array"},
      {R"([{"function": {"name": "f"}}])", "tools[0].type is required"},
      {R"([{"type": "function"}])", "tools[0].function is required"},
      {R"([{"type": "function", "function": {"description": "d"}}])", "tools[0].function.name is required"},
      {R"([{"type": "function", "function": {"name": "a.b"}}])",
       "tools[0].function.name \"a.b\" must match [A-Za-z0-9_-]{1,64}"},
      {R"([{"type": "function", "function": {"name": "f", "parameters": []}}])",
       "tools[0].function.parameters must be an object"},
      {R"([{"type": "function", "function": {"name": "f"}}, {"type": "function", "function": {"name": "f"}}])",
       "tools[1].function.name \"f\" is defined twice"},
      {R"([{"type": "custom", "custom": {"name": "f"}}])",
       "tools[0].type \"custom\" is not supported (only \"function\")"},
  };
  for (const BadMessages& bad : table) {
    Result<std::vector<ToolDefinition>> parsed = tools_from_json(json::parse(bad.messages));
    ASSERT_FALSE(parsed.ok()) << bad.messages;
    EXPECT_EQ(parsed.status().message(), bad.error) << bad.messages;
  }
  Result<std::vector<ToolDefinition>> defaults =
      tools_from_json(json::parse(R"([{"type": "function", "function": {"name": "f"}}])"));
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ((*defaults)[0].parameters["type"], "object");
}

}  // namespace
}  // namespace loom::chat
