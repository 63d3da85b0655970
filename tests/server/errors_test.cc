// Malformed requests: each gets its HTTP status and an OpenAI-shaped error
// body, never a crash or a 500.
#include <gtest/gtest.h>

#include "server/api_error.h"
#include "server_fixture.h"

namespace loom::server {
namespace {

using nlohmann::json;
using testing::RunningServer;
using testing::sse_payloads;

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
const std::string kTool = R"([{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}])";

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
        BadRequest{"ToolChoiceUnknownMode", "/v1/chat/completions",
                   R"({"model": "m", "tools": )" + kTool + R"(, "tool_choice": "sometimes", )" + kUser + "}", 400, "tool_choice", ""},
        BadRequest{"ToolChoiceWrongType", "/v1/chat/completions",
                   R"({"model": "m", "tools": )" + kTool + R"(, "tool_choice": 5, )" + kUser + "}", 400, "tool_choice", ""},
        BadRequest{"ToolChoiceWithoutName", "/v1/chat/completions",
                   R"({"model": "m", "tools": )" + kTool + R"(, "tool_choice": {"type": "function", "function": {}}, )" + kUser + "}",
                   400, "tool_choice.function.name", ""},
        BadRequest{"ToolWithoutName", "/v1/chat/completions",
                   R"({"model": "m", "tools": [{"type": "function", "function": {"parameters": {}}}], )" + kUser + "}", 400,
                   "tools[0].function.name", ""},
        BadRequest{"ResponseFormatNotObject", "/v1/chat/completions", R"({"model": "m", "response_format": "json", )" + kUser + "}",
                   400, "response_format", ""},
        BadRequest{"ResponseFormatUnknownType", "/v1/chat/completions",
                   R"({"model": "m", "response_format": {"type": "yaml"}, )" + kUser + "}", 400, "response_format.type", ""},
        BadRequest{"ResponseFormatSchemaMissing", "/v1/chat/completions",
                   R"({"model": "m", "response_format": {"type": "json_schema"}, )" + kUser + "}", 400,
                   "response_format.json_schema", ""},
        BadRequest{"MessageNotObject", "/v1/chat/completions", R"({"model": "m", "messages": [5]})", 400, "messages[0]", ""},
        BadRequest{"MessagesEmpty", "/v1/chat/completions", R"({"model": "m", "messages": []})", 400, "messages", ""},
        BadRequest{"TopLogprobsWithoutLogprobs", "/v1/chat/completions", R"({"model": "m", "top_logprobs": 3, )" + kUser + "}",
                   400, "top_logprobs", ""},
        BadRequest{"TopLogprobsTooMany", "/v1/chat/completions",
                   R"({"model": "m", "logprobs": true, "top_logprobs": 21, )" + kUser + "}", 400, "top_logprobs", ""},
        BadRequest{"LogprobsNotBool", "/v1/chat/completions", R"({"model": "m", "logprobs": 1, )" + kUser + "}", 400, "logprobs", ""},
        BadRequest{"NMoreThanOne", "/v1/chat/completions", R"({"model": "m", "n": 2, )" + kUser + "}", 400, "n", ""},
        BadRequest{"StopWrongType", "/v1/chat/completions", R"({"model": "m", "stop": 5, )" + kUser + "}", 400, "stop", ""},
        BadRequest{"SeedNotInteger", "/v1/chat/completions", R"({"model": "m", "seed": 1.5, )" + kUser + "}", 400, "seed", ""},
        BadRequest{"StreamOptionsWrongType", "/v1/chat/completions", R"({"model": "m", "stream_options": true, )" + kUser + "}",
                   400, "stream_options", ""},
        BadRequest{"MetadataWrongType", "/v1/chat/completions", R"({"model": "m", "metadata": [], )" + kUser + "}", 400,
                   "metadata", ""},
        BadRequest{"EmptyBody", "/v1/chat/completions", "", 400, "", "invalid_json"},
        BadRequest{"ResponsesInvalidUtf8", "/v1/responses", "{\"model\": \"m\", \"input\": \"\xc3\x28\"}", 400, "",
                   "invalid_encoding"},
        BadRequest{"ResponsesToolsNotArray", "/v1/responses", R"({"model": "m", "input": "x", "tools": {}})", 400, "tools", ""},
        BadRequest{"ResponsesToolChoiceUnknownMode", "/v1/responses", R"({"model": "m", "input": "x", "tool_choice": "often"})",
                   400, "tool_choice", ""},
        BadRequest{"ResponsesNamedToolMissing", "/v1/responses",
                   R"({"model": "m", "input": "x", "tool_choice": {"type": "function", "name": "f"}})", 400, "tool_choice", ""},
        BadRequest{"ResponsesTextFormatUnknownType", "/v1/responses",
                   R"({"model": "m", "input": "x", "text": {"format": {"type": "yaml"}}})", 400, "text.format.type", ""},
        BadRequest{"ResponsesIncludeNotArray", "/v1/responses", R"({"model": "m", "input": "x", "include": "all"})", 400,
                   "include", ""},
        BadRequest{"ResponsesMaxOutputTokensType", "/v1/responses", R"({"model": "m", "input": "x", "max_output_tokens": "9"})",
                   400, "max_output_tokens", ""},
        BadRequest{"ResponsesItemNotObject", "/v1/responses", R"({"model": "m", "input": ["hi"]})", 400, "input[0]", ""},
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

TEST(ServerErrors, UnknownModelIs404WhenOnlyTheServedModelIsAccepted) {
  RunningServer server(R"({"steps": ["hi", "hi"]})", {}, 32768, /*accept_any_model=*/false);
  httplib::Client client = server.client();
  for (const auto& [path, body] : {std::pair{"/v1/chat/completions", R"({"model": "gpt-9", )" + kUser + "}"},
                                   std::pair{"/v1/responses", std::string(R"({"model": "gpt-9", "input": "hi"})")}}) {
    auto response = client.Post(path, body, "application/json");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 404) << path;
    const json error = json::parse(response->body)["error"];
    EXPECT_EQ(error["code"], "model_not_found");
    EXPECT_EQ(error["param"], "model");
    EXPECT_NE(error["message"].get<std::string>().find("gpt-9"), std::string::npos);
  }
  auto model = client.Get("/v1/models/gpt-9");
  ASSERT_TRUE(model);
  EXPECT_EQ(model->status, 404);
  // The served model's own name works.
  auto served = client.Post("/v1/chat/completions", R"({"model": "loom-test", )" + kUser + "}", "application/json");
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);
  EXPECT_EQ(server.backend().steps_used(), 1u);
}

// A failure inside the backend after the stream started: Responses ends with
// response.failed carrying the OpenAI code, Chat Completions with an error
// frame and [DONE]; before any token of a non-streamed request, the HTTP status.
struct MidStreamFailure {
  const char* name;
  const char* status;  // replay script error status
  const char* code;    // replay script error code ("" = none)
  const char* expected_code;
  int http_status;
};

class MidStreamFailureTest : public ::testing::TestWithParam<MidStreamFailure> {};

TEST_P(MidStreamFailureTest, StreamsEndWithTheErrorCode) {
  const MidStreamFailure& failure = GetParam();
  const json error = {{"status", failure.status}, {"code", failure.code}, {"message", "scripted"}, {"after_tokens", 2}};
  const json before = {{"status", failure.status}, {"code", failure.code}, {"message", "scripted"}, {"after_tokens", 0}};
  const json steps = {{{"output", "partial answer text"}, {"error", error}},
                      {{"output", "partial answer text"}, {"error", error}},
                      {{"output", "never"}, {"error", before}}};
  RunningServer server(json{{"steps", steps}}.dump());
  httplib::Client client = server.client();

  auto responses = client.Post("/v1/responses", R"({"model": "m", "input": "hi", "stream": true})", "application/json");
  ASSERT_TRUE(responses);
  EXPECT_EQ(responses->status, 200);
  const std::vector<json> events = sse_payloads(responses->body);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front()["type"], "response.created");
  EXPECT_EQ(events.back()["type"], "response.failed");
  EXPECT_EQ(events.back()["response"]["status"], "failed");
  EXPECT_EQ(events.back()["response"]["error"]["code"], failure.expected_code);
  for (const json& event : events) EXPECT_NE(event["type"], "response.completed");

  auto chat = client.Post("/v1/chat/completions", R"({"model": "m", "stream": true, )" + kUser + "}", "application/json");
  ASSERT_TRUE(chat);
  bool done = false;
  const std::vector<json> chunks = sse_payloads(chat->body, &done);
  ASSERT_FALSE(chunks.empty());
  EXPECT_TRUE(done);
  EXPECT_EQ(chunks.back()["error"]["code"], failure.expected_code) << chat->body;

  auto plain = client.Post("/v1/chat/completions", R"({"model": "m", )" + kUser + "}", "application/json");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, failure.http_status);
  EXPECT_EQ(json::parse(plain->body)["error"]["code"], failure.expected_code);
}

INSTANTIATE_TEST_SUITE_P(
    Codes, MidStreamFailureTest,
    ::testing::Values(MidStreamFailure{"ContextLength", "out_of_range", "context_length_exceeded", "context_length_exceeded", 400},
                      MidStreamFailure{"RateLimit", "resource_exhausted", "rate_limit_exceeded", "rate_limit_exceeded", 429},
                      MidStreamFailure{"Internal", "internal", "", "server_error", 500},
                      MidStreamFailure{"Unavailable", "unavailable", "", "server_error", 503},
                      MidStreamFailure{"InvalidPrompt", "invalid_argument", "invalid_prompt", "invalid_prompt", 400}),
    [](const ::testing::TestParamInfo<MidStreamFailure>& info) { return std::string(info.param.name); });

TEST(ServerErrors, ApiKeysRequired) {
  ServerOptions options;
  options.api_keys = {{.secret = "sk-good", .name = "good"}};
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
