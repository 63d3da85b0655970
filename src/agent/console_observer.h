// ConsoleObserver: shows a running session on a terminal: reasoning dimmed
// (ANSI, only on a TTY; streamed as it is generated when the backend streams), each tool call and a one-line summary of its result
// as they happen, and the final summary with usage and cost.
#pragma once

#include <cstdio>
#include <mutex>

#include "agent/loop.h"

namespace loom::agent {

class ConsoleObserver : public LoopObserver {
 public:
  explicit ConsoleObserver(std::FILE* out);  // colours only when `out` is a TTY

  void on_reasoning(const std::string& text) override;
  void on_content(const std::string& text) override;
  void on_delta(const TurnDelta& delta) override;
  void on_stream_end() override;
  void on_tool_call(const ModelToolCall& call) override;
  void on_tool_result(const ModelToolCall& call, const ToolOutput& output, double seconds) override;
  void on_compaction(int64_t tokens_before, int64_t tokens_after) override;
  void on_notice(const std::string& text) override;

  void print_summary(const LoopResult& result, const std::string& transcript_path);

 private:
  std::string style(const char* code, const std::string& text) const;
  std::FILE* out_;
  bool color_;
  std::mutex mutex_;
  // Streaming: whether the line being written is unfinished, and what it shows.
  bool line_open_ = false;
  TurnDelta::Kind streaming_kind_ = TurnDelta::Kind::kContent;
};

// "shell: make test", "read_file: src/a.c:10-20": one line per call.
std::string summarize_call(const ModelToolCall& call);
// "ok, 12 lines: first line..." / "error: ...": one line per result.
std::string summarize_output(const ToolOutput& output);

}  // namespace loom::agent
