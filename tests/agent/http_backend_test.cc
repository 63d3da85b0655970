// The agent over HTTP: an in-test cpp-httplib server speaking Chat
// Completions or Responses replays scenario 001's script; the loop runs
// unchanged through HttpBackend. The server also checks what it was sent.
#include <gtest/gtest.h>

#define CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_ZLIB_SUPPORT
#define CPPHTTPLIB_BROTLI_SUPPORT
#include <httplib.h>

#include <thread>

#include "agent/http_backend.h"
#include "agent/scripted_backend.h"
#include "scenario_support.h"

namespace loom::agent {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A script turn in the Chat Completions response shape.
json chat_response(const ModelTurn& turn) {
  json message = {{"role", "assistant"}, {"content", turn.content.empty() ? json() : json(turn.content)}};
  if (!turn.reasoning.empty()) message["reasoning_content"] = turn.reasoning;
  json calls = json::array();
  for (const ModelToolCall& call : turn.tool_calls) {
    // A freeform script call goes out as the function form chat offers.
    const std::string arguments = call.freeform ? json{{"input", call.arguments}}.dump() : call.arguments;
    calls.push_back({{"id", call.call_id}, {"type", "function"}, {"function", {{"name", call.name}, {"arguments", arguments}}}});
  }
  if (!calls.empty()) message["tool_calls"] = calls;
  return {{"id", "chatcmpl-1"},
          {"object", "chat.completion"},
          {"choices", json::array({{{"index", 0}, {"message", message}, {"finish_reason", calls.empty() ? "stop" : "tool_calls"}}})},
          {"usage", {{"prompt_tokens", 100}, {"completion_tokens", 20}, {"prompt_tokens_details", {{"cached_tokens", 40}}}}}};
}

// The same turn in the Responses shape.
json responses_response(const ModelTurn& turn) {
  json output = json::array();
  if (!turn.reasoning.empty())
    output.push_back({{"type", "reasoning"}, {"id", "rs_1"}, {"summary", json::array({{{"type", "summary_text"}, {"text", turn.reasoning}}})}});
  if (!turn.content.empty())
    output.push_back({{"type", "message"}, {"role", "assistant"}, {"content", json::array({{{"type", "output_text"}, {"text", turn.content}}})}});
  for (const ModelToolCall& call : turn.tool_calls) {
    if (call.freeform) {
      output.push_back({{"type", "custom_tool_call"}, {"call_id", call.call_id}, {"name", call.name}, {"input", call.arguments}});
    } else {
      output.push_back({{"type", "function_call"}, {"call_id", call.call_id}, {"name", call.name}, {"arguments", call.arguments}});
    }
  }
  return {{"id", "resp_1"}, {"object", "response"}, {"status", "completed"}, {"output", output},
          {"usage", {{"input_tokens", 100}, {"output_tokens", 20}, {"output_tokens_details", {{"reasoning_tokens", 5}}}}}};
}

class ScriptServer {
 public:
  ScriptServer(json turns, WireFormat wire) : turns_(std::move(turns)), wire_(wire) {
    const char* path = wire == WireFormat::kChat ? "/v1/chat/completions" : "/v1/responses";
    server_.Post(path, [this](const httplib::Request& request, httplib::Response& response) {
      std::lock_guard lock(mutex_);
      bodies_.push_back(json::parse(request.body, nullptr, false));
      authorization_ = request.get_header_value("Authorization");
      if (next_ >= turns_.size()) {
        response.status = 500;
        response.set_content(R"({"error":{"message":"script exhausted"}})", "application/json");
        return;
      }
      auto turn = turn_from_script(turns_[next_], next_);
      ++next_;
      const json body = wire_ == WireFormat::kChat ? chat_response(*turn) : responses_response(*turn);
      response.set_content(body.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // listen_after_bind accepts connections queued before it runs, so the
    // bound port is usable at once.
  }
  ~ScriptServer() {
    server_.stop();
    thread_.join();
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::vector<json> bodies() {
    std::lock_guard lock(mutex_);
    return bodies_;
  }
  std::string authorization() {
    std::lock_guard lock(mutex_);
    return authorization_;
  }

 private:
  json turns_;
  WireFormat wire_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  size_t next_ = 0;
  std::vector<json> bodies_;
  std::string authorization_;
};

class HttpScenarioTest : public ::testing::TestWithParam<WireFormat> {};

TEST_P(HttpScenarioTest, FixFailingTestOverHttp) {
  const fs::path dir = fs::path(LOOM_SOURCE_DIR) / "tests" / "agent" / "001_fix_failing_test";
  const json script = testing::read_json(dir / "script.json");
  ScriptServer server(script["turns"], GetParam());
  auto backend = HttpBackend::create({.base_url = server.base_url(), .api_key = "sk-test", .model = "scripted",
                                      .wire = GetParam()});
  ASSERT_TRUE(backend.ok()) << backend.status().to_string();
  testing::TempDir temp;
  const testing::ScenarioRun run = testing::run_scenario(dir, script, **backend, temp.path());
  ASSERT_TRUE(run.status.ok()) << run.status.to_string();
  testing::check_expected(dir, run);
  EXPECT_EQ(run.result.usage.input_tokens, 500);  // 5 turns x 100, as the server reported
  EXPECT_EQ(server.authorization(), "Bearer sk-test");

  const std::vector<json> bodies = server.bodies();
  ASSERT_EQ(bodies.size(), 5u);
  for (const json& body : bodies) {
    ASSERT_TRUE(body.is_object());
    EXPECT_EQ(body["model"], "scripted");
    EXPECT_EQ(body["parallel_tool_calls"], true);
    ASSERT_TRUE(body["tools"].is_array());
    EXPECT_EQ(body["tools"].size(), 7u);
  }
  const json& last = bodies.back();
  if (GetParam() == WireFormat::kChat) {
    // Every tool message answers a call id the assistant made, in order.
    std::vector<std::string> call_ids, answered;
    for (const json& message : last["messages"]) {
      if (message["role"] == "assistant" && message.contains("tool_calls"))
        for (const json& call : message["tool_calls"]) call_ids.push_back(call["id"]);
      if (message["role"] == "tool") answered.push_back(message["tool_call_id"]);
    }
    EXPECT_EQ(call_ids, answered);
    EXPECT_EQ(call_ids.size(), 7u);
  } else {
    // apply_patch is the custom tool, called freeform, answered with custom_tool_call_output.
    bool custom_tool = false, custom_call = false, custom_output = false;
    for (const json& tool : last["tools"]) custom_tool = custom_tool || (tool["type"] == "custom" && tool["name"] == "apply_patch");
    for (const json& item : last["input"]) {
      custom_call = custom_call || (item["type"] == "custom_tool_call" && item["call_id"] == "patch");
      custom_output = custom_output || (item["type"] == "custom_tool_call_output" && item["call_id"] == "patch");
    }
    EXPECT_TRUE(custom_tool);
    EXPECT_TRUE(custom_call);
    EXPECT_TRUE(custom_output);
  }
}

INSTANTIATE_TEST_SUITE_P(Wire, HttpScenarioTest, ::testing::Values(WireFormat::kChat, WireFormat::kResponses),
                         [](const ::testing::TestParamInfo<WireFormat>& info) {
                           return std::string(info.param == WireFormat::kChat ? "Chat" : "Responses");
                         });

TEST(HttpBackendTest, ServerErrorIsASessionFailure) {
  ScriptServer server(json::array(), WireFormat::kChat);
  auto backend = HttpBackend::create({.base_url = server.base_url(), .model = "m"});
  ASSERT_TRUE(backend.ok());
  auto turn = (*backend)->complete({.items = {Item::user("hi")}});
  ASSERT_FALSE(turn.ok());
  EXPECT_NE(turn.status().message().find("HTTP 500"), std::string::npos) << turn.status().to_string();
}

TEST(HttpBackendTest, UnreachableEndpointIsASessionFailure) {
  auto backend = HttpBackend::create({.base_url = "http://127.0.0.1:1/v1", .model = "m"});
  ASSERT_TRUE(backend.ok());
  auto turn = (*backend)->complete({.items = {Item::user("hi")}});
  ASSERT_FALSE(turn.ok());
  EXPECT_EQ(turn.status().code(), StatusCode::kUnavailable);
}

TEST(HttpBackendTest, RejectsBadUrls) {
  EXPECT_FALSE(HttpBackend::create({.base_url = "ftp://x/v1", .model = "m"}).ok());
  EXPECT_FALSE(HttpBackend::create({.base_url = "127.0.0.1:8080", .model = "m"}).ok());
  EXPECT_FALSE(HttpBackend::create({.base_url = "http://host/v1"}).ok());  // no model
}

}  // namespace
}  // namespace loom::agent
