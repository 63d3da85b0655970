// Executor: runs the tool calls of one model turn, independent calls at the
// same time, conflicting ones in call order; results come back in call order.
#pragma once

#include <vector>

#include "agent/tool.h"
#include "base/status.h"

namespace loom::agent {

struct ExecutorOptions {
  int max_parallel = 4;  // worker threads per turn
};

// Two calls conflict, and run in call order, when either is exclusive, when
// one writes a path the other reads or writes (a path covers everything
// beneath it, so list_dir/search of a folder conflict with writes inside
// it), or when both write the same session state (update_plan). Everything
// else, shell commands included, runs in parallel.
bool calls_conflict(const ToolAccess& earlier, const ToolAccess& later);

class Executor {
 public:
  Executor(const ToolRegistry& registry, ToolContext& context, ExecutorOptions options = {})
      : registry_(registry), context_(context), options_(options) {}

  // One result per call, in call order. An unknown tool is a tool failure;
  // a non-OK Result is a session failure from that call (the others still
  // run to completion).
  std::vector<Result<ToolOutput>> run_turn(const std::vector<ToolCall>& calls);

 private:
  const ToolRegistry& registry_;
  ToolContext& context_;
  ExecutorOptions options_;
};

}  // namespace loom::agent
