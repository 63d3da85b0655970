// StreamReader: a streamed model response (server-sent events of either wire
// format) read as it arrives: reasoning and content deltas are handed on at
// once, the turn (content, reasoning, tool calls, usage) is whole at the end.
// Feeding the body in pieces split anywhere gives the same result.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "agent/backend.h"
#include "agent/wire_format.h"
#include "base/status.h"

namespace loom::agent {

class StreamReader {
 public:
  // `on_delta` may be empty.
  StreamReader(WireFormat format, TurnStream on_delta) : format_(format), on_delta_(std::move(on_delta)) {}

  // Raw body bytes. A non-OK status (an error event, a data line that is not
  // JSON) is a session failure; nothing more should be fed.
  Status feed(std::string_view bytes);
  // After the body ended. A stream cut short (no [DONE] / finish reason for
  // chat, no response.completed for responses) is an error.
  Result<ModelTurn> finish();

 private:
  Status on_event(std::string_view data);
  Status on_chat_chunk(const nlohmann::json& chunk);
  Status on_responses_event(const nlohmann::json& event);
  void delta(TurnDelta::Kind kind, const std::string& text);

  WireFormat format_;
  TurnStream on_delta_;
  std::string pending_;     // bytes of an unfinished line
  std::string event_data_;  // data lines of the event being read
  bool done_ = false;       // chat: [DONE] or a finish reason; responses: the final response
  ModelTurn turn_;
  std::map<int64_t, ModelToolCall> chat_calls_;    // by the chunk's tool-call index
  std::optional<nlohmann::json> final_response_;  // responses: response.completed's response
};

}  // namespace loom::agent
