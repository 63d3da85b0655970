// Conversation items to and from JSON (the transcript's format), usage
// accounting and the token estimate used to decide when to compact.
#include "agent/conversation.h"

namespace loom::agent {

std::string_view item_kind_name(ItemKind kind) {
  switch (kind) {
    case ItemKind::kSystem: return "system";
    case ItemKind::kUser: return "user";
    case ItemKind::kAssistant: return "assistant";
    case ItemKind::kToolResult: return "tool";
  }
  return "user";
}

nlohmann::json item_to_json(const Item& item) {
  nlohmann::json json = {{"role", item_kind_name(item.kind)}, {"text", item.text}};
  if (item.kind == ItemKind::kAssistant) {
    if (!item.reasoning.empty()) json["reasoning"] = item.reasoning;
    nlohmann::json calls = nlohmann::json::array();
    for (const ModelToolCall& call : item.tool_calls) {
      calls.push_back({{"call_id", call.call_id},
                       {"name", call.name},
                       {"arguments", call.arguments},
                       {"freeform", call.freeform}});
    }
    if (!calls.empty()) json["tool_calls"] = calls;
  }
  if (item.kind == ItemKind::kToolResult) {
    json["call_id"] = item.call_id;
    json["name"] = item.tool_name;
    json["freeform"] = item.freeform;
    json["is_error"] = item.is_error;
  }
  return json;
}

namespace {

std::string string_field(const nlohmann::json& json, const char* key) {
  auto found = json.find(key);
  return found != json.end() && found->is_string() ? found->get<std::string>() : std::string();
}

bool bool_field(const nlohmann::json& json, const char* key) {
  auto found = json.find(key);
  return found != json.end() && found->is_boolean() && found->get<bool>();
}

int64_t int_field(const nlohmann::json& json, const char* key) {
  auto found = json.find(key);
  return found != json.end() && found->is_number_integer() ? found->get<int64_t>() : 0;
}

}  // namespace

Result<Item> item_from_json(const nlohmann::json& json) {
  if (!json.is_object()) return invalid_argument("a conversation item must be an object");
  const std::string role = string_field(json, "role");
  Item item;
  if (role == "system") item.kind = ItemKind::kSystem;
  else if (role == "user") item.kind = ItemKind::kUser;
  else if (role == "assistant") item.kind = ItemKind::kAssistant;
  else if (role == "tool") item.kind = ItemKind::kToolResult;
  else return invalid_argument("unknown conversation role '", role, "'");
  item.text = string_field(json, "text");
  item.reasoning = string_field(json, "reasoning");
  item.call_id = string_field(json, "call_id");
  item.tool_name = string_field(json, "name");
  item.freeform = bool_field(json, "freeform");
  item.is_error = bool_field(json, "is_error");
  if (auto calls = json.find("tool_calls"); calls != json.end() && calls->is_array()) {
    for (const auto& call : *calls) {
      if (!call.is_object()) return invalid_argument("a tool call must be an object");
      item.tool_calls.push_back({.call_id = string_field(call, "call_id"),
                                 .name = string_field(call, "name"),
                                 .arguments = string_field(call, "arguments"),
                                 .freeform = bool_field(call, "freeform")});
    }
  }
  return item;
}

Usage& Usage::operator+=(const Usage& other) {
  input_tokens += other.input_tokens;
  cached_input_tokens += other.cached_input_tokens;
  output_tokens += other.output_tokens;
  reasoning_tokens += other.reasoning_tokens;
  return *this;
}

nlohmann::json usage_to_json(const Usage& usage) {
  return {{"input_tokens", usage.input_tokens},
          {"cached_input_tokens", usage.cached_input_tokens},
          {"output_tokens", usage.output_tokens},
          {"reasoning_tokens", usage.reasoning_tokens}};
}

Usage usage_from_json(const nlohmann::json& json) {
  if (!json.is_object()) return {};
  return {.input_tokens = int_field(json, "input_tokens"),
          .cached_input_tokens = int_field(json, "cached_input_tokens"),
          .output_tokens = int_field(json, "output_tokens"),
          .reasoning_tokens = int_field(json, "reasoning_tokens")};
}

double cost_usd(const Usage& usage, const Prices& prices) {
  const double uncached = static_cast<double>(usage.input_tokens - usage.cached_input_tokens);
  return (uncached * prices.input + static_cast<double>(usage.cached_input_tokens) * prices.cached_input +
          static_cast<double>(usage.output_tokens) * prices.output) /
         1e6;
}

int64_t estimate_tokens(std::string_view text) { return static_cast<int64_t>((text.size() + 3) / 4); }

int64_t estimate_tokens(const std::vector<Item>& items) {
  int64_t tokens = 0;
  for (const Item& item : items) {
    tokens += 4 + estimate_tokens(item.text) + estimate_tokens(item.reasoning);  // 4: role and framing
    for (const ModelToolCall& call : item.tool_calls) tokens += 4 + estimate_tokens(call.name) + estimate_tokens(call.arguments);
  }
  return tokens;
}

}  // namespace loom::agent
