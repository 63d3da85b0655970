// The apply_patch format (as Codex uses it): parse "*** Begin Patch" ...
// "*** End Patch" text into typed file operations. Applying is patch_apply.h.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace loom::agent {

// One "@@" hunk of an Update File operation.
struct PatchChunk {
  // "@@ <line>" headers, each located in turn (after the previous match) to
  // narrow down where old_lines sit; "@@" alone adds none.
  std::vector<std::string> contexts;
  std::vector<std::string> old_lines;  // ' ' and '-' lines
  std::vector<std::string> new_lines;  // ' ' and '+' lines
  bool end_of_file = false;            // "*** End of File": old_lines end the file
};

enum class PatchOpKind { kAdd, kDelete, kUpdate };

struct PatchOp {
  PatchOpKind kind = PatchOpKind::kAdd;
  std::string path;
  std::string move_to;               // kUpdate with "*** Move to:", else empty
  std::string contents;              // kAdd: the new file, every line ending in '\n'
  std::vector<PatchChunk> chunks;    // kUpdate
};

struct Patch {
  std::vector<PatchOp> ops;
};

// Parses the whole patch or fails with a message naming the line. Lenient as
// Codex is: markers may carry surrounding whitespace, a heredoc wrapper
// (<<'EOF' ... EOF) is stripped, blank lines between hunks are skipped, and
// the first hunk of an update may omit its "@@". A patch without operations
// is an error.
Result<Patch> parse_patch(std::string_view text);

// Every path the patch touches, move destinations included, in patch order.
std::vector<std::string> patch_paths(const Patch& patch);

}  // namespace loom::agent
