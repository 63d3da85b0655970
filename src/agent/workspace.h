// Workspace: the directory the agent works in, and the one place that turns a
// path argument from the model into a real path under the sandbox mode's rules.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "agent/sandbox.h"
#include "base/status.h"

namespace loom::agent {

enum class PathAccess { kRead, kWrite };

class Workspace {
 public:
  // `root` must exist; it is canonicalized (symlinks resolved).
  static Result<Workspace> open(const std::filesystem::path& root, SandboxMode mode);

  const std::filesystem::path& root() const { return root_; }
  SandboxMode mode() const { return mode_; }

  // Resolves `path` (relative to the root, or absolute) to a canonical path.
  // In read-only and workspace-write modes a path that leaves the workspace,
  // lexically (..) or through a symlink, is refused (kPermissionDenied), and
  // writes are refused altogether in read-only mode. full-access allows all.
  Result<std::filesystem::path> resolve(std::string_view path, PathAccess access) const;

  // The path relative to the root when inside it ("src/a.cc"), else absolute.
  std::string display(const std::filesystem::path& path) const;

  bool contains(const std::filesystem::path& canonical_path) const;

 private:
  Workspace(std::filesystem::path root, SandboxMode mode) : root_(std::move(root)), mode_(mode) {}
  std::filesystem::path root_;
  SandboxMode mode_;
};

}  // namespace loom::agent
