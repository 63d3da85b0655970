// Lookup of the bundled model file.
#include "inprocess/bundled_model.h"

#include <cstdlib>
#include <system_error>
#include <vector>

namespace loom::inprocess {

std::optional<std::filesystem::path> find_bundled_model() {
  namespace fs = std::filesystem;
  std::vector<fs::path> directories;
  if (const char* dir = std::getenv("LOOM_MODELS_DIR"); dir != nullptr && *dir != '\0') directories.emplace_back(dir);
  std::error_code error;
  const fs::path executable = fs::read_symlink("/proc/self/exe", error);
  if (!error) {
    const fs::path bin = executable.parent_path();
    directories.push_back(bin.parent_path().parent_path().parent_path() / "models");  // build/dev/bin -> source root
    directories.push_back(bin.parent_path() / "share" / "loom" / "models");
  }
  directories.emplace_back("models");
  for (const fs::path& directory : directories) {
    const fs::path candidate = directory / kBundledModelFile;
    if (fs::is_regular_file(candidate, error)) return candidate;
  }
  return std::nullopt;
}

}  // namespace loom::inprocess
