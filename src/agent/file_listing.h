// The files a search covers: in a git work tree, what git itself would show
// (tracked plus untracked, minus .gitignore'd); elsewhere a directory walk
// that applies the workspace's top-level .gitignore.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace loom::agent {

// Regular files under `directory` (canonical), sorted.
Result<std::vector<std::filesystem::path>> list_files(const std::filesystem::path& workspace_root,
                                                      const std::filesystem::path& directory);

// One .gitignore file's rules (no negation); paths are relative to its folder.
class GitIgnore {
 public:
  static GitIgnore parse(std::string_view text);
  bool ignored(std::string_view relative_path, bool is_directory) const;

 private:
  struct Rule {
    std::string pattern;
    bool anchored = false;        // contained a '/' before its end: matches from the root only
    bool directory_only = false;  // ended in '/'
  };
  std::vector<Rule> rules_;
};

}  // namespace loom::agent
