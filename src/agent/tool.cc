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

std::vector<const ToolSpec*> ToolRegistry::specs() const {
  std::vector<const ToolSpec*> result;
  for (const auto& tool : tools_) result.push_back(&tool->spec());
  return result;
}

ToolRegistry default_tool_registry() {
  ToolRegistry registry;
  registry.add(make_shell_tool());
  registry.add(make_read_file_tool());
  registry.add(make_write_file_tool());
  registry.add(make_apply_patch_tool());
  registry.add(make_search_tool());
  registry.add(make_list_dir_tool());
  registry.add(make_update_plan_tool());
  return registry;
}

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
