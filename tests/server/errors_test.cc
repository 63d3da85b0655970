// Malformed requests: each gets its HTTP status and an OpenAI-shaped error
// body, never a crash or a 500.
#include <gtest/gtest.h>

#include "server/api_error.h"
#include "server_fixture.h"

namespace loom::server {
namespace {

using nlohmann::json;
using testing::RunningServer;

struct BadRequest {
  const char* name;
  const char* path;
  std::string body;
  int status;
  const char* param;  // "" = null
  const char* code;   // "" = null
};

class MalformedRequestTest : public ::testing::TestWithParam<BadRequest> {};

TEST_P(MalformedRequestTest, StatusAndErrorBody) {
  static RunningServer server(R"({"steps": []})");
  const BadRequest& bad = GetParam();
  httplib::Client client = server.client();
  auto response = client.Post(bad.path, bad.body, "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, bad.status) << response->body;
  const json body = json::parse(response->body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << response->body;
  ASSERT_TRUE(body.contains("error"));
  const json& error = body["error"];
  EXPECT_TRUE(error["message"].is_string());
  EXPECT_FALSE(error["message"].get<std::string>().empty());
  EXPECT_TRUE(error["type"].is_string());
  EXPECT_EQ(error["param"], std::string(bad.param).empty() ? json() : json(bad.param)) << response->body;
  EXPECT_EQ(error["code"], std::string(bad.code).empty() ? json() : json(bad.code)) << response->body;
}

const std::string kUser = R"("messages": [{"role": "user", "content": "hi"}])";

INSTANTIATE_TEST_SUITE_P(
    Table, MalformedRequestTest,
    ::testing::Values(
        BadRequest{"NotJson", "/v1/chat/completions", "{nope", 400, "", "invalid_json"},
        BadRequest{"NotAnObject", "/v1/chat/completions", "[1,2]", 400, "", "invalid_json"},
        BadRequest{"InvalidUtf8", "/v1/chat/completions", "{\"model\": \"m\xff\"}", 400, "", "invalid_encoding"},
        BadRequest{"MissingModel", "/v1/chat/completions", "{" + kUser + "}", 400, "model", ""},
        BadRequest{"ModelNotString", "/v1/chat/completions", R"({"model": 5, )" + kUser + "}", 400, "model", ""},
        BadRequest{"MissingMessages", "/v1/chat/completions", R"({"model": "m"})", 400, "messages", ""},
        BadRequest{"MessagesNotArray", "/v1/chat/completions", R"({"model": "m", "messages": "hi"})", 400, "messages", ""},
        BadRequest{"BadRole", "/v1/chat/completions", R"({"model": "m", "messages": [{"role": "robot", "content": "x"}]})", 400,
                   "messages[0].role", ""},
        BadRequest{"ContentWrongType", "/v1/chat/completions", R"({"model": "m", "messages": [{"role": "user", "content": 7}]})",
                   400, "messages[0].content", ""},
        BadRequest{"TemperatureRange", "/v1/chat/completions", R"({"model": "m", "temperature": 9, )" + kUser + "}", 400,
                   "temperature", ""},
        BadRequest{"TemperatureType", "/v1/chat/completions", R"({"model": "m", "temperature": "hot", )" + kUser + "}", 400,
                   "temperature", ""},
        BadRequest{"MaxTokensZero", "/v1/chat/completions", R"({"model": "m", "max_tokens": 0, )" + kUser + "}", 400,
                   "max_tokens", ""},
        BadRequest{"StreamNotBool", "/v1/chat/completions", R"({"model": "m", "stream": "yes", )" + kUser + "}", 400, "stream",
                   ""},
        BadRequest{"BadEffort", "/v1/chat/completions", R"({"model": "m", "reasoning_effort": "max", )" + kUser + "}", 400,
                   "reasoning_effort", ""},
        BadRequest{"ToolsNotArray", "/v1/chat/completions", R"({"model": "m", "tools": {}, )" + kUser + "}", 400, "tools", ""},
        BadRequest{"RequiredWithoutTools", "/v1/chat/completions", R"({"model": "m", "tool_choice": "required", )" + kUser + "}",
                   400, "tool_choice", ""},
        BadRequest{"UnknownNamedTool", "/v1/chat/completions",
                   R"({"model": "m", "tool_choice": {"type": "function", "function": {"name": "x"}}, )" + kUser + "}", 400,
                   "tool_choice", ""},
        BadRequest{"ResponsesMissingInput", "/v1/responses", R"({"model": "m"})", 400, "input", ""},
        BadRequest{"ResponsesInputNumber", "/v1/responses", R"({"model": "m", "input": 3})", 400, "input", ""},
        BadRequest{"ResponsesBadItemRole", "/v1/responses", R"({"model": "m", "input": [{"type": "message", "role": "tool", "content": "x"}]})",
                   400, "input[0].role", ""},
        BadRequest{"ResponsesBadEffort", "/v1/responses", R"({"model": "m", "input": "x", "reasoning": {"effort": "max"}})", 400,
                   "reasoning.effort", ""},
        BadRequest{"ResponsesPrevious", "/v1/responses", R"({"model": "m", "input": "x", "previous_response_id": "resp_1"})", 400,
                   "previous_response_id", ""},
        BadRequest{"UnknownRoute", "/v1/embeddings", R"({"model": "m"})", 404, "", "unknown_url"},
        BadRequest{"TokenizeWithoutContent", "/tokenize", R"({"text": 1})", 400, "content", ""}),
    [](const ::testing::TestParamInfo<BadRequest>& info) { return std::string(info.param.name); });

TEST(ServerErrors, HugeBodyIs413) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  RunningServer server(R"({"steps": []})", options);
  auto response = server.client().Post("/v1/chat/completions", std::string(4096, ' '), "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(json::parse(response->body)["error"]["code"], "request_too_large");
}

TEST(ServerErrors, ApiKeysRequired) {
  ServerOptions options;
  options.api_keys = {"sk-good"};
  RunningServer server(R"({"steps": ["hi"]})", options);
  httplib::Client client = server.client();
  auto missing = client.Get("/v1/models");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 401);
  EXPECT_EQ(json::parse(missing->body)["error"]["type"], "authentication_error");
  auto wrong = client.Get("/v1/models", {{"Authorization", "Bearer sk-bad"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  auto good = client.Get("/v1/models", {{"Authorization", "Bearer sk-good"}});
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 200);
  auto health = client.Get("/health");  // probes need no key
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST(ServerErrors, PromptLongerThanContextIs400WithNumbers) {
  RunningServer server(R"({"steps": ["never"]})", {}, /*context=*/64);
  std::string long_text;
  for (int i = 0; i < 200; ++i) long_text += "word ";
  const json body = {{"model", "m"}, {"messages", {{{"role", "user"}, {"content", long_text}}}}};
  auto response = server.client().Post("/v1/chat/completions", body.dump(), "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  const json error = json::parse(response->body)["error"];
  EXPECT_EQ(error["code"], "context_length_exceeded");
  EXPECT_NE(error["message"].get<std::string>().find("maximum context length is 64 tokens"), std::string::npos);
  EXPECT_EQ(server.backend().steps_used(), 0u);  // nothing was generated
}

TEST(ApiError, StatusMapping) {
  EXPECT_EQ(api_error_from_status(invalid_argument("x")).http_status, 400);
  EXPECT_EQ(api_error_from_status(model_not_found("m")).http_status, 404);
  EXPECT_EQ(api_error_from_status(model_not_found("m")).param, "model");
  EXPECT_EQ(api_error_from_status(Status(StatusCode::kUnauthenticated, "no")).http_status, 401);
  EXPECT_EQ(api_error_from_status(resource_exhausted("busy")).http_status, 429);
  EXPECT_EQ(api_error_from_status(internal_error("bug")).http_status, 500);
  EXPECT_EQ(api_error_from_status(internal_error("bug")).type, "server_error");
  EXPECT_EQ(api_error_from_status(context_length_exceeded(10, 0, 5)).code, "context_length_exceeded");
}

}  // namespace
}  // namespace loom::server
