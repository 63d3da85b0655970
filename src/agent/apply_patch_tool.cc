// The `apply_patch` tool: a freeform tool whose input is the patch text.
#include "agent/patch_apply.h"
#include "agent/tools.h"

namespace loom::agent {

namespace {

// The grammar Codex offers with its freeform apply_patch tool.
constexpr const char* kGrammar = R"(start: begin_patch hunk+ end_patch
begin_patch: "*** Begin Patch" LF
end_patch: "*** End Patch" LF?

hunk: add_hunk | delete_hunk | update_hunk
add_hunk: "*** Add File: " filename LF add_line+
delete_hunk: "*** Delete File: " filename LF
update_hunk: "*** Update File: " filename LF change_move? change?

filename: /(.+)/
add_line: "+" /(.*)/ LF -> line

change_move: "*** Move to: " filename LF
change: (change_context | change_line)+ eof_line?
change_context: ("@@" | "@@ " /(.+)/) LF
change_line: ("+" | "-" | " ") /(.*)/ LF
eof_line: "*** End of File" LF

%import common.LF
)";

constexpr const char* kDescription =
    "Edits files with a patch. FREEFORM tool: the input is the patch text itself, not JSON.\n"
    "*** Begin Patch\n"
    "*** Add File: <path>        (then every line of the new file prefixed with +)\n"
    "*** Delete File: <path>\n"
    "*** Update File: <path>     (optionally followed by *** Move to: <new path>)\n"
    "@@ <optional line that locates the hunk, e.g. a function signature>\n"
    " context line (3 before and after each change)\n"
    "-removed line\n"
    "+added line\n"
    "*** End of File             (optional: the hunk ends the file)\n"
    "*** End Patch\n"
    "Paths are relative to the workspace. The patch applies entirely or not at all.";

// The patch text: the freeform input, or {"input": ...} for clients that only
// know function tools.
Result<std::string> patch_text(const ToolCall& call) {
  if (!call.input.empty()) return call.input;
  return string_argument(call.arguments, "input");
}

class ApplyPatchTool : public Tool {
 public:
  const ToolSpec& spec() const override { return spec_; }

  ToolAccess access(const ToolCall& call, const ToolContext& context) const override {
    ToolAccess access;
    Result<std::string> text = patch_text(call);
    if (!text.ok()) return access;
    Result<Patch> patch = parse_patch(*text);
    if (!patch.ok()) return access;
    for (const std::string& path : patch_paths(*patch)) {
      Result<std::filesystem::path> resolved = context.workspace().resolve(path, PathAccess::kWrite);
      if (resolved.ok()) access.writes.push_back(*resolved);
    }
    return access;
  }

  Result<ToolOutput> run(const ToolCall& call, ToolContext& context) const override {
    Result<std::string> text = patch_text(call);
    if (!text.ok()) return ToolOutput::failure(text.status().message());
    Result<Patch> patch = parse_patch(*text);
    if (!patch.ok()) return ToolOutput::failure(patch.status().message());
    Result<PatchSummary> summary = apply_patch(*patch, context.workspace());
    if (!summary.ok()) {
      ToolOutput output = ToolOutput::failure(str_cat("apply_patch failed, no file was changed: ",
                                                      summary.status().message()));
      output.sandbox_denied = summary.status().code() == StatusCode::kPermissionDenied;
      return output;
    }
    return ToolOutput::success(summary->text());
  }

 private:
  ToolSpec spec_{.name = "apply_patch",
                 .description = kDescription,
                 .parameters = nlohmann::json::object(),
                 .format = ToolFormat::kFreeform,
                 .grammar = kGrammar};
};

}  // namespace

std::unique_ptr<Tool> make_apply_patch_tool() { return std::make_unique<ApplyPatchTool>(); }

}  // namespace loom::agent
