// Tool definitions from an OpenAI `tools` array: name, description and the
// JSON Schema of the parameters, validated at the edge.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace loom::chat {

struct ToolDefinition {
  std::string name;         // [A-Za-z0-9_-]{1,64}, as OpenAI requires
  std::string description;  // "" when absent
  nlohmann::json parameters = nlohmann::json::object();  // a JSON Schema object
  bool strict = false;
};

// `json` is one element of `tools`; `path` names it in errors ("tools[1]").
Result<ToolDefinition> tool_from_json(const nlohmann::json& json, std::string_view path);
// `json` is the request's `tools` array (null or absent: pass an empty array).
Result<std::vector<ToolDefinition>> tools_from_json(const nlohmann::json& json);
nlohmann::json tool_to_json(const ToolDefinition& tool);

std::vector<std::string> tool_names(const std::vector<ToolDefinition>& tools);
bool is_valid_tool_name(std::string_view name);

}  // namespace loom::chat
