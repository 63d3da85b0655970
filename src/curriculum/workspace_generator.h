// GeneratedWorkspace: the small set of files a curriculum task asks about
// (word files, key=value configuration files, one-line notes, a few folders),
// held in memory and written to disk for the agent to work on.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/status.h"
#include "curriculum/random.h"

namespace loom::curriculum {

enum class FileKind { kText, kConfig, kNote };

struct GeneratedFile {
  std::string path;  // relative, '/'-separated: "notes.txt", "logs/app.log"
  std::string content;
  FileKind kind = FileKind::kText;
};

struct GeneratedWorkspace {
  std::vector<GeneratedFile> files;
  std::vector<std::string> folders;  // relative, one level deep

  const GeneratedFile* find(const std::string& path) const;
  // Names directly inside `folder`, sorted bytewise (what `ls` prints; names
  // in one folder start with distinct letters, so every locale agrees).
  std::vector<std::string> list(const std::string& folder) const;
};

GeneratedWorkspace generate_workspace(Rng& rng);

// Creates the folders and files under `root`, which must exist.
Status write_workspace(const GeneratedWorkspace& workspace, const std::filesystem::path& root);

// Words used for file contents and names (also the curriculum's prose).
const std::vector<std::string>& content_words();

}  // namespace loom::curriculum
