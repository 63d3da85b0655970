// bubblewrap command lines for the sandbox modes, and the one-time probe.
#include "agent/sandbox.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace loom::agent {

namespace fs = std::filesystem;

std::string_view sandbox_mode_name(SandboxMode mode) {
  switch (mode) {
    case SandboxMode::kReadOnly: return "read-only";
    case SandboxMode::kWorkspaceWrite: return "workspace-write";
    case SandboxMode::kFullAccess: return "full-access";
  }
  return "unknown";
}

Result<SandboxMode> parse_sandbox_mode(std::string_view name) {
  for (SandboxMode mode : {SandboxMode::kReadOnly, SandboxMode::kWorkspaceWrite, SandboxMode::kFullAccess})
    if (name == sandbox_mode_name(mode)) return mode;
  return invalid_argument("unknown sandbox mode '", name,
                          "' (expected read-only, workspace-write or full-access)");
}

namespace {

// The options every sandboxed command shares. As real root, bwrap keeps all
// capabilities unless told otherwise, and a process with CAP_SYS_ADMIN could
// simply remount / read-write: dropping them is what makes read-only binding
// mean anything.
std::vector<std::string> base_options() {
  std::vector<std::string> args = {"bwrap", "--die-with-parent", "--unshare-pid", "--unshare-net",
                                   "--unshare-ipc"};
  if (::geteuid() == 0) {
    args.push_back("--cap-drop");
    args.push_back("ALL");
  }
  return args;
}

bool is_existing_directory(const fs::path& path) {
  std::error_code error;
  return fs::is_directory(path, error);
}

}  // namespace

std::vector<std::string> sandboxed_argv(const SandboxPolicy& policy, const fs::path& cwd,
                                        const std::vector<std::string>& command) {
  if (policy.mode == SandboxMode::kFullAccess) return command;
  std::vector<std::string> args = base_options();
  auto add = [&](std::initializer_list<std::string> more) { args.insert(args.end(), more); };
  add({"--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"});

  // Hide home directories behind empty tmpfs mounts (the workspace is bound
  // back afterwards when it lives under one of them), and make the usual
  // secret folders unreadable so an attempt is reported as "Permission denied".
  std::vector<fs::path> homes = {"/root", "/home"};
  if (!policy.home.empty() && policy.home != "/") homes.push_back(policy.home);
  std::vector<fs::path> hidden;
  for (const fs::path& home : homes) {
    if (!is_existing_directory(home) || std::find(hidden.begin(), hidden.end(), home) != hidden.end()) continue;
    add({"--tmpfs", home.string()});
    hidden.push_back(home);
  }
  std::vector<fs::path> secrets;
  for (const fs::path& home : {fs::path("/root"), policy.home}) {
    if (home.empty() || home == "/" || !is_existing_directory(home)) continue;
    for (const char* secret : {".ssh", ".gnupg", ".aws"}) {
      add({"--perms", "0000", "--dir", (home / secret).string()});
      secrets.push_back(home / secret);
    }
  }

  const std::string workspace = policy.workspace.string();
  if (policy.mode == SandboxMode::kWorkspaceWrite) {
    add({"--bind", workspace, workspace});
  } else {
    add({"--ro-bind", workspace, workspace});
  }
  // A workspace that is (or contains) the home directory brings the secrets
  // back with it: cover them again. Only existing ones, since creating a
  // mount point would create a real directory in the workspace.
  const std::string workspace_prefix = workspace + "/";
  for (const fs::path& secret : secrets)
    if (secret.string().starts_with(workspace_prefix) && is_existing_directory(secret))
      add({"--perms", "0000", "--tmpfs", secret.string()});
  add({"--chdir", cwd.string(), "--"});
  args.insert(args.end(), command.begin(), command.end());
  return args;
}

Status check_sandbox_available() {
  static std::once_flag once;
  static Status status;
  std::call_once(once, [] {
    std::vector<std::string> args = base_options();
    for (const char* arg : {"--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
                            "--", "true"})
      args.push_back(arg);
    ProcessOptions options{.argv = args, .timeout = std::chrono::milliseconds(10'000)};
    Result<ProcessResult> probe = run_process(options);
    if (!probe.ok()) {
      status = failed_precondition(
          "sandbox unavailable: bubblewrap (bwrap) is not installed (Debian package bubblewrap): ",
          probe.status().message(), "; install it or choose --sandbox full-access");
    } else if (probe->exit_code != 0) {
      status = failed_precondition(
          "sandbox unavailable: bwrap cannot create namespaces here (", probe->combined,
          "); run as root, or allow unprivileged user namespaces (sysctl "
          "kernel.unprivileged_userns_clone=1 / user.max_user_namespaces), or choose --sandbox full-access");
    }
  });
  return status;
}

bool looks_like_sandbox_denial(SandboxMode mode, const ProcessResult& result) {
  if (mode == SandboxMode::kFullAccess) return false;
  if (result.exit_code == 0 || result.timed_out) return false;
  std::string text = result.combined;
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  static const char* const kFileDenials[] = {"permission denied", "read-only file system",
                                             "operation not permitted"};
  // The network namespace has only a loopback device with nothing listening.
  static const char* const kNetworkDenials[] = {"network is unreachable", "connection refused",
                                                "could not resolve host", "temporary failure in name resolution",
                                                "name or service not known"};
  for (const char* needle : kFileDenials)
    if (text.find(needle) != std::string::npos) return true;
  for (const char* needle : kNetworkDenials)
    if (text.find(needle) != std::string::npos) return true;
  return false;
}

}  // namespace loom::agent
