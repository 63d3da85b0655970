// Whole-file reads and writes for the file tools and the patcher, with errors
// as Status (errno text) rather than stream state.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace loom::agent {

Result<std::string> read_file_bytes(const std::filesystem::path& path);

// Replaces the file's contents in place (keeping its mode and hard links).
Status write_file_bytes(const std::filesystem::path& path, std::string_view contents);

// Creates the missing parents of `path`; appends each directory it created,
// outermost first, so a failed operation can remove them again.
Status create_parent_directories(const std::filesystem::path& path, std::vector<std::filesystem::path>* created);

}  // namespace loom::agent
