// Chat Completions output: the chat.completion object, and the
// chat.completion.chunk SSE stream built from parse events.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/generation.h"

namespace loom::server {

struct ResponseIdentity {
  std::string id;      // chatcmpl-... / resp_...
  int64_t created = 0;  // unix seconds
  std::string model;   // echoed as the client named it
};

nlohmann::json chat_usage_json(const Usage& usage);
// {"token", "bytes", "logprob", "top_logprobs"} as both APIs report a token.
nlohmann::json logprob_json(const TokenLogprob& entry);
// The entries of tokens whose text went to the answer's content, as an array.
nlohmann::json content_logprobs_json(std::span<const TokenLogprob> logprobs);
// "reasoning_effort" (the effort used) and "reasoning_effort_details" (requested,
// has_effect, budget, auto's reasons) when the request gave an effort.
void add_effort_fields(nlohmann::json& body, const EffortReport& effort);
std::string_view finish_reason_name(FinishReason finish);
nlohmann::json chat_completion_json(const ResponseIdentity& identity, const GenerationOutcome& outcome);

// SSE "data: ...\n\n" frames for a streamed chat completion.
class ChatStreamWriter {
 public:
  ChatStreamWriter(ResponseIdentity identity, bool include_usage)
      : identity_(std::move(identity)), include_usage_(include_usage) {}
  std::vector<std::string> start();
  std::vector<std::string> events(const std::vector<chat::ParseEvent>& events, std::span<const TokenLogprob> logprobs = {});
  std::vector<std::string> finish(const GenerationOutcome& outcome);
  // An error after the stream started: an error frame, then [DONE].
  std::vector<std::string> error(const nlohmann::json& error_body);

 private:
  std::string chunk(nlohmann::json delta, const nlohmann::json& finish_reason = nullptr,
                    const nlohmann::json& logprobs = nullptr) const;
  nlohmann::json chunk_json(nlohmann::json delta, const nlohmann::json& finish_reason,
                            const nlohmann::json& logprobs = nullptr) const;

  ResponseIdentity identity_;
  bool include_usage_;
};

std::string sse_data(const nlohmann::json& payload);

}  // namespace loom::server
