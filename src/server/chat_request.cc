// POST /v1/chat/completions body -> GenerationRequest.
#include "server/request.h"
#include "server/request_fields.h"

namespace loom::server {
namespace {

using nlohmann::json;

Status read_response_format(const json& body, GenerationRequest& request) {
  const json* format = field(body, "response_format");
  if (format == nullptr) return {};
  if (!format->is_object()) return invalid_argument("response_format must be an object");
  std::string type;
  TRY(read_string(*format, "type", "response_format.", type));
  if (type == "text" || type.empty()) return {};
  if (type == "json_object") {
    request.response_format = ResponseFormat::kJsonObject;
    return {};
  }
  if (type != "json_schema")
    return invalid_argument("response_format.type: Invalid value '", type, "'. Supported values are: 'text', 'json_object' and 'json_schema'.");
  const json* schema = field(*format, "json_schema");
  if (schema == nullptr || !schema->is_object()) return invalid_argument("response_format.json_schema must be an object");
  const json* inner = field(*schema, "schema");
  if (inner != nullptr && !inner->is_object() && !inner->is_boolean())
    return invalid_argument("response_format.json_schema.schema must be an object");
  request.response_format = ResponseFormat::kJsonSchema;
  request.json_schema = inner != nullptr ? *inner : json::object();
  return {};
}

}  // namespace

Result<GenerationRequest> parse_chat_request(const json& body, const RequestLimits& limits) {
  GenerationRequest request;
  request.api = Api::kChatCompletions;
  TRY(read_model(body, request.model));
  const json* messages = field(body, "messages");
  if (messages == nullptr) return invalid_argument("messages: you must provide a messages parameter");
  if (messages->is_array() && messages->size() > limits.max_messages)
    return invalid_argument("messages must have at most ", limits.max_messages, " entries");
  request.messages = TRY(chat::messages_from_json(*messages));
  if (const json* tools = field(body, "tools")) {
    if (tools->is_array() && tools->size() > limits.max_tools)
      return invalid_argument("tools must have at most ", limits.max_tools, " entries");
    request.tools = TRY(chat::tools_from_json(*tools));
  }
  if (const json* choice = field(body, "tool_choice")) request.tool_choice = TRY(chat::parse_tool_choice(*choice, request.tools));
  TRY(read_bool(body, "parallel_tool_calls", "", request.parallel_tool_calls));
  TRY(read_bool(body, "stream", "", request.stream));
  if (const json* options = field(body, "stream_options")) {
    if (!options->is_object()) return invalid_argument("stream_options must be an object");
    TRY(read_bool(*options, "include_usage", "stream_options.", request.include_usage));
  }
  std::string effort;
  TRY(read_string(body, "reasoning_effort", "", effort));
  if (!effort.empty()) request.effort = TRY(parse_request_effort(effort, "reasoning_effort"));
  TRY(read_positive_int(body, "max_tokens", request.max_output_tokens));
  TRY(read_positive_int(body, "max_completion_tokens", request.max_output_tokens));
  TRY(read_sampling(body, limits, request.sampling));
  TRY(read_response_format(body, request));
  TRY(read_logprobs(body, request.sampling));
  if (const json* n = field(body, "n")) {
    if (!n->is_number_integer() || n->get<int64_t>() != 1) return invalid_argument("n: only n=1 is supported");
  }
  if (const json* metadata = field(body, "metadata")) {
    if (!metadata->is_object()) return invalid_argument("metadata must be an object");
    request.metadata = *metadata;
  }
  return request;
}

}  // namespace loom::server
