// Harmony prompt rendering: messages -> "<|start|>{header}<|message|>{content}<|end|>"...
#include "chat/harmony_renderer.h"

#include <algorithm>

namespace loom::chat {
namespace {

constexpr int kMaxSchemaDepth = 32;

std::string effort_name(HarmonyEffort effort) {
  switch (effort) {
    case HarmonyEffort::kLow: return "low";
    case HarmonyEffort::kMedium: return "medium";
    case HarmonyEffort::kHigh: return "high";
  }
  return "medium";
}

std::string dump(const nlohmann::ordered_json& json) {
  return json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// A default value as the comment shows it: strings bare, the rest as JSON.
std::string default_text(const nlohmann::ordered_json& value) {
  return value.is_string() ? value.get<std::string>() : dump(value);
}

Result<std::string> schema_type(const nlohmann::ordered_json& schema, int depth);

// "{\n// description\nname?: type, // default: x\n...}" for an object schema.
Result<std::string> object_type(const nlohmann::ordered_json& schema, int depth) {
  const std::string indent(static_cast<size_t>(depth) * 2, ' ');
  std::vector<std::string> required;
  if (const auto found = schema.find("required"); found != schema.end() && found->is_array()) {
    for (const auto& name : *found) {
      if (name.is_string()) required.push_back(name.get<std::string>());
    }
  }
  std::string out = "{\n";
  for (const auto& [name, property] : schema["properties"].items()) {
    if (!property.is_object()) return invalid_argument("harmony: property '", name, "' is not a schema object");
    if (const auto description = property.find("description"); description != property.end() && description->is_string()) {
      std::string text = description->get<std::string>();
      size_t start = 0;
      while (true) {  // one comment line per description line
        const size_t newline = text.find('\n', start);
        out += indent + "// " + text.substr(start, newline == std::string::npos ? std::string::npos : newline - start) + "\n";
        if (newline == std::string::npos) break;
        start = newline + 1;
      }
    }
    const bool is_required = std::find(required.begin(), required.end(), name) != required.end();
    out += indent + name + (is_required ? "" : "?") + ": " + TRY(schema_type(property, depth + 1)) + ",";
    if (const auto fallback = property.find("default"); fallback != property.end()) {
      out += " // default: " + default_text(*fallback);
    }
    out += "\n";
  }
  out += std::string(static_cast<size_t>(depth > 0 ? depth - 1 : 0) * 2, ' ') + "}";
  return out;
}

Result<std::string> schema_type(const nlohmann::ordered_json& schema, int depth) {
  if (depth > kMaxSchemaDepth) return invalid_argument("harmony: tool schema nested deeper than ", kMaxSchemaDepth);
  if (!schema.is_object()) return std::string("any");
  for (const char* combinator : {"anyOf", "oneOf"}) {
    if (const auto found = schema.find(combinator); found != schema.end() && found->is_array()) {
      std::string out;
      for (const auto& option : *found) out += (out.empty() ? "" : " | ") + TRY(schema_type(option, depth));
      return out.empty() ? std::string("any") : out;
    }
  }
  if (const auto values = schema.find("enum"); values != schema.end() && values->is_array() && !values->empty()) {
    std::string out;
    for (const auto& value : *values) out += (out.empty() ? "" : " | ") + dump(value);
    return out;
  }
  const auto type = schema.find("type");
  if (type == schema.end()) return std::string("any");
  if (type->is_array()) {
    std::string out;
    for (const auto& name : *type) {
      nlohmann::ordered_json single = schema;
      single["type"] = name;
      out += (out.empty() ? "" : " | ") + TRY(schema_type(single, depth));
    }
    return out;
  }
  const std::string name = type->is_string() ? type->get<std::string>() : "";
  if (name == "string") return std::string("string");
  if (name == "number" || name == "integer") return std::string("number");
  if (name == "boolean") return std::string("boolean");
  if (name == "null") return std::string("null");
  if (name == "array") {
    const auto items = schema.find("items");
    if (items == schema.end()) return std::string("any[]");
    std::string item = TRY(schema_type(*items, depth));
    if (item.find(" | ") != std::string::npos) item = "(" + item + ")";
    return item + "[]";
  }
  if (name == "object") {
    const auto properties = schema.find("properties");
    if (properties == schema.end() || !properties->is_object() || properties->empty()) return std::string("object");
    return object_type(schema, depth);
  }
  return std::string("any");
}

// Text of a message's content: a string, or the text parts of an array.
std::string content_text(const nlohmann::ordered_json& message) {
  const auto content = message.find("content");
  if (content == message.end() || content->is_null()) return "";
  if (content->is_string()) return content->get<std::string>();
  std::string out;
  if (content->is_array()) {
    for (const auto& part : *content) {
      if (part.is_object() && part.value("type", "") == "text" && part.contains("text") && part["text"].is_string()) {
        out += part["text"].get<std::string>();
      }
    }
  }
  return out;
}

std::string string_field(const nlohmann::ordered_json& object, const char* key) {
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

}  // namespace

Result<std::string> harmony_functions_namespace(const nlohmann::ordered_json& tools) {
  std::string out = "## functions\n\nnamespace functions {\n\n";
  for (const auto& tool : tools) {
    const auto& function = tool.contains("function") ? tool["function"] : tool;
    if (!function.is_object()) return invalid_argument("harmony: a tool has no function object");
    const std::string name = string_field(function, "name");
    if (name.empty()) return invalid_argument("harmony: a function tool has no name");
    const std::string description = string_field(function, "description");
    if (!description.empty()) {
      size_t start = 0;
      while (true) {
        const size_t newline = description.find('\n', start);
        out += "// " + description.substr(start, newline == std::string::npos ? std::string::npos : newline - start) + "\n";
        if (newline == std::string::npos) break;
        start = newline + 1;
      }
    }
    const auto parameters = function.find("parameters");
    const bool no_arguments = parameters == function.end() || !parameters->is_object() ||
                              !parameters->contains("properties") || !(*parameters)["properties"].is_object() ||
                              (*parameters)["properties"].empty();
    if (no_arguments) {
      out += "type " + name + " = () => any;\n\n";
    } else {
      out += "type " + name + " = (_: " + TRY(object_type(*parameters, 0)) + ") => any;\n\n";
    }
  }
  out += "} // namespace functions";
  return out;
}

Result<std::string> render_harmony(const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools,
                                   const HarmonyOptions& options) {
  if (!messages.is_array()) return invalid_argument("harmony: messages must be an array");
  const bool has_tools = tools.is_array() && !tools.empty();

  std::string out = "<|start|>system<|message|>" + options.model_identity + "\nKnowledge cutoff: " + options.knowledge_cutoff + "\n";
  if (!options.current_date.empty()) out += "Current date: " + options.current_date + "\n";
  out += "\nReasoning: " + effort_name(options.effort) + "\n\n";
  out += "# Valid channels: analysis, commentary, final. Channel must be included for every message.";
  if (has_tools) out += "\nCalls to these tools must go to the commentary channel: 'functions'.";
  out += "<|end|>";

  // OpenAI system and developer messages are the harmony developer's instructions.
  std::string instructions;
  size_t last_user = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    const std::string role = string_field(messages[i], "role");
    if (role == "system" || role == "developer") {
      instructions += (instructions.empty() ? "" : "\n\n") + content_text(messages[i]);
    } else if (role == "user") {
      last_user = i;
    }
  }
  if (!instructions.empty() || has_tools) {
    out += "<|start|>developer<|message|>";
    if (!instructions.empty()) out += "# Instructions\n\n" + instructions;
    if (has_tools) out += std::string(instructions.empty() ? "" : "\n\n") + "# Tools\n\n" + TRY(harmony_functions_namespace(tools));
    out += "<|end|>";
  }

  std::vector<std::pair<std::string, std::string>> call_names;  // tool_call_id -> function name
  for (size_t i = 0; i < messages.size(); ++i) {
    const auto& message = messages[i];
    if (!message.is_object()) return invalid_argument("harmony: messages[", i, "] is not an object");
    const std::string role = string_field(message, "role");
    if (role == "system" || role == "developer") continue;
    if (role == "user") {
      out += "<|start|>user<|message|>" + content_text(message) + "<|end|>";
    } else if (role == "assistant") {
      std::string reasoning = string_field(message, "reasoning_content");
      if (reasoning.empty()) reasoning = string_field(message, "thinking");
      const auto calls = message.find("tool_calls");
      const bool has_calls = calls != message.end() && calls->is_array() && !calls->empty();
      const std::string content = content_text(message);
      if (!reasoning.empty() && i > last_user) {
        out += "<|start|>assistant<|channel|>analysis<|message|>" + reasoning + "<|end|>";
      }
      if (!content.empty()) {
        // Text beside tool calls is a preamble, shown to the user on commentary.
        out += std::string("<|start|>assistant<|channel|>") + (has_calls ? "commentary" : "final") + "<|message|>" + content + "<|end|>";
      }
      if (has_calls) {
        for (const auto& call : *calls) {
          const auto& function = call.contains("function") ? call["function"] : call;
          const std::string name = string_field(function, "name");
          if (name.empty()) return invalid_argument("harmony: messages[", i, "] has a tool call without a name");
          const auto arguments = function.find("arguments");
          const std::string text = arguments == function.end() ? "{}"
                                   : arguments->is_string()   ? arguments->get<std::string>()
                                                              : dump(*arguments);
          out += "<|start|>assistant<|channel|>commentary to=functions." + name + " <|constrain|>json<|message|>" + text + "<|call|>";
          call_names.emplace_back(string_field(call, "id"), name);
        }
      }
    } else if (role == "tool") {
      std::string name = string_field(message, "name");
      const std::string id = string_field(message, "tool_call_id");
      for (auto it = call_names.rbegin(); name.empty() && it != call_names.rend(); ++it) {
        if (it->first == id) name = it->second;
      }
      if (name.empty()) return invalid_argument("harmony: messages[", i, "] answers an unknown tool call '", id, "'");
      out += "<|start|>functions." + name + " to=assistant<|channel|>commentary<|message|>" + content_text(message) + "<|end|>";
    } else {
      return invalid_argument("harmony: messages[", i, "] has unsupported role '", role, "'");
    }
  }
  if (options.add_generation_prompt) out += "<|start|>assistant";
  return out;
}

}  // namespace loom::chat
