// The captured requests of Codex CLI, openai-node and the Agents SDK are all
// accepted, and loom's streams have the event sequence of the captured
// hosted-API streams (shared/fixtures/clients).
#include <filesystem>
#include <regex>

#include <gtest/gtest.h>

#include "server_fixture.h"

namespace loom::server {
namespace {

using nlohmann::json;
using testing::RunningServer;
using testing::read_text;
using testing::sse_payloads;

std::string clients_dir() { return loom::testing::fixtures_dir() + "/clients/"; }

json fixture(const std::string& name) { return json::parse(read_text(clients_dir() + name)); }

TEST(ClientFixtures, EveryCapturedRequestIsAccepted) {
  json steps = json::array();
  for (int i = 0; i < 64; ++i) steps.push_back("<think>\nThinking.\n</think>\n\nDone.");
  RunningServer server(json{{"steps", steps}}.dump());
  httplib::Client client = server.client();
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(clients_dir())) {
    const std::string name = entry.path().filename().string();
    if (name.find("-request") == std::string::npos || entry.path().extension() != ".json") continue;
    const json captured = json::parse(read_text(entry.path().string()));
    if (captured["method"] != "POST") continue;
    const std::string path = captured["path"].get<std::string>();
    auto response = client.Post(path, captured["body"].dump(), "application/json");
    ASSERT_TRUE(response) << name;
    EXPECT_EQ(response->status, 200) << name << ": " << response->body.substr(0, 400);
    ++checked;
  }
  EXPECT_GE(checked, 20);
}

// "event:" names of an SSE body, in order.
std::vector<std::string> event_types(const std::string& body) {
  std::vector<std::string> types;
  for (const json& payload : sse_payloads(body)) types.push_back(payload.value("type", ""));
  return types;
}

// Consecutive duplicates collapsed: delta counts depend on tokenization.
std::vector<std::string> collapsed(std::vector<std::string> types) {
  types.erase(std::unique(types.begin(), types.end()), types.end());
  return types;
}

struct StreamCase {
  const char* fixture;
  std::string raw_output;  // what the model writes for the same answer
  std::string request;     // a fixture request that goes with it
};

class ResponsesStreamTest : public ::testing::TestWithParam<StreamCase> {};

TEST_P(ResponsesStreamTest, SameEventSequenceAsCapturedStream) {
  const StreamCase& test_case = GetParam();
  RunningServer server(json{{"steps", {test_case.raw_output}}}.dump());
  json body = fixture(test_case.request)["body"];
  body["stream"] = true;
  auto response = server.client().Post("/v1/responses", body.dump(), "application/json");
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  const std::string expected_body = read_text(clients_dir() + test_case.fixture);
  EXPECT_EQ(collapsed(event_types(response->body)), collapsed(event_types(expected_body)));

  // sequence_number counts from 0; item ids and output indexes agree between
  // the added/delta/done events of each item.
  const std::vector<json> payloads = sse_payloads(response->body);
  std::map<int, std::string> item_ids;
  for (size_t index = 0; index < payloads.size(); ++index) {
    const json& event = payloads[index];
    EXPECT_EQ(event["sequence_number"], index);
    if (event.contains("item")) item_ids[event["output_index"]] = event["item"]["id"];
    if (event.contains("item_id")) {
      EXPECT_EQ(item_ids[event["output_index"]], event["item_id"]);
    }
  }
  // The completed response holds every item output_item.done announced.
  const json& completed = payloads.back()["response"];
  EXPECT_EQ(completed["status"], "completed");
  size_t done_items = 0;
  for (const json& event : payloads) done_items += event["type"] == "response.output_item.done";
  EXPECT_EQ(completed["output"].size(), done_items);
  EXPECT_GT(completed["usage"]["output_tokens"].get<int>(), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, ResponsesStreamTest,
    ::testing::Values(
        StreamCase{"codex-responses-stream-final.sse", "Hello from loom.", "codex-responses-request-readonly.json"},
        StreamCase{"codex-responses-stream-toolcall.sse",
                   "<tool_call>\n{\"name\": \"exec_command\", \"arguments\": {\"cmd\": \"echo hi > out.txt\"}}\n</tool_call>",
                   "codex-responses-request-1.json"},
        StreamCase{"codex-responses-stream-reasoning-text-final.sse",
                   "<think>\nBoth commands succeeded.\n</think>\n\nBoth files created.", "codex-responses-request-parallel-2.json"},
        StreamCase{"codex-responses-stream-apply-patch.sse",
                   "<tool_call>\n{\"name\": \"apply_patch\", \"arguments\": {\"input\": \"*** Begin Patch\\n*** Add File: "
                   "hello.txt\\n+hello\\n*** End Patch\\n\"}}\n</tool_call>",
                   "codex-responses-request-gpt-5.5-1.json"}));

TEST(ChatStream, ParallelToolCallsStreamLikeTheCapturedStream) {
  const std::string raw =
      "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n"
      "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"timezone\": \"Europe/Paris\"}}\n</tool_call>";
  RunningServer server(json{{"steps", {raw}}}.dump());
  json body = fixture("sdk-chat-stream-tools-request.json")["body"];
  body["stream_options"] = {{"include_usage", true}};
  auto response = server.client().Post("/v1/chat/completions", body.dump(), "application/json");
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  bool done = false;
  const std::vector<json> chunks = sse_payloads(response->body, &done);
  EXPECT_TRUE(done);
  // Reassemble the calls the way the SDK does: by index.
  std::map<int, json> calls;
  std::string finish;
  for (const json& chunk : chunks) {
    EXPECT_EQ(chunk["object"], "chat.completion.chunk");
    if (chunk["choices"].empty()) continue;
    const json& choice = chunk["choices"][0];
    if (choice["finish_reason"].is_string()) finish = choice["finish_reason"];
    if (!choice["delta"].contains("tool_calls")) continue;
    for (const json& call : choice["delta"]["tool_calls"]) {
      json& merged = calls[call["index"]];
      if (call.contains("id")) merged["id"] = call["id"];
      if (call["function"].contains("name")) merged["name"] = call["function"]["name"];
      merged["arguments"] = merged.value("arguments", "") + call["function"]["arguments"].get<std::string>();
    }
  }
  EXPECT_EQ(finish, "tool_calls");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0]["name"], "get_weather");
  EXPECT_EQ(json::parse(calls[0]["arguments"].get<std::string>()), json({{"city", "Paris"}}));
  EXPECT_EQ(calls[1]["name"], "get_time");
  EXPECT_NE(calls[0]["id"], calls[1]["id"]);
  // The last chunk before [DONE] carries usage and no choices.
  EXPECT_TRUE(chunks.back()["choices"].empty());
  EXPECT_GT(chunks.back()["usage"]["prompt_tokens"].get<int>(), 0);
}

TEST(ChatCompletion, UsageCountsMatchTheTokenizer) {
  const std::string raw = "<think>\nSimple arithmetic.\n</think>\n\n2 + 2 = 4.";
  RunningServer server(json{{"steps", {raw}}}.dump());
  auto response = server.client().Post("/v1/chat/completions", fixture("sdk-chat-effort-medium-request.json")["body"].dump(),
                                       "application/json");
  ASSERT_TRUE(response);
  const json body = json::parse(response->body);
  const json& message = body["choices"][0]["message"];
  EXPECT_EQ(message["content"], "2 + 2 = 4.");
  EXPECT_EQ(message["reasoning_content"], "Simple arithmetic.");
  const json& usage = body["usage"];
  const int64_t completion = static_cast<int64_t>(testing::qwen3_tokenizer().encode(raw, false).size());
  EXPECT_EQ(usage["completion_tokens"], completion);
  const int64_t reasoning = usage["completion_tokens_details"]["reasoning_tokens"];
  EXPECT_GT(reasoning, 0);
  EXPECT_LT(reasoning, completion);
  // Default prices: 5 USD per million input tokens, 30 per million output.
  const double expected_cost = (usage["prompt_tokens"].get<double>() * 5 + completion * 30.0) / 1e6;
  EXPECT_NEAR(usage["cost"].get<double>(), expected_cost, 1e-12);
}

TEST(ResponsesStream, ScriptedFailureBecomesResponseFailed) {
  RunningServer server(R"({"steps": [{"output": "partial answer", "error": {"status": "out_of_range",
      "code": "context_length_exceeded", "message": "Input is longer than the context window.", "after_tokens": 1}}]})");
  auto response = server.client().Post("/v1/responses", R"({"model": "m", "input": "hi", "stream": true})", "application/json");
  ASSERT_TRUE(response);
  const std::vector<json> events = sse_payloads(response->body);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back()["type"], "response.failed");
  EXPECT_EQ(events.back()["response"]["error"]["code"], "context_length_exceeded");
}

}  // namespace
}  // namespace loom::server
