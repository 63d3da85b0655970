// POST /v1/responses body -> GenerationRequest. Input items become chat
// messages: function/custom calls join an assistant message's tool_calls,
// their outputs become tool messages, reasoning items the next assistant
// message's reasoning_content. Tool kinds loom cannot run are accepted and
// ignored, as the hosted API's clients expect.
#include "server/request.h"
#include "server/request_fields.h"

namespace loom::server {
namespace {

using nlohmann::json;

// Concatenated text of a content value: a string or an array of text parts.
Result<std::string> content_text(const json& content, const std::string& path) {
  if (content.is_null()) return std::string();
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) return invalid_argument(path, " must be a string or an array of content parts");
  std::string text;
  for (size_t index = 0; index < content.size(); ++index) {
    const json& part = content[index];
    if (!part.is_object()) return invalid_argument(path, "[", index, "] must be an object");
    const json* part_text = field(part, "text");
    if (part_text == nullptr) part_text = field(part, "refusal");
    if (part_text == nullptr) continue;  // images, files: not supported by text models, skipped
    if (!part_text->is_string()) return invalid_argument(path, "[", index, "].text must be a string");
    text += part_text->get<std::string>();
  }
  return text;
}

chat::Message text_message(chat::Role role, std::string text) {
  chat::Message message;
  message.role = role;
  message.content_form = chat::ContentForm::kString;
  message.content.push_back({.type = chat::ContentPart::Type::kText, .text = std::move(text)});
  return message;
}

// Builds the message list from input items.
class InputConverter {
 public:
  Status add_item(const json& item, const std::string& path) {
    if (!item.is_object()) return invalid_argument(path, " must be an object");
    std::string type = "message";
    TRY(read_string(item, "type", path + ".", type));
    if (type == "message") return add_message(item, path);
    if (type == "function_call" || type == "custom_tool_call") return add_call(item, path, type == "custom_tool_call");
    if (type == "function_call_output" || type == "custom_tool_call_output") return add_output(item, path);
    if (type == "reasoning") return add_reasoning(item, path);
    return {};  // item_reference, web_search_call, ...: nothing a local model can use
  }

  std::vector<chat::Message> take() { return std::move(messages_); }

 private:
  Status add_message(const json& item, const std::string& path) {
    std::string role_text;
    TRY(read_string(item, "role", path + ".", role_text));
    if (role_text.empty()) return invalid_argument(path, ".role is required");
    Result<chat::Role> role = chat::parse_role(role_text);
    if (!role.ok() || *role == chat::Role::kTool)
      return invalid_argument(path, ".role must be one of user, assistant, system, developer (got \"", role_text, "\")");
    const json* content = field(item, "content");
    std::string text = TRY(content_text(content ? *content : json(), path + ".content"));
    chat::Message message = text_message(*role, std::move(text));
    if (*role == chat::Role::kAssistant) {
      message.reasoning_content = std::move(pending_reasoning_);
      pending_reasoning_.clear();
    }
    messages_.push_back(std::move(message));
    return {};
  }

  Status add_call(const json& item, const std::string& path, bool freeform) {
    chat::ToolCall call;
    TRY(read_string(item, "call_id", path + ".", call.id));
    TRY(read_string(item, "name", path + ".", call.name));
    if (call.name.empty()) return invalid_argument(path, ".name is required");
    if (freeform) {
      std::string input;
      TRY(read_string(item, "input", path + ".", input));
      call.arguments = chat::dump_json(json{{"input", input}});
    } else {
      TRY(read_string(item, "arguments", path + ".", call.arguments));
    }
    // Consecutive calls belong to one assistant turn (parallel calls).
    if (messages_.empty() || messages_.back().role != chat::Role::kAssistant || !open_assistant_) {
      chat::Message message;
      message.role = chat::Role::kAssistant;
      message.reasoning_content = std::move(pending_reasoning_);
      pending_reasoning_.clear();
      messages_.push_back(std::move(message));
    }
    messages_.back().tool_calls.push_back(std::move(call));
    open_assistant_ = true;
    return {};
  }

  Status add_output(const json& item, const std::string& path) {
    std::string call_id;
    TRY(read_string(item, "call_id", path + ".", call_id));
    const json* output = field(item, "output");
    std::string text = TRY(content_text(output ? *output : json(), path + ".output"));
    chat::Message message = text_message(chat::Role::kTool, std::move(text));
    message.tool_call_id = call_id;
    messages_.push_back(std::move(message));
    open_assistant_ = false;
    return {};
  }

  Status add_reasoning(const json& item, const std::string& path) {
    // Raw reasoning text when the client kept it, else the summary.
    std::string text;
    if (const json* content = field(item, "content")) text = TRY(content_text(*content, path + ".content"));
    if (text.empty()) {
      if (const json* summary = field(item, "summary")) text = TRY(content_text(*summary, path + ".summary"));
    }
    pending_reasoning_ += text;
    return {};
  }

  std::vector<chat::Message> messages_;
  std::string pending_reasoning_;
  bool open_assistant_ = false;  // the last assistant message is still taking calls
};

Status read_input(const json& body, GenerationRequest& request) {
  const json* input = field(body, "input");
  if (input == nullptr) return invalid_argument("input: you must provide an input parameter");
  if (!request.instructions.empty())
    request.messages.push_back(text_message(chat::Role::kSystem, request.instructions));
  if (input->is_string()) {
    request.messages.push_back(text_message(chat::Role::kUser, input->get<std::string>()));
    return {};
  }
  if (!input->is_array()) return invalid_argument("input must be a string or an array of input items");
  InputConverter converter;
  for (size_t index = 0; index < input->size(); ++index) TRY(converter.add_item((*input)[index], str_cat("input[", index, "]")));
  for (chat::Message& message : converter.take()) request.messages.push_back(std::move(message));
  if (request.messages.empty()) return invalid_argument("input must contain at least one item");
  return {};
}

Status read_tools(const json& body, const RequestLimits& limits, GenerationRequest& request) {
  const json* tools = field(body, "tools");
  if (tools == nullptr) return {};
  if (!tools->is_array()) return invalid_argument("tools must be an array");
  if (tools->size() > limits.max_tools) return invalid_argument("tools must have at most ", limits.max_tools, " entries");
  for (size_t index = 0; index < tools->size(); ++index) {
    const json& tool = (*tools)[index];
    const std::string path = str_cat("tools[", index, "]");
    if (!tool.is_object()) return invalid_argument(path, " must be an object");
    std::string type;
    TRY(read_string(tool, "type", path + ".", type));
    if (type != "function" && type != "custom") continue;  // namespace, web_search, tool_search...: ignored
    // The Responses function shape is flat; reuse the chat validation on the nested one.
    json function = {{"name", tool.value("name", json())}};
    if (const json* description = field(tool, "description")) function["description"] = *description;
    if (type == "function") {
      if (const json* parameters = field(tool, "parameters")) function["parameters"] = *parameters;
    } else {
      function["parameters"] = {{"type", "object"},
                                {"properties", {{"input", {{"type", "string"}, {"description", "The freeform input"}}}}},
                                {"required", {"input"}}};
    }
    chat::ToolDefinition definition = TRY(chat::tool_from_json(json{{"type", "function"}, {"function", function}}, path));
    if (type == "custom") request.freeform_tools.insert(definition.name);
    request.tools.push_back(std::move(definition));
  }
  return {};
}

// Responses names a tool flat ({"type":"function","name":N}) and has kinds chat
// lacks: a custom tool is chosen like a function; hosted kinds and
// allowed_tools leave the choice to the model (auto).
Status read_tool_choice(const json& body, GenerationRequest& request) {
  const json* value = field(body, "tool_choice");
  if (value == nullptr) return {};
  json choice = *value;
  if (choice.is_object()) {
    const json* type = field(choice, "type");
    const std::string kind = type != nullptr && type->is_string() ? type->get<std::string>() : "";
    if (kind == "custom") choice["type"] = "function";
    else if (kind != "function") choice = "auto";
  }
  request.tool_choice = TRY(chat::parse_tool_choice(choice, request.tools));
  return {};
}

Status read_text_format(const json& body, GenerationRequest& request) {
  const json* text = field(body, "text");
  if (text == nullptr) return {};
  if (!text->is_object()) return invalid_argument("text must be an object");
  const json* format = field(*text, "format");
  if (format == nullptr) return {};
  if (!format->is_object()) return invalid_argument("text.format must be an object");
  std::string type;
  TRY(read_string(*format, "type", "text.format.", type));
  if (type == "json_object") request.response_format = ResponseFormat::kJsonObject;
  else if (type == "json_schema") {
    request.response_format = ResponseFormat::kJsonSchema;
    const json* schema = field(*format, "schema");
    if (schema == nullptr || !schema->is_object()) return invalid_argument("text.format.schema must be an object");
    request.json_schema = *schema;
  } else if (!type.empty() && type != "text") {
    return invalid_argument("text.format.type: Invalid value '", type, "'. Supported values are: 'text', 'json_object' and 'json_schema'.");
  }
  return {};
}

// `include` names extra output; loom can add the message's token logprobs
// ("message.output_text.logprobs"); other values are accepted and ignored.
Status read_include(const json& body, SamplingParams& sampling) {
  if (const json* include = field(body, "include")) {
    if (!include->is_array()) return invalid_argument("include must be an array of strings");
    for (const json& entry : *include) {
      if (!entry.is_string()) return invalid_argument("include must be an array of strings");
      if (entry.get<std::string>() == "message.output_text.logprobs") sampling.logprobs = true;
    }
  }
  if (const json* top = field(body, "top_logprobs")) {
    if (!top->is_number_integer() || top->get<int64_t>() < 0 || top->get<int64_t>() > 20)
      return invalid_argument("top_logprobs must be an integer between 0 and 20");
    sampling.top_logprobs = static_cast<int32_t>(top->get<int64_t>());
  }
  return {};
}

}  // namespace

Result<GenerationRequest> parse_responses_request(const json& body, const RequestLimits& limits) {
  GenerationRequest request;
  request.api = Api::kResponses;
  TRY(read_model(body, request.model));
  TRY(read_string(body, "instructions", "", request.instructions));
  TRY(read_input(body, request));
  if (request.messages.size() > limits.max_messages)
    return invalid_argument("input must have at most ", limits.max_messages, " items");
  TRY(read_tools(body, limits, request));
  TRY(read_tool_choice(body, request));
  TRY(read_bool(body, "parallel_tool_calls", "", request.parallel_tool_calls));
  TRY(read_bool(body, "stream", "", request.stream));
  TRY(read_bool(body, "store", "", request.store));
  if (const json* reasoning = field(body, "reasoning")) {
    if (!reasoning->is_object()) return invalid_argument("reasoning must be an object");
    std::string effort;
    TRY(read_string(*reasoning, "effort", "reasoning.", effort));
    if (!effort.empty()) request.effort = TRY(parse_request_effort(effort, "reasoning.effort"));
    TRY(read_string(*reasoning, "summary", "reasoning.", request.reasoning_summary));
  }
  TRY(read_positive_int(body, "max_output_tokens", request.max_output_tokens));
  TRY(read_sampling(body, limits, request.sampling));
  TRY(read_text_format(body, request));
  TRY(read_include(body, request.sampling));
  if (field(body, "previous_response_id") != nullptr)
    return invalid_argument("previous_response_id: loom does not store responses; send the whole conversation in input");
  if (const json* metadata = field(body, "metadata")) {
    if (!metadata->is_object()) return invalid_argument("metadata must be an object");
    request.metadata = *metadata;
  }
  return request;
}

}  // namespace loom::server
