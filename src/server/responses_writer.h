// Responses API output: the response object with its output items
// (reasoning, message, function_call, custom_tool_call), and the streamed
// event sequence (response.created ... response.completed / response.failed).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/chat_writer.h"
#include "server/generation.h"

namespace loom::server {

// The response object. `output` holds finished items; `outcome` null while
// running (usage null, reasoning.effort as requested) and set once finished
// (usage, and reasoning.effort the effort actually used).
nlohmann::json response_json(const ResponseIdentity& identity, const GenerationRequest& request, std::string_view status,
                             nlohmann::json output, const GenerationOutcome* outcome);
nlohmann::json response_usage_json(const Usage& usage);
// The output items of a finished generation, in order. `logprobs`: the
// generation's entries (the message's output_text carries its content tokens').
nlohmann::json response_output_items(const ResponseIdentity& identity, const GenerationRequest& request,
                                     const chat::ParsedOutput& output, std::span<const TokenLogprob> logprobs = {});

// SSE "event: ...\ndata: ...\n\n" frames with increasing sequence_number.
class ResponsesStreamWriter {
 public:
  ResponsesStreamWriter(ResponseIdentity identity, const GenerationRequest& request)
      : identity_(std::move(identity)), request_(request) {}
  std::vector<std::string> start();
  std::vector<std::string> events(const std::vector<chat::ParseEvent>& events, std::span<const TokenLogprob> logprobs = {});
  std::vector<std::string> finish(const GenerationOutcome& outcome);
  // response.failed carrying an OpenAI error {code, message}.
  std::vector<std::string> failed(const std::string& code, const std::string& message);

 private:
  enum class ItemKind { kNone, kReasoning, kMessage, kFunctionCall, kCustomToolCall };
  void emit(std::vector<std::string>& frames, nlohmann::json event);
  void open_item(std::vector<std::string>& frames, ItemKind kind, const chat::ParseEvent* call);
  void close_item(std::vector<std::string>& frames);
  std::string item_id(std::string_view prefix) const;

  ResponseIdentity identity_;
  const GenerationRequest& request_;
  int64_t sequence_ = 0;
  nlohmann::json done_items_ = nlohmann::json::array();
  ItemKind open_ = ItemKind::kNone;
  nlohmann::json item_;   // the open item
  std::string text_;      // its text / arguments / input so far
  nlohmann::json logprobs_ = nlohmann::json::array();  // the open message's token entries
};

}  // namespace loom::server
