// ModelBackend: one model call of the agent loop. The loop hands over the
// conversation and the tools; a backend (HTTP Chat Completions, HTTP
// Responses, a scripted replay for tests) returns the model's turn.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "agent/conversation.h"
#include "agent/tool.h"
#include "base/status.h"

namespace loom::agent {

enum class RequestPurpose {
  kTurn,       // a normal step of the loop, tools offered
  kSummarize,  // compaction: summarize the conversation, no tools
};

// A piece of a turn as it is generated, for backends that stream.
struct TurnDelta {
  enum class Kind { kReasoning, kContent };
  Kind kind = Kind::kContent;
  std::string text{};
};
using TurnStream = std::function<void(const TurnDelta& delta)>;

struct ModelRequest {
  RequestPurpose purpose = RequestPurpose::kTurn;
  std::vector<Item> items{};
  std::vector<const ToolSpec*> tools{};
  std::string reasoning_effort{};  // "", low, medium, high, auto
  // Empty: no streaming. Backends that can stream call it from the thread
  // that called complete(), in order, before complete() returns.
  TurnStream stream{};
};

struct ModelTurn {
  std::string content{};
  std::string reasoning{};
  std::vector<ModelToolCall> tool_calls{};
  Usage usage{};
  std::string finish_reason{};
  bool streamed = false;  // reasoning and content went through request.stream already
};

class ModelBackend {
 public:
  virtual ~ModelBackend() = default;
  // A non-OK status is a session failure (network down, HTTP error, a
  // response that cannot be parsed): the loop stops and says why.
  virtual Result<ModelTurn> complete(const ModelRequest& request) = 0;
  virtual std::string describe() const = 0;  // for the transcript and the summary
};

}  // namespace loom::agent
