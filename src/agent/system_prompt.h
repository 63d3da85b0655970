// The system prompt the agent sends: what loom is, where it works, what its
// tools are for, and the sandbox it runs in. One function, so that whatever
// renders agent conversations elsewhere (training corpora, evaluation) sends
// exactly the text the agent sends.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "agent/approval.h"
#include "agent/sandbox.h"

namespace loom::agent {

struct SystemPromptInputs {
  std::filesystem::path workspace{};
  SandboxMode sandbox = SandboxMode::kWorkspaceWrite;
  ApprovalPolicy approval = ApprovalPolicy::kOnRequest;
  std::vector<std::string> tools{};  // the names offered, e.g. ToolRegistry::names()
};

// Mentions only the tools offered (shell and calculator alone give a prompt
// without editing or plans).
std::string build_system_prompt(const SystemPromptInputs& inputs);

}  // namespace loom::agent
