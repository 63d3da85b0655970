// Shared engine options of the command line.
#include "cli/engine_options.h"

#include <cstdio>
#include <cstdlib>

#include "cli/checks.h"
#include "kernels/kernels.h"

namespace loom::cli {

void add_engine_options(CLI::App& command, EngineOptions& options) {
  command.add_option("--threads,-t", options.threads, "Compute threads (default: one per core)")
      ->check(kNonNegative);
  command.add_option("--isa", options.isa,
                     "Kernel instruction set: scalar, avx2 or avx512 (default: best this CPU runs; env LOOM_ISA)");
  command.add_option("--kv-type", options.kv_type, "KV cache element type: f16 or f32")
      ->capture_default_str();
  command.add_option("--ctx,-c", options.context, "Context length in tokens (default: what the command needs)")
      ->check(kNonNegative);
}

Status apply_engine_options(const EngineOptions& options) {
  std::string name = options.isa;
  if (name.empty()) {
    if (const char* env = std::getenv("LOOM_ISA"); env != nullptr && *env != '\0') name = env;
  }
  if (name.empty()) return {};
  const Isa isa = TRY(parse_isa(name));
  if (!isa_supported(isa)) {
    return failed_precondition("this CPU cannot run ", isa_name(isa), " kernels (it supports ",
                               cpu_description(), ")");
  }
  return kernels::select_isa(isa);
}

Result<tensor::DType> kv_cache_type(const EngineOptions& options) {
  if (options.kv_type == "f16") return tensor::DType::kF16;
  if (options.kv_type == "f32") return tensor::DType::kF32;
  return invalid_argument("--kv-type must be f16 or f32, not '", options.kv_type, "'");
}

int report_error(const Status& status) {
  std::fprintf(stderr, "loom: %s\n", status.message().c_str());
  return 1;
}

}  // namespace loom::cli
