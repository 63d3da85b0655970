// Typed generation requests: Chat Completions and Responses bodies are parsed
// and validated once at the edge into GenerationRequest; everything behind the
// edge trusts these types.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "chat/message.h"
#include "chat/tool.h"
#include "chat/tool_choice.h"
#include "reasoning/effort_policy.h"

namespace loom::server {

enum class Api { kChatCompletions, kResponses };

// A request's reasoning effort (reasoning::parse_effort), with the API's
// error message naming `param`.
Result<reasoning::Effort> parse_request_effort(std::string_view text, std::string_view param);

struct SamplingParams {
  double temperature = 1.0;
  double top_p = 1.0;
  std::optional<uint64_t> seed;
  std::vector<std::string> stop;
  // Log-probabilities of each generated token and of the top_logprobs most
  // likely alternatives (the API's logprobs; the auto effort router's
  // uncertainty measure).
  bool logprobs = false;
  int32_t top_logprobs = 0;
};

enum class ResponseFormat { kText, kJsonObject, kJsonSchema };

struct GenerationRequest {
  Api api = Api::kChatCompletions;
  std::string model;
  bool stream = false;
  bool include_usage = false;  // chat: stream_options.include_usage
  // The conversation, in the chat message model (Responses input items are
  // converted: function_call -> assistant tool_calls, outputs -> tool messages).
  std::vector<chat::Message> messages;
  std::vector<chat::ToolDefinition> tools;
  // Responses `custom` tools: freeform text input, offered to the model as a
  // function with one string parameter `input`.
  std::set<std::string> freeform_tools;
  chat::ToolChoice tool_choice;  // absent: auto
  bool parallel_tool_calls = true;
  // As the client asked; not given: the model's own default (no budget).
  std::optional<reasoning::Effort> effort;
  int64_t max_output_tokens = 0;  // 0: up to the context
  SamplingParams sampling;
  ResponseFormat response_format = ResponseFormat::kText;
  nlohmann::json json_schema;  // kJsonSchema: the schema
  // Responses: echoed back in the response object.
  std::string instructions;
  std::string reasoning_summary;  // "" = null
  bool store = false;
  nlohmann::json metadata = nlohmann::json::object();
};

// Limits applied at the edge.
struct RequestLimits {
  size_t max_messages = 4096;
  size_t max_tools = 512;
  size_t max_stop = 4;
};

Result<GenerationRequest> parse_chat_request(const nlohmann::json& body, const RequestLimits& limits = {});
Result<GenerationRequest> parse_responses_request(const nlohmann::json& body, const RequestLimits& limits = {});

// Parses a JSON body with the checks every route shares (valid UTF-8, an object).
Result<nlohmann::json> parse_body(std::string_view text);

}  // namespace loom::server
