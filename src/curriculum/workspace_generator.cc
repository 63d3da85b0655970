// Random workspaces for curriculum tasks (see workspace_generator.h).
#include "curriculum/workspace_generator.h"

#include <algorithm>
#include <fstream>
#include <set>

namespace loom::curriculum {
namespace {

const std::vector<std::string>& text_stems() {
  static const std::vector<std::string> kStems = {
      "agenda", "backup", "changes", "diary", "errors", "facts", "guide", "history", "ideas", "journal",
      "keys", "letters", "memo", "notes", "orders", "plan", "quotes", "recipes", "songs", "tasks",
      "users", "visits", "words", "poems", "lessons", "events", "names", "report", "summary", "todo"};
  return kStems;
}

const std::vector<std::string>& text_extensions() {
  static const std::vector<std::string> kExtensions = {"txt", "md", "log", "csv"};
  return kExtensions;
}

const std::vector<std::string>& config_stems() {
  static const std::vector<std::string> kStems = {"config", "settings", "app", "server", "client", "build", "deploy", "env"};
  return kStems;
}

const std::vector<std::string>& config_extensions() {
  static const std::vector<std::string> kExtensions = {"ini", "conf", "cfg"};
  return kExtensions;
}

const std::vector<std::string>& note_stems() {
  static const std::vector<std::string> kStems = {"motd", "status", "message", "owner", "welcome", "reminder", "hint"};
  return kStems;
}

const std::vector<std::string>& folder_names() {
  static const std::vector<std::string> kNames = {"data", "logs", "docs", "archive", "input", "output", "reports", "music"};
  return kNames;
}

// No key ends with another, so `grep KEY= FILE` matches exactly one line.
const std::vector<std::string>& config_keys() {
  static const std::vector<std::string> kKeys = {"port", "host", "user", "timeout", "retries", "version", "level",
                                                 "mode", "limit", "color", "region", "threads", "cache", "budget",
                                                 "speed", "depth", "width", "height", "owner", "language"};
  return kKeys;
}

const std::vector<std::string>& word_values() {
  static const std::vector<std::string> kValues = {"alpha", "beta", "gamma", "delta", "north", "south", "east", "west",
                                                   "red", "blue", "green", "amber", "fast", "slow", "debug", "quiet",
                                                   "local", "remote", "alice", "bob", "carol", "dave", "english", "french"};
  return kValues;
}

std::string random_line(Rng& rng, int64_t min_words, int64_t max_words) {
  const int64_t count = rng.between(min_words, max_words);
  std::string line;
  for (int64_t word = 0; word < count; ++word) line += (word ? " " : "") + rng.pick(content_words());
  return line;
}

std::string text_content(Rng& rng) {
  const int64_t lines = rng.between(1, 20);
  std::string content;
  for (int64_t line = 0; line < lines; ++line) content += random_line(rng, 1, 8) + "\n";
  return content;
}

std::string config_content(Rng& rng) {
  const std::vector<size_t> keys = rng.distinct(config_keys().size(), rng.between(3, 7));
  std::string content;
  for (size_t key : keys) {
    const std::string value = rng.chance(2, 3) ? std::to_string(rng.between(1, 9999)) : rng.pick(word_values());
    content += config_keys()[key] + "=" + value + "\n";
  }
  return content;
}

// Picks a name whose first letter no other entry of the folder has.
std::string unique_name(Rng& rng, const std::vector<std::string>& stems, const std::vector<std::string>& extensions,
                        std::set<char>& used_letters) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::string& stem = rng.pick(stems);
    if (used_letters.contains(stem[0])) continue;
    used_letters.insert(stem[0]);
    return extensions.empty() ? stem : stem + "." + rng.pick(extensions);
  }
  return {};
}

void add_file(GeneratedWorkspace& workspace, const std::string& folder, FileKind kind, Rng& rng,
              std::set<char>& used_letters) {
  std::string name;
  std::string content;
  switch (kind) {
    case FileKind::kText:
      name = unique_name(rng, text_stems(), text_extensions(), used_letters);
      content = text_content(rng);
      break;
    case FileKind::kConfig:
      name = unique_name(rng, config_stems(), config_extensions(), used_letters);
      content = config_content(rng);
      break;
    case FileKind::kNote:
      name = unique_name(rng, note_stems(), {"txt"}, used_letters);
      content = random_line(rng, 3, 7) + "\n";
      break;
  }
  if (name.empty()) return;
  workspace.files.push_back({folder.empty() ? name : folder + "/" + name, std::move(content), kind});
}

}  // namespace

const std::vector<std::string>& content_words() {
  static const std::vector<std::string> kWords = {
      "apple", "river", "stone", "cloud", "paper", "light", "green", "quick", "house", "music", "table", "water",
      "bread", "train", "garden", "window", "silver", "orange", "winter", "summer", "forest", "bridge", "candle",
      "market", "pencil", "rocket", "shadow", "thunder", "valley", "yellow", "the", "a", "of", "and", "to", "in",
      "is", "was", "on", "with", "for", "we", "they", "it", "red", "blue", "small", "big", "old", "new", "cold",
      "warm", "soft", "loud", "calm", "dark", "bright", "happy", "early", "late", "seven", "three", "many", "few",
      "walks", "reads", "sings", "builds", "opens", "moves", "waits", "grows", "falls", "shines", "runs", "sleeps"};
  return kWords;
}

const GeneratedFile* GeneratedWorkspace::find(const std::string& path) const {
  for (const GeneratedFile& file : files)
    if (file.path == path) return &file;
  return nullptr;
}

std::vector<std::string> GeneratedWorkspace::list(const std::string& folder) const {
  std::vector<std::string> names;
  const std::string prefix = folder.empty() ? "" : folder + "/";
  for (const GeneratedFile& file : files) {
    if (!file.path.starts_with(prefix)) continue;
    const std::string rest = file.path.substr(prefix.size());
    if (rest.find('/') == std::string::npos) names.push_back(rest);
  }
  if (folder.empty()) names.insert(names.end(), folders.begin(), folders.end());
  std::sort(names.begin(), names.end());
  return names;
}

GeneratedWorkspace generate_workspace(Rng& rng) {
  GeneratedWorkspace workspace;
  std::set<char> root_letters;
  const std::vector<size_t> folders = rng.distinct(folder_names().size(), rng.between(1, 2));
  for (size_t folder : folders) {
    const std::string& name = folder_names()[folder];
    if (root_letters.contains(name[0])) continue;
    root_letters.insert(name[0]);
    workspace.folders.push_back(name);
  }
  const int64_t text_files = rng.between(2, 3);
  for (int64_t file = 0; file < text_files; ++file) add_file(workspace, "", FileKind::kText, rng, root_letters);
  add_file(workspace, "", FileKind::kConfig, rng, root_letters);
  if (rng.chance(2, 3)) add_file(workspace, "", FileKind::kNote, rng, root_letters);
  for (const std::string& folder : workspace.folders) {
    std::set<char> letters;
    const int64_t count = rng.between(2, 4);
    for (int64_t file = 0; file < count; ++file) {
      const FileKind kind = rng.chance(1, 5) ? FileKind::kConfig : rng.chance(1, 5) ? FileKind::kNote : FileKind::kText;
      add_file(workspace, folder, kind, rng, letters);
    }
  }
  return workspace;
}

Status write_workspace(const GeneratedWorkspace& workspace, const std::filesystem::path& root) {
  std::error_code error;
  for (const std::string& folder : workspace.folders) {
    std::filesystem::create_directories(root / folder, error);
    if (error) return internal_error("cannot create ", (root / folder).string(), ": ", error.message());
  }
  for (const GeneratedFile& file : workspace.files) {
    std::ofstream out(root / file.path, std::ios::binary);
    out << file.content;
    if (!out) return internal_error("cannot write ", (root / file.path).string());
  }
  return {};
}

}  // namespace loom::curriculum
