// git ls-files, or a walk with .gitignore rules when there is no git.
#include "agent/file_listing.h"

#include <fnmatch.h>

#include <algorithm>

#include "agent/file_io.h"
#include "agent/process.h"

namespace loom::agent {

namespace fs = std::filesystem;

GitIgnore GitIgnore::parse(std::string_view text) {
  GitIgnore ignore;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    std::string line(text.substr(0, newline));
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (line.empty() || line[0] == '#' || line[0] == '!') continue;  // negation is not supported
    Rule rule;
    if (line.back() == '/') {
      rule.directory_only = true;
      line.pop_back();
    }
    rule.anchored = line.find('/') != std::string::npos;
    if (!line.empty() && line[0] == '/') line.erase(0, 1);
    if (line.empty()) continue;
    rule.pattern = std::move(line);
    ignore.rules_.push_back(std::move(rule));
  }
  return ignore;
}

bool GitIgnore::ignored(std::string_view relative_path, bool is_directory) const {
  const std::string path(relative_path);
  const size_t slash = path.rfind('/');
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  for (const Rule& rule : rules_) {
    if (rule.directory_only && !is_directory) continue;
    // Unanchored patterns match the name at any depth; anchored ones the whole path.
    const std::string& subject = rule.anchored ? path : name;
    if (::fnmatch(rule.pattern.c_str(), subject.c_str(), rule.anchored ? FNM_PATHNAME : 0) == 0) return true;
  }
  return false;
}

namespace {

// nullopt when `directory` is not in a git work tree (or git is missing).
std::optional<std::vector<fs::path>> git_files(const fs::path& directory) {
  ProcessOptions options{.argv = {"git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"},
                         .working_directory = directory.string(),
                         .timeout = std::chrono::milliseconds(20'000),
                         .output_cap = size_t{256} << 20};
  Result<ProcessResult> listed = run_process(options);
  if (!listed.ok() || listed->exit_code != 0) return std::nullopt;
  std::vector<fs::path> files;
  std::string_view rest = listed->stdout_text;
  while (!rest.empty()) {
    const size_t end = rest.find('\0');
    const std::string_view name = rest.substr(0, end);
    if (!name.empty()) {
      std::error_code error;
      fs::path path = directory / name;
      if (fs::is_regular_file(fs::symlink_status(path, error))) files.push_back(std::move(path));
    }
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return files;
}

std::vector<fs::path> walk_files(const fs::path& root, const fs::path& directory) {
  GitIgnore ignore;
  if (Result<std::string> text = read_file_bytes(root / ".gitignore"); text.ok()) ignore = GitIgnore::parse(*text);
  std::vector<fs::path> files;
  std::error_code error;
  for (fs::recursive_directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
    const fs::path& path = it->path();
    const bool is_directory = it->is_directory(error) && !it->is_symlink(error);
    const std::string relative = path.lexically_relative(root).string();
    if (path.filename() == ".git" || ignore.ignored(relative, is_directory)) {
      if (is_directory) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(error) && !it->is_symlink(error)) files.push_back(path);
  }
  return files;
}

}  // namespace

Result<std::vector<fs::path>> list_files(const fs::path& workspace_root, const fs::path& directory) {
  std::error_code error;
  if (fs::is_regular_file(directory, error)) return std::vector<fs::path>{directory};
  if (!fs::is_directory(directory, error)) return not_found(directory.string(), " does not exist");
  std::optional<std::vector<fs::path>> files = git_files(directory);
  if (!files) files = walk_files(workspace_root, directory);
  std::sort(files->begin(), files->end());
  return std::move(*files);
}

}  // namespace loom::agent
