// Where the model that ships with loom is found, so that `loom agent "task"`
// works without naming one.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

namespace loom::inprocess {

// The bundled model's file name inside a models/ directory.
inline constexpr std::string_view kBundledModelFile = "loom-agent.gguf";

// The first existing file among: $LOOM_MODELS_DIR/<file>; models/<file> in the
// source tree the running binary was built in (build/<preset>/bin/loom) or
// installed beside (bin/../share/loom/models); ./models/<file>. None: nullopt.
std::optional<std::filesystem::path> find_bundled_model();

}  // namespace loom::inprocess
