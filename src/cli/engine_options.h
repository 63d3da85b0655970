// Options shared by every command that runs a model (--threads, --isa,
// --kv-type, --ctx), and the one place that applies them.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "base/status.h"
#include "tensor/dtype.h"

namespace loom::cli {

struct EngineOptions {
  int threads = 0;            // 0: one per core
  std::string isa;            // empty: best supported (or LOOM_ISA)
  std::string kv_type = "f16";
  int64_t context = 0;        // 0: command default
};

void add_engine_options(CLI::App& command, EngineOptions& options);

// Selects the instruction set (--isa, else LOOM_ISA, else the best) and parses
// the KV cache type.
Status apply_engine_options(const EngineOptions& options);
Result<tensor::DType> kv_cache_type(const EngineOptions& options);

// Prints "loom: <message>" to stderr and returns exit code 1.
int report_error(const Status& status);

}  // namespace loom::cli
