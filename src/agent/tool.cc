// ToolContext state, the registry, and argument helpers shared by the tools.
#include "agent/tool.h"

#include <cstdlib>

#include "agent/tools.h"

namespace loom::agent {

nlohmann::json chat_tool_json(const ToolSpec& spec) {
  nlohmann::json parameters = spec.parameters;
  if (spec.format == ToolFormat::kFreeform) {
    parameters = {{"type", "object"},
                  {"properties", {{"input", {{"type", "string"}, {"description", "The raw tool input."}}}}},
                  {"required", {"input"}},
                  {"additionalProperties", false}};
  }
  return {{"type", "function"},
          {"function", {{"name", spec.name}, {"description", spec.description}, {"parameters", parameters}}}};
}

nlohmann::json responses_tool_json(const ToolSpec& spec) {
  if (spec.format == ToolFormat::kFreeform) {
    nlohmann::json tool = {{"type", "custom"}, {"name", spec.name}, {"description", spec.description}};
    if (!spec.grammar.empty())
      tool["format"] = {{"type", "grammar"}, {"syntax", "lark"}, {"definition", spec.grammar}};
    return tool;
  }
  return {{"type", "function"},
          {"name", spec.name},
          {"description", spec.description},
          {"strict", false},
          {"parameters", spec.parameters}};
}

SandboxPolicy ToolContext::sandbox_policy(SandboxMode mode) const {
  SandboxPolicy policy{.mode = mode, .workspace = workspace_.root()};
  auto home = environment.find("HOME");
  if (home != environment.end()) {
    policy.home = home->second;
  } else if (const char* env_home = std::getenv("HOME")) {
    policy.home = env_home;
  }
  return policy;
}

std::vector<PlanStep> ToolContext::plan() const {
  std::lock_guard lock(mutex_);
  return plan_;
}

void ToolContext::set_plan(std::vector<PlanStep> plan) {
  std::lock_guard lock(mutex_);
  plan_ = std::move(plan);
}

bool ToolContext::approved_for_session(const std::string& command) const {
  std::lock_guard lock(mutex_);
  return session_approvals_.contains(command);
}

void ToolContext::approve_for_session(const std::string& command) {
  std::lock_guard lock(mutex_);
  session_approvals_.insert(command);
}

void ToolRegistry::add(std::unique_ptr<Tool> tool) { tools_.push_back(std::move(tool)); }

const Tool* ToolRegistry::find(std::string_view name) const {
  for (const auto& tool : tools_)
    if (tool->spec().name == name) return tool.get();
  return nullptr;
}

std::vector<std::string> ToolRegistry::names() const {
  std::vector<std::string> result;
  for (const auto& tool : tools_) result.push_back(tool->spec().name);
  return result;
}

std::vector<const ToolSpec*> ToolRegistry::specs() const {
  std::vector<const ToolSpec*> result;
  for (const auto& tool : tools_) result.push_back(&tool->spec());
  return result;
}

namespace {

struct BuiltinTool {
  std::string_view name;
  std::unique_ptr<Tool> (*make)();
};

constexpr BuiltinTool kBuiltinTools[] = {
    {"shell", make_shell_tool},       {"read_file", make_read_file_tool}, {"write_file", make_write_file_tool},
    {"apply_patch", make_apply_patch_tool}, {"search", make_search_tool}, {"list_dir", make_list_dir_tool},
    {"update_plan", make_update_plan_tool}, {"calculator", make_calculator_tool},
};

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

}  // namespace

const std::vector<std::string>& all_tool_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> result;
    for (const BuiltinTool& tool : kBuiltinTools) result.emplace_back(tool.name);
    return result;
  }();
  return names;
}

const std::vector<std::string>& default_tool_names() {
  static const std::vector<std::string> names = {"shell", "read_file", "write_file", "apply_patch",
                                                 "search", "list_dir", "update_plan"};
  return names;
}

Result<ToolRegistry> make_tool_registry(const std::vector<std::string>& names) {
  ToolRegistry registry;
  for (const std::string& name : names) {
    const BuiltinTool* found = nullptr;
    for (const BuiltinTool& tool : kBuiltinTools)
      if (tool.name == name) found = &tool;
    if (found == nullptr) return invalid_argument("unknown tool '", name, "' (known tools: ", joined(all_tool_names()), ")");
    if (registry.find(name) != nullptr) return invalid_argument("tool '", name, "' is listed twice");
    registry.add(found->make());
  }
  return registry;
}

Result<std::vector<std::string>> parse_tool_list(std::string_view list) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string_view::npos) end = list.size();
    std::string_view name = list.substr(start, end - start);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name.empty()) return invalid_argument("empty tool name in the tool list '", list, "'");
    names.emplace_back(name);
    start = end + 1;
  }
  TRY(make_tool_registry(names));
  return names;
}

ToolRegistry default_tool_registry() { return std::move(*make_tool_registry(default_tool_names())); }

Result<std::string> string_argument(const nlohmann::json& arguments, std::string_view name) {
  if (!arguments.is_object()) return invalid_argument("arguments must be a JSON object");
  auto it = arguments.find(name);
  if (it == arguments.end()) return invalid_argument("missing required argument '", name, "'");
  if (!it->is_string()) return invalid_argument("argument '", name, "' must be a string");
  return it->get<std::string>();
}

Result<std::string> optional_string_argument(const nlohmann::json& arguments, std::string_view name,
                                             std::string fallback) {
  if (!arguments.is_object()) return invalid_argument("arguments must be a JSON object");
  auto it = arguments.find(name);
  if (it == arguments.end() || it->is_null()) return fallback;
  if (!it->is_string()) return invalid_argument("argument '", name, "' must be a string");
  return it->get<std::string>();
}

Result<int64_t> optional_int_argument(const nlohmann::json& arguments, std::string_view name, int64_t fallback) {
  if (!arguments.is_object()) return invalid_argument("arguments must be a JSON object");
  auto it = arguments.find(name);
  if (it == arguments.end() || it->is_null()) return fallback;
  // Models write 5000.0 for integers now and then; accept whole numbers.
  if (it->is_number_float()) {
    const double value = it->get<double>();
    if (value != static_cast<double>(static_cast<int64_t>(value)))
      return invalid_argument("argument '", name, "' must be an integer");
    return static_cast<int64_t>(value);
  }
  if (!it->is_number_integer()) return invalid_argument("argument '", name, "' must be an integer");
  return it->get<int64_t>();
}

Result<bool> optional_bool_argument(const nlohmann::json& arguments, std::string_view name, bool fallback) {
  if (!arguments.is_object()) return invalid_argument("arguments must be a JSON object");
  auto it = arguments.find(name);
  if (it == arguments.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) return invalid_argument("argument '", name, "' must be a boolean");
  return it->get<bool>();
}

}  // namespace loom::agent
