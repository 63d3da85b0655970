// Sandbox for the commands the agent runs: bubblewrap (bwrap) mount, PID and
// network namespaces per command. File tools enforce the same modes in-process
// (see workspace.h).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "agent/process.h"
#include "base/status.h"

namespace loom::agent {

enum class SandboxMode {
  kReadOnly,        // whole filesystem read-only, private /tmp, no network
  kWorkspaceWrite,  // as read-only, but the workspace is writable
  kFullAccess,      // no sandbox at all
};

std::string_view sandbox_mode_name(SandboxMode mode);  // "read-only", "workspace-write", "full-access"
Result<SandboxMode> parse_sandbox_mode(std::string_view name);

struct SandboxPolicy {
  SandboxMode mode = SandboxMode::kWorkspaceWrite;
  std::filesystem::path workspace{};  // absolute, canonical
  // The user's home directory, hidden behind an empty tmpfs with its secret
  // folders (.ssh, .gnupg, .aws) made unreadable. Empty: none beyond /root and /home.
  std::filesystem::path home{};
};

// The argv that runs `command` (with working directory `cwd`, inside the
// workspace) under `policy`: bwrap ... -- command, or `command` unchanged in
// full-access mode.
std::vector<std::string> sandboxed_argv(const SandboxPolicy& policy, const std::filesystem::path& cwd,
                                        const std::vector<std::string>& command);

// OK when bwrap is installed and can create the namespaces sandboxed_argv
// asks for on this machine; checked once per process. Callers fail closed on
// an error: a sandboxed mode never falls back to running unsandboxed.
Status check_sandbox_available();

// Heuristic: did the sandbox (rather than the command's own logic) most likely
// cause this failure? Used to tell the model it may ask for escalation.
bool looks_like_sandbox_denial(SandboxMode mode, const ProcessResult& result);

}  // namespace loom::agent
