// ModelBackend: one model call of the agent loop. The loop hands over the
// conversation and the tools; a backend (HTTP Chat Completions, HTTP
// Responses, a scripted replay for tests) returns the model's turn.
#pragma once

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

struct ModelRequest {
  RequestPurpose purpose = RequestPurpose::kTurn;
  std::vector<Item> items{};
  std::vector<const ToolSpec*> tools{};
  std::string reasoning_effort{};  // "", low, medium, high, auto
};

struct ModelTurn {
  std::string content{};
  std::string reasoning{};
  std::vector<ModelToolCall> tool_calls{};
  Usage usage{};
  std::string finish_reason{};
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
