// Chat Completions and Responses request/response translation.
#include "agent/wire_format.h"

namespace loom::agent {
namespace {

using nlohmann::json;

std::string text_of(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  // Content given as parts: concatenate the text parts.
  std::string text;
  if (value.is_array()) {
    for (const auto& part : value)
      if (part.is_object() && part.contains("text") && part["text"].is_string()) text += part["text"].get<std::string>();
  }
  return text;
}

std::string string_at(const json& object, const char* key) {
  if (!object.is_object()) return {};
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

int64_t int_at(const json& object, const char* key) {
  if (!object.is_object()) return 0;
  auto found = object.find(key);
  return found != object.end() && found->is_number_integer() ? found->get<int64_t>() : 0;
}

Result<json> parse_body(std::string_view body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object())
    return invalid_argument("the model endpoint answered with something that is not a JSON object: ",
                            body.substr(0, 200));
  if (auto error = parsed.find("error"); error != parsed.end() && !error->is_null()) {
    const std::string message = error->is_object() ? string_at(*error, "message") : error->dump();
    return Status(StatusCode::kUnavailable, str_cat("the model endpoint returned an error: ", message));
  }
  return parsed;
}

}  // namespace

Result<WireFormat> parse_wire_format(std::string_view name) {
  if (name == "chat") return WireFormat::kChat;
  if (name == "responses") return WireFormat::kResponses;
  return invalid_argument("unknown wire format '", name, "' (expected chat or responses)");
}

std::string_view wire_format_path(WireFormat format) {
  return format == WireFormat::kChat ? "/chat/completions" : "/responses";
}

json chat_request_json(const ModelRequest& request, const std::string& model) {
  json messages = json::array();
  for (const Item& item : request.items) {
    switch (item.kind) {
      case ItemKind::kSystem: messages.push_back({{"role", "system"}, {"content", item.text}}); break;
      case ItemKind::kUser: messages.push_back({{"role", "user"}, {"content", item.text}}); break;
      case ItemKind::kAssistant: {
        json message = {{"role", "assistant"}, {"content", item.text}};
        json calls = json::array();
        for (const ModelToolCall& call : item.tool_calls) {
          // A freeform call (from a Responses session being resumed) becomes
          // the function form of the same tool.
          const std::string arguments = call.freeform ? json{{"input", call.arguments}}.dump() : call.arguments;
          calls.push_back({{"id", call.call_id},
                           {"type", "function"},
                           {"function", {{"name", call.name}, {"arguments", arguments}}}});
        }
        if (!calls.empty()) message["tool_calls"] = calls;
        messages.push_back(message);
        break;
      }
      case ItemKind::kToolResult:
        messages.push_back({{"role", "tool"}, {"tool_call_id", item.call_id}, {"content", item.text}});
        break;
    }
  }
  json body = {{"model", model}, {"messages", messages}, {"stream", false}};
  if (request.purpose == RequestPurpose::kTurn && !request.tools.empty()) {
    json tools = json::array();
    for (const ToolSpec* spec : request.tools) tools.push_back(chat_tool_json(*spec));
    body["tools"] = tools;
    body["tool_choice"] = "auto";
    body["parallel_tool_calls"] = true;
  }
  if (!request.reasoning_effort.empty()) body["reasoning_effort"] = request.reasoning_effort;
  return body;
}

Result<ModelTurn> parse_chat_response(std::string_view body) {
  const json response = TRY(parse_body(body));
  auto choices = response.find("choices");
  if (choices == response.end() || !choices->is_array() || choices->empty() || !(*choices)[0].is_object())
    return invalid_argument("the chat completion has no choices");
  const json& choice = (*choices)[0];
  const json message = choice.value("message", json::object());
  if (!message.is_object()) return invalid_argument("the chat completion's message is not an object");
  ModelTurn turn;
  if (message.contains("content")) turn.content = text_of(message["content"]);
  turn.reasoning = string_at(message, "reasoning_content");
  if (turn.reasoning.empty()) turn.reasoning = string_at(message, "reasoning");
  turn.finish_reason = string_at(choice, "finish_reason");
  if (auto calls = message.find("tool_calls"); calls != message.end() && calls->is_array()) {
    for (const auto& call : *calls) {
      const json function = call.is_object() ? call.value("function", json::object()) : json::object();
      ModelToolCall parsed{.call_id = string_at(call, "id"), .name = string_at(function, "name")};
      // Arguments are a JSON string per the spec; some servers send an object.
      auto arguments = function.find("arguments");
      if (arguments != function.end()) parsed.arguments = arguments->is_string() ? arguments->get<std::string>() : arguments->dump();
      turn.tool_calls.push_back(std::move(parsed));
    }
  }
  if (auto usage = response.find("usage"); usage != response.end() && usage->is_object()) {
    turn.usage.input_tokens = int_at(*usage, "prompt_tokens");
    turn.usage.output_tokens = int_at(*usage, "completion_tokens");
    turn.usage.cached_input_tokens = int_at(usage->value("prompt_tokens_details", json::object()), "cached_tokens");
    turn.usage.reasoning_tokens =
        int_at(usage->value("completion_tokens_details", json::object()), "reasoning_tokens");
  }
  return turn;
}

json responses_request_json(const ModelRequest& request, const std::string& model) {
  json input = json::array();
  auto message = [](const char* role, const char* part_type, const std::string& text) {
    return json{{"type", "message"}, {"role", role}, {"content", json::array({{{"type", part_type}, {"text", text}}})}};
  };
  for (const Item& item : request.items) {
    switch (item.kind) {
      case ItemKind::kSystem: input.push_back(message("system", "input_text", item.text)); break;
      case ItemKind::kUser: input.push_back(message("user", "input_text", item.text)); break;
      case ItemKind::kAssistant:
        if (!item.text.empty()) input.push_back(message("assistant", "output_text", item.text));
        for (const ModelToolCall& call : item.tool_calls) {
          if (call.freeform) {
            input.push_back({{"type", "custom_tool_call"}, {"call_id", call.call_id}, {"name", call.name}, {"input", call.arguments}});
          } else {
            input.push_back({{"type", "function_call"}, {"call_id", call.call_id}, {"name", call.name}, {"arguments", call.arguments}});
          }
        }
        break;
      case ItemKind::kToolResult:
        input.push_back({{"type", item.freeform ? "custom_tool_call_output" : "function_call_output"},
                         {"call_id", item.call_id},
                         {"output", item.text}});
        break;
    }
  }
  json body = {{"model", model}, {"input", input}, {"stream", false}, {"store", false}};
  if (request.purpose == RequestPurpose::kTurn && !request.tools.empty()) {
    json tools = json::array();
    for (const ToolSpec* spec : request.tools) tools.push_back(responses_tool_json(*spec));
    body["tools"] = tools;
    body["tool_choice"] = "auto";
    body["parallel_tool_calls"] = true;
  }
  if (!request.reasoning_effort.empty()) body["reasoning"] = {{"effort", request.reasoning_effort}};
  return body;
}

Result<ModelTurn> parse_responses_response(std::string_view body) {
  const json response = TRY(parse_body(body));
  auto output = response.find("output");
  if (output == response.end() || !output->is_array()) return invalid_argument("the response has no output array");
  ModelTurn turn;
  for (const auto& item : *output) {
    if (!item.is_object()) continue;
    const std::string type = string_at(item, "type");
    if (type == "message") {
      turn.content += text_of(item.value("content", json::array()));
    } else if (type == "reasoning") {
      // Raw reasoning text when the server shares it, else the summary.
      std::string text = text_of(item.value("content", json::array()));
      if (text.empty()) text = text_of(item.value("summary", json::array()));
      turn.reasoning += text;
    } else if (type == "function_call") {
      turn.tool_calls.push_back({.call_id = string_at(item, "call_id"),
                                 .name = string_at(item, "name"),
                                 .arguments = string_at(item, "arguments")});
    } else if (type == "custom_tool_call") {
      turn.tool_calls.push_back({.call_id = string_at(item, "call_id"),
                                 .name = string_at(item, "name"),
                                 .arguments = string_at(item, "input"),
                                 .freeform = true});
    }
  }
  turn.finish_reason = string_at(response, "status");
  if (auto usage = response.find("usage"); usage != response.end() && usage->is_object()) {
    turn.usage.input_tokens = int_at(*usage, "input_tokens");
    turn.usage.output_tokens = int_at(*usage, "output_tokens");
    turn.usage.cached_input_tokens = int_at(usage->value("input_tokens_details", json::object()), "cached_tokens");
    turn.usage.reasoning_tokens = int_at(usage->value("output_tokens_details", json::object()), "reasoning_tokens");
  }
  return turn;
}

}  // namespace loom::agent
