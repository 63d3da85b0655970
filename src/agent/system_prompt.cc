// The agent's system prompt, assembled from the tools offered. With the
// default tools it reads as one paragraph about coding work.
#include "agent/system_prompt.h"

#include <algorithm>

#include "base/status.h"

namespace loom::agent {
namespace {

// "a", "a and b", "a, b, and c".
std::string enumerate(const std::vector<std::string>& parts) {
  std::string text;
  for (size_t index = 0; index < parts.size(); ++index) {
    if (index > 0) text += parts.size() == 2 ? " and " : index + 1 == parts.size() ? ", and " : ", ";
    text += parts[index];
  }
  return text;
}

}  // namespace

std::string build_system_prompt(const SystemPromptInputs& inputs) {
  const auto offered = [&](std::string_view name) {
    return std::find(inputs.tools.begin(), inputs.tools.end(), name) != inputs.tools.end();
  };
  std::vector<std::string> uses;
  if (offered("read_file")) uses.push_back("read code");
  if (offered("search")) uses.push_back("search");
  if (offered("apply_patch")) uses.push_back("edit files with apply_patch");
  else if (offered("write_file")) uses.push_back("edit files with write_file");
  if (offered("shell")) uses.push_back("run commands");
  if (offered("calculator")) uses.push_back("compute with calculator");
  const bool edits = offered("apply_patch") || offered("write_file");

  std::string prompt = str_cat("You are loom, a coding agent working in the repository at ", inputs.workspace.string(), ".");
  if (!uses.empty())
    prompt += str_cat(" Use the tools to ", enumerate(uses), "; independent tool calls in one turn run in parallel.");
  if (offered("update_plan")) prompt += " Keep a plan with update_plan for multi-step work.";
  if (edits && offered("shell")) prompt += " Verify changes by running the project's tests.";
  prompt += edits ? " When the task is done, answer without calling tools, with a short summary of what you changed."
                  : " When the task is done, answer without calling tools, with the result.";
  prompt += str_cat("\nSandbox: ", sandbox_mode_name(inputs.sandbox), "; approval policy: ",
                    approval_policy_name(inputs.approval), ".");
  return prompt;
}

}  // namespace loom::agent
