// AgentLoop: system prompt + task -> model -> tool calls -> results -> model,
// until the model answers without calling a tool or a budget ends. Every
// event goes to the transcript; the observer shows progress as it happens.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "agent/backend.h"
#include "agent/compaction.h"
#include "agent/conversation.h"
#include "agent/executor.h"
#include "agent/tool.h"
#include "agent/transcript.h"

namespace loom::agent {

struct LoopOptions {
  int max_turns = 50;                       // model calls, summaries excluded
  int64_t max_tokens = 2'000'000;           // input + output over the session; 0: no limit
  double max_cost_usd = 10.0;               // 0: no limit
  std::chrono::seconds max_wall{30 * 60};   // 0: no limit
  std::string reasoning_effort{};           // passed to the model: low|medium|high|auto
  Prices prices{};
  CompactionOptions compaction{};
  ExecutorOptions executor{};
  std::string system_prompt{};              // empty: build_system_prompt() for the tools offered
};

enum class StopReason { kAnswered, kMaxTurns, kMaxTokens, kMaxCost, kWallTime };
std::string_view stop_reason_name(StopReason reason);  // "answered", "max_turns", ...

struct LoopResult {
  StopReason reason = StopReason::kAnswered;
  std::string answer{};  // the last assistant text
  int turns = 0;
  int tool_calls = 0;
  int compactions = 0;
  Usage usage{};         // whole session, resumed parts included
  double cost_usd = 0;
  double wall_seconds = 0;
};

// Progress as it happens; every method has a do-nothing default.
class LoopObserver {
 public:
  virtual ~LoopObserver() = default;
  // A whole turn's reasoning and content, when the backend did not stream them.
  virtual void on_reasoning(const std::string& text) {}
  virtual void on_content(const std::string& text) {}
  // Pieces of a turn as a streaming backend generates them, then the end of
  // the turn's stream (before its tool calls).
  virtual void on_delta(const TurnDelta& delta) {}
  virtual void on_stream_end() {}
  virtual void on_tool_call(const ModelToolCall& call) {}
  virtual void on_tool_result(const ModelToolCall& call, const ToolOutput& output, double seconds) {}
  virtual void on_compaction(int64_t tokens_before, int64_t tokens_after) {}
  virtual void on_notice(const std::string& text) {}
};

class AgentLoop {
 public:
  // `transcript` and `observer` may be null.
  AgentLoop(ModelBackend& backend, const ToolRegistry& registry, ToolContext& context, LoopOptions options,
            TranscriptWriter* transcript, LoopObserver* observer);

  // A new session on `task`. A non-OK result is a session failure (the
  // backend failed, the sandbox is unavailable, the user aborted).
  Result<LoopResult> run(const std::string& task, const std::string& session_id = {});
  // Continues a recorded session; `message`, when not empty, is a new user
  // message (needed when the session had already answered).
  Result<LoopResult> resume(const SessionRecord& record, const std::string& message = {});

 private:
  Result<LoopResult> drive();
  Status record_item(Item item);
  Result<bool> step();  // one model call and its tool calls; true: answered
  std::vector<Item> run_tool_calls(const std::vector<ModelToolCall>& calls, Status& session_failure);
  std::optional<StopReason> budget_exhausted() const;
  Status maybe_compact();

  ModelBackend& backend_;
  const ToolRegistry& registry_;
  ToolContext& context_;
  LoopOptions options_;
  TranscriptWriter* transcript_;
  LoopObserver* observer_;
  LoopObserver null_observer_;

  std::vector<Item> items_;
  LoopResult result_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace loom::agent
