// Tool: what the model can call. A tool failure (bad arguments, missing file,
// patch that does not apply, denied command) is a ToolOutput with is_error
// that the model sees; a non-OK Status is a session failure the user sees.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/approval.h"
#include "agent/sandbox.h"
#include "agent/workspace.h"
#include "base/status.h"

namespace loom::agent {

enum class ToolFormat {
  kFunction,  // JSON arguments described by a JSON Schema
  kFreeform,  // raw text input (Responses API "custom" tools: apply_patch)
};

struct ToolSpec {
  std::string name{};
  std::string description{};
  nlohmann::json parameters{};  // JSON Schema of the arguments (kFunction)
  ToolFormat format = ToolFormat::kFunction;
  std::string grammar{};  // Lark grammar of the input (kFreeform), may be empty
};

// {"type":"function","function":{name, description, parameters}}: the Chat
// Completions shape; freeform tools are offered as a function taking {"input"}.
nlohmann::json chat_tool_json(const ToolSpec& spec);
// The Responses API shape: {"type":"function", name, description, strict,
// parameters}, or for freeform tools {"type":"custom", name, description,
// format: {type: grammar, syntax: lark, definition}} as Codex declares apply_patch.
nlohmann::json responses_tool_json(const ToolSpec& spec);

struct ToolCall {
  std::string call_id{};
  std::string name{};
  nlohmann::json arguments = nlohmann::json::object();  // kFunction calls
  std::string input{};                                  // kFreeform calls
};

struct ToolOutput {
  std::string text{};
  bool is_error = false;
  bool sandbox_denied = false;  // the sandbox or the approval policy refused

  static ToolOutput success(std::string text) { return {std::move(text), false, false}; }
  static ToolOutput failure(std::string text) { return {std::move(text), true, false}; }
  static ToolOutput denied(std::string text) { return {std::move(text), true, true}; }
};

// What a call touches, so the executor can run independent calls together.
// Paths are canonical; a path covers everything beneath it.
struct ToolAccess {
  std::vector<std::filesystem::path> reads{};
  std::vector<std::filesystem::path> writes{};
  std::vector<std::string> session_writes{};  // session state, e.g. "plan"
  bool exclusive = false;                   // runs alone, ordered with every other call
};

struct PlanStep {
  std::string step;
  std::string status;  // pending | in_progress | completed
};

struct ToolLimits {
  size_t output_cap_bytes = 32 * 1024;  // shell output and file reads
  std::chrono::milliseconds default_timeout{10'000};
  std::chrono::milliseconds max_timeout{600'000};
  std::chrono::milliseconds kill_grace{500};
  size_t max_search_results = 200;
  size_t max_list_entries = 500;
};

// Session state the tools share. Tools run on executor threads, so anything
// mutable here is guarded.
class ToolContext {
 public:
  ToolContext(Workspace workspace, ApprovalPolicy approval, Approver* approver)
      : workspace_(std::move(workspace)), approval_(approval), approver_(approver) {}

  const Workspace& workspace() const { return workspace_; }
  SandboxMode mode() const { return workspace_.mode(); }
  ApprovalPolicy approval_policy() const { return approval_; }
  Approver* approver() const { return approver_; }  // may be null: every ask is denied

  ToolLimits limits;
  // Environment for commands; empty: the process environment.
  std::map<std::string, std::string> environment;
  // Tools that always run alone (e.g. {"shell"} for a non-reentrant build).
  std::set<std::string> exclusive_tools;

  // The sandbox policy commands run under; HOME comes from `environment`.
  SandboxPolicy sandbox_policy(SandboxMode mode) const;

  std::vector<PlanStep> plan() const;
  void set_plan(std::vector<PlanStep> plan);

  bool approved_for_session(const std::string& command) const;
  void approve_for_session(const std::string& command);

 private:
  Workspace workspace_;
  ApprovalPolicy approval_;
  Approver* approver_;
  mutable std::mutex mutex_;
  std::vector<PlanStep> plan_;
  std::set<std::string> session_approvals_;
};

class Tool {
 public:
  virtual ~Tool() = default;
  virtual const ToolSpec& spec() const = 0;
  // Paths the call would read or write. Arguments that fail to parse give an
  // empty access; run() then reports them.
  virtual ToolAccess access(const ToolCall& call, const ToolContext& context) const = 0;
  virtual Result<ToolOutput> run(const ToolCall& call, ToolContext& context) const = 0;
};

class ToolRegistry {
 public:
  void add(std::unique_ptr<Tool> tool);
  const Tool* find(std::string_view name) const;
  std::vector<const ToolSpec*> specs() const;
  std::vector<std::string> names() const;

 private:
  std::vector<std::unique_ptr<Tool>> tools_;
};

// Every built-in tool, in the order they are offered: shell, read_file,
// write_file, apply_patch, search, list_dir, update_plan, calculator.
const std::vector<std::string>& all_tool_names();
// The tools offered when none are chosen: all but calculator.
const std::vector<std::string>& default_tool_names();
// A registry with exactly `names`, in that order. An unknown or repeated name
// is InvalidArgument naming the known tools.
Result<ToolRegistry> make_tool_registry(const std::vector<std::string>& names);
// "shell,calculator" -> {"shell", "calculator"}; spaces around names ignored.
// Checked as make_tool_registry checks.
Result<std::vector<std::string>> parse_tool_list(std::string_view list);
// make_tool_registry(default_tool_names()).
ToolRegistry default_tool_registry();

// Argument helpers: a missing or mistyped argument is a tool failure, so these
// return InvalidArgument with a message meant for the model.
Result<std::string> string_argument(const nlohmann::json& arguments, std::string_view name);
Result<std::string> optional_string_argument(const nlohmann::json& arguments, std::string_view name,
                                             std::string fallback);
Result<int64_t> optional_int_argument(const nlohmann::json& arguments, std::string_view name, int64_t fallback);
Result<bool> optional_bool_argument(const nlohmann::json& arguments, std::string_view name, bool fallback);

}  // namespace loom::agent
