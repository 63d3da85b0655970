// OpenAI `tools` JSON -> ToolDefinition, with errors that name the field path.
#include "chat/tool.h"

namespace loom::chat {
namespace {

using nlohmann::json;

const json* member(const json& object, std::string_view key) {
  auto found = object.find(key);
  if (found == object.end() || found->is_null()) return nullptr;
  return &*found;
}

}  // namespace

bool is_valid_tool_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<ToolDefinition> tool_from_json(const json& json_tool, std::string_view path_view) {
  const std::string path(path_view);
  if (!json_tool.is_object()) return invalid_argument(path, " must be an object");
  const json* type = member(json_tool, "type");
  if (type == nullptr) return invalid_argument(path, ".type is required");
  if (!type->is_string()) return invalid_argument(path, ".type must be a string");
  if (*type != "function")
    return unimplemented(path, ".type \"", type->get<std::string>(), "\" is not supported (only \"function\")");
  const json* function = member(json_tool, "function");
  if (function == nullptr) return invalid_argument(path, ".function is required");
  const std::string function_path = path + ".function";
  if (!function->is_object()) return invalid_argument(function_path, " must be an object");

  ToolDefinition tool;
  const json* name = member(*function, "name");
  if (name == nullptr) return invalid_argument(function_path, ".name is required");
  if (!name->is_string()) return invalid_argument(function_path, ".name must be a string");
  tool.name = name->get<std::string>();
  if (!is_valid_tool_name(tool.name))
    return invalid_argument(function_path, ".name \"", tool.name, "\" must match [A-Za-z0-9_-]{1,64}");
  if (const json* description = member(*function, "description")) {
    if (!description->is_string()) return invalid_argument(function_path, ".description must be a string");
    tool.description = description->get<std::string>();
  }
  if (const json* parameters = member(*function, "parameters")) {
    if (!parameters->is_object()) return invalid_argument(function_path, ".parameters must be an object");
    tool.parameters = *parameters;
  } else {
    tool.parameters = {{"type", "object"}, {"properties", json::object()}};
  }
  if (const json* strict = member(*function, "strict")) {
    if (!strict->is_boolean()) return invalid_argument(function_path, ".strict must be a boolean");
    tool.strict = strict->get<bool>();
  }
  return tool;
}

Result<std::vector<ToolDefinition>> tools_from_json(const json& json_tools) {
  if (json_tools.is_null()) return std::vector<ToolDefinition>{};
  if (!json_tools.is_array()) return invalid_argument("tools must be an array");
  std::vector<ToolDefinition> tools;
  for (size_t index = 0; index < json_tools.size(); ++index) {
    ToolDefinition tool = TRY(tool_from_json(json_tools[index], str_cat("tools[", index, "]")));
    for (const ToolDefinition& earlier : tools)
      if (earlier.name == tool.name)
        return invalid_argument("tools[", index, "].function.name \"", tool.name, "\" is defined twice");
    tools.push_back(std::move(tool));
  }
  return tools;
}

json tool_to_json(const ToolDefinition& tool) {
  json function = {{"name", tool.name}};
  if (!tool.description.empty()) function["description"] = tool.description;
  function["parameters"] = tool.parameters;
  if (tool.strict) function["strict"] = true;
  return {{"type", "function"}, {"function", std::move(function)}};
}

std::vector<std::string> tool_names(const std::vector<ToolDefinition>& tools) {
  std::vector<std::string> names;
  names.reserve(tools.size());
  for (const ToolDefinition& tool : tools) names.push_back(tool.name);
  return names;
}

}  // namespace loom::chat
