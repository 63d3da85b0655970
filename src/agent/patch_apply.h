// Applying a parsed patch: locate each hunk (exact, then ignoring trailing
// whitespace, then ignoring surrounding whitespace, then with Unicode
// punctuation folded to ASCII), compute every file's new text in memory, and
// only then touch the disk, so a patch applies entirely or not at all.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/patch_parser.h"
#include "agent/workspace.h"
#include "base/status.h"

namespace loom::agent {

// The first index >= start where `pattern` matches `lines`, trying the four
// strictness levels in turn. With `end_of_file`, a match ending at the last
// line is preferred. An empty pattern matches at `start`.
std::optional<size_t> seek_sequence(const std::vector<std::string>& lines, const std::vector<std::string>& pattern,
                                    size_t start, bool end_of_file);

// The text of a file after applying `chunks`; the result always ends in a
// newline and keeps the file's CRLF line endings if it had them. `path` only
// names the file in error messages.
Result<std::string> apply_chunks(std::string_view original, const std::vector<PatchChunk>& chunks,
                                 std::string_view path);

struct PatchSummary {
  std::vector<std::string> added, modified, deleted;  // workspace-relative
  // "Success. Updated the following files:\nA x\nM y\nD z\n", as Codex prints.
  std::string text() const;
};

// Applies the whole patch inside `workspace` (paths resolved for writing), or
// nothing: errors name the file and the context or lines not found. If
// writing fails halfway, files already written are restored.
Result<PatchSummary> apply_patch(const Patch& patch, const Workspace& workspace);

}  // namespace loom::agent
