// The `shell` tool: one bash command per call, in the sandbox, after approval.
#include <cstdio>

#include "agent/process.h"
#include "agent/tools.h"

namespace loom::agent {

namespace {

constexpr const char* kDescription =
    "Runs a bash command (bash -c, not a login shell) and returns its exit code and combined "
    "stdout/stderr (long output keeps its head and tail). Runs in the sandbox: by default the "
    "workspace is writable, the rest of the filesystem read-only, /tmp private, the home directory "
    "hidden, and there is no network. Set sandbox_permissions to \"require_escalated\" with a "
    "justification to ask the user to run it without the sandbox.";

ToolSpec make_spec() {
  nlohmann::json parameters = {
      {"type", "object"},
      {"properties",
       {{"command", {{"type", "string"}, {"description", "The bash command line to run."}}},
        {"workdir",
         {{"type", "string"}, {"description", "Working directory, relative to the workspace root. Default: the root."}}},
        {"timeout_ms",
         {{"type", "integer"}, {"description", "Time limit in milliseconds (default 10000, at most 600000)."}}},
        {"sandbox_permissions",
         {{"type", "string"},
          {"enum", {"use_default", "require_escalated"}},
          {"description", "use_default, or require_escalated to ask to run outside the sandbox."}}},
        {"justification",
         {{"type", "string"}, {"description", "Why escalation is needed; shown to the user. Only with require_escalated."}}},
        {"exclusive",
         {{"type", "boolean"},
          {"description", "Run this command alone, after every earlier call of the turn and before every later one."}}}}},
      {"required", {"command"}},
      {"additionalProperties", false}};
  return {.name = "shell", .description = kDescription, .parameters = std::move(parameters)};
}

struct ShellArguments {
  std::string command;
  std::string workdir;
  int64_t timeout_ms;
  bool escalated;
  std::string justification;
};

Result<ShellArguments> parse_arguments(const nlohmann::json& arguments, const ToolLimits& limits) {
  ShellArguments parsed;
  parsed.command = TRY(string_argument(arguments, "command"));
  if (parsed.command.empty()) return invalid_argument("argument 'command' is empty");
  parsed.workdir = TRY(optional_string_argument(arguments, "workdir", "."));
  parsed.timeout_ms = TRY(optional_int_argument(arguments, "timeout_ms", limits.default_timeout.count()));
  if (parsed.timeout_ms <= 0) return invalid_argument("argument 'timeout_ms' must be positive");
  parsed.timeout_ms = std::min<int64_t>(parsed.timeout_ms, limits.max_timeout.count());
  const std::string permissions = TRY(optional_string_argument(arguments, "sandbox_permissions", "use_default"));
  if (permissions != "use_default" && permissions != "require_escalated")
    return invalid_argument("argument 'sandbox_permissions' must be use_default or require_escalated");
  parsed.escalated = permissions == "require_escalated";
  parsed.justification = TRY(optional_string_argument(arguments, "justification", ""));
  TRY(optional_bool_argument(arguments, "exclusive", false));
  return parsed;
}

std::string format_result(const ProcessResult& result, int64_t timeout_ms) {
  char wall[32];
  std::snprintf(wall, sizeof(wall), "%.1f", static_cast<double>(result.wall_time.count()) / 1000.0);
  std::string text;
  if (result.timed_out) {
    text += str_cat("Timed out after ", timeout_ms, " ms; the command and its process group were killed.\n");
  }
  if (result.signal != 0) {
    text += str_cat("Killed by signal ", result.signal, "\n");
  } else {
    text += str_cat("Exit code: ", result.exit_code, "\n");
  }
  text += str_cat("Wall time: ", wall, " seconds\n");
  text += "Output:\n" + result.combined;
  return text;
}

class ShellTool : public Tool {
 public:
  const ToolSpec& spec() const override { return spec_; }

  ToolAccess access(const ToolCall& call, const ToolContext& context) const override {
    ToolAccess access;
    Result<bool> exclusive = optional_bool_argument(call.arguments, "exclusive", false);
    access.exclusive = (exclusive.ok() && *exclusive) || context.exclusive_tools.contains(spec_.name);
    return access;
  }

  Result<ToolOutput> run(const ToolCall& call, ToolContext& context) const override {
    Result<ShellArguments> parsed = parse_arguments(call.arguments, context.limits);
    if (!parsed.ok()) return ToolOutput::failure(parsed.status().message());
    const ShellArguments& arguments = *parsed;
    Result<std::filesystem::path> cwd = context.workspace().resolve(arguments.workdir, PathAccess::kRead);
    if (!cwd.ok()) return ToolOutput::failure(cwd.status().message());
    std::error_code error;
    if (!std::filesystem::is_directory(*cwd, error))
      return ToolOutput::failure(str_cat("workdir ", arguments.workdir, " is not a directory"));

    // Escalating is meaningless when nothing is sandboxed.
    const bool escalated = arguments.escalated && context.mode() != SandboxMode::kFullAccess;
    ApprovalRequest request{.call_id = call.call_id,
                            .tool = spec_.name,
                            .command = arguments.command,
                            .workdir = context.workspace().display(*cwd),
                            .escalated = escalated,
                            .justification = arguments.justification};
    const std::optional<ToolOutput> refusal = TRY(check_approval(request, context));
    if (refusal) return *refusal;

    const SandboxMode mode = escalated ? SandboxMode::kFullAccess : context.mode();
    if (mode != SandboxMode::kFullAccess) TRY(check_sandbox_available());
    ProcessOptions options{
        .argv = sandboxed_argv(context.sandbox_policy(mode), *cwd, {"bash", "-c", arguments.command}),
        .working_directory = cwd->string(),
        .timeout = std::chrono::milliseconds(arguments.timeout_ms),
        .kill_grace = context.limits.kill_grace,
        .output_cap = context.limits.output_cap_bytes};
    if (!context.environment.empty()) options.environment = context.environment;
    const ProcessResult result = TRY(run_process(options));

    ToolOutput output = ToolOutput::success(format_result(result, arguments.timeout_ms));
    output.is_error = result.exit_code != 0;
    if (looks_like_sandbox_denial(mode, result)) {
      output.sandbox_denied = true;
      output.text += str_cat(
          "\n[sandbox] The command failed in sandbox mode ", sandbox_mode_name(mode),
          ", most likely denied by the sandbox (writes outside the workspace, the network and the home "
          "directory are blocked). If it truly needs more access, call shell again with sandbox_permissions "
          "\"require_escalated\" and a justification.\n");
    }
    return output;
  }

 private:
  // nullopt: go ahead. A ToolOutput: the refusal the model sees. An error:
  // the user aborted the session.
  static Result<std::optional<ToolOutput>> check_approval(const ApprovalRequest& request, ToolContext& context) {
    const ApprovalNeed need = approval_needed(context.approval_policy(), request);
    if (need == ApprovalNeed::kNone || context.approved_for_session(request.command)) return std::optional<ToolOutput>();
    if (need == ApprovalNeed::kDeny)
      return std::optional(ToolOutput::denied(str_cat(
          "Escalation denied: approval policy '", approval_policy_name(context.approval_policy()),
          "' never runs commands outside the sandbox (mode ", sandbox_mode_name(context.mode()),
          "). Run the command inside the sandbox or do without it.")));
    const ApprovalDecision decision =
        context.approver() != nullptr ? context.approver()->decide(request) : ApprovalDecision::kDenied;
    switch (decision) {
      case ApprovalDecision::kApproved:
        return std::optional<ToolOutput>();
      case ApprovalDecision::kApprovedForSession:
        context.approve_for_session(request.command);
        return std::optional<ToolOutput>();
      case ApprovalDecision::kDenied:
        return std::optional(ToolOutput::denied("The user denied running this command. Do not retry it; "
                                                "choose another approach or ask the user."));
      case ApprovalDecision::kAbort:
        break;
    }
    return Status(StatusCode::kCancelled, str_cat("the user aborted the session at command: ", request.command));
  }

  ToolSpec spec_ = make_spec();
};

}  // namespace

std::unique_ptr<Tool> make_shell_tool() { return std::make_unique<ShellTool>(); }

}  // namespace loom::agent
