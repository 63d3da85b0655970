// Path resolution and confinement for the file tools.
#include "agent/workspace.h"

namespace loom::agent {

namespace fs = std::filesystem;

Result<Workspace> Workspace::open(const fs::path& root, SandboxMode mode) {
  std::error_code error;
  fs::path canonical = fs::canonical(root, error);
  if (error) return not_found("workspace ", root.string(), ": ", error.message());
  if (!fs::is_directory(canonical, error)) return invalid_argument("workspace ", root.string(), " is not a directory");
  return Workspace(std::move(canonical), mode);
}

bool Workspace::contains(const fs::path& canonical_path) const {
  auto root_it = root_.begin();
  auto path_it = canonical_path.begin();
  for (; root_it != root_.end(); ++root_it, ++path_it) {
    if (path_it == canonical_path.end() || *path_it != *root_it) return false;
  }
  return true;
}

Result<fs::path> Workspace::resolve(std::string_view path, PathAccess access) const {
  if (path.empty()) return invalid_argument("empty path");
  if (path.find('\0') != std::string_view::npos) return invalid_argument("path contains a NUL byte");
  if (access == PathAccess::kWrite && mode_ == SandboxMode::kReadOnly)
    return permission_denied("writing ", path, " is not allowed in read-only sandbox mode");
  fs::path joined = fs::path(path).is_absolute() ? fs::path(path) : root_ / path;
  // weakly_canonical resolves every symlink on the existing prefix, so a link
  // inside the workspace that points out of it is caught here.
  std::error_code error;
  fs::path canonical = fs::weakly_canonical(joined.lexically_normal(), error);
  if (error) return invalid_argument("cannot resolve path ", path, ": ", error.message());
  if (mode_ != SandboxMode::kFullAccess && !contains(canonical))
    return permission_denied("path ", path, " is outside the workspace ", root_.string(), " (sandbox mode ",
                             sandbox_mode_name(mode_), ")");
  return canonical;
}

std::string Workspace::display(const fs::path& path) const {
  if (!contains(path)) return path.string();
  fs::path relative = path.lexically_relative(root_);
  return relative.empty() || relative == "." ? std::string(".") : relative.string();
}

}  // namespace loom::agent
