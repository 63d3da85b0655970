// chat.completion and chat.completion.chunk, shaped as the hosted API sends
// them (the captured fixtures in shared/fixtures/clients are the reference).
#include "server/chat_writer.h"

#include <cstdio>

#include "base/utf8.h"
#include "chat/message.h"

namespace loom::server {

using nlohmann::json;

std::string sse_data(const json& payload) { return "data: " + chat::dump_json(payload) + "\n\n"; }

void add_effort_fields(json& body, const EffortReport& effort) {
  if (!effort.requested) return;  // responses to requests without an effort keep the hosted API's shape
  body["reasoning_effort"] = effort.used ? json(std::string(reasoning::effort_name(*effort.used))) : json();
  body["reasoning_effort_details"] = json(effort.to_json());
}

std::string_view finish_reason_name(FinishReason finish) {
  switch (finish) {
    case FinishReason::kLength: return "length";
    case FinishReason::kToolCalls: return "tool_calls";
    default: return "stop";
  }
}

json chat_usage_json(const Usage& usage) {
  return {{"prompt_tokens", usage.prompt_tokens},
          {"completion_tokens", usage.completion_tokens},
          {"total_tokens", usage.prompt_tokens + usage.completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", usage.cached_tokens}, {"audio_tokens", 0}}},
          {"completion_tokens_details",
           {{"reasoning_tokens", usage.reasoning_tokens},
            {"audio_tokens", 0},
            {"accepted_prediction_tokens", 0},
            {"rejected_prediction_tokens", 0}}},
          {"cost", usage.cost_usd}};
}

namespace {

// A token's text: its bytes when they are whole UTF-8, else "bytes:\xNN..." as
// the hosted API writes a token that splits a character.
std::string token_text(const std::string& bytes) {
  if (is_valid_utf8(bytes)) return bytes;
  std::string text = "bytes:";
  for (const unsigned char byte : bytes) {
    char escaped[5];
    std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
    text += escaped;
  }
  return text;
}

json bytes_json(const std::string& bytes) {
  json out = json::array();
  for (const unsigned char byte : bytes) out.push_back(static_cast<int>(byte));
  return out;
}

}  // namespace

json logprob_json(const TokenLogprob& entry) {
  json top = json::array();
  for (const TokenLogprob::Alternative& alternative : entry.top)
    top.push_back({{"token", token_text(alternative.bytes)}, {"bytes", bytes_json(alternative.bytes)}, {"logprob", alternative.logprob}});
  return {{"token", token_text(entry.bytes)}, {"bytes", bytes_json(entry.bytes)}, {"logprob", entry.logprob}, {"top_logprobs", std::move(top)}};
}

json content_logprobs_json(std::span<const TokenLogprob> logprobs) {
  json out = json::array();
  for (const TokenLogprob& entry : logprobs)
    if (entry.content) out.push_back(logprob_json(entry));
  return out;
}

json chat_completion_json(const ResponseIdentity& identity, const GenerationOutcome& outcome) {
  const chat::ParsedOutput& output = outcome.output;
  json message = {{"role", "assistant"},
                  {"content", output.content.empty() && !output.tool_calls.empty() ? json() : json(output.content)},
                  {"refusal", nullptr},
                  {"annotations", json::array()}};
  if (!output.reasoning.empty()) message["reasoning_content"] = output.reasoning;
  if (!output.tool_calls.empty()) {
    json calls = json::array();
    for (const chat::ToolCall& call : output.tool_calls)
      calls.push_back({{"id", call.id}, {"type", "function"}, {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
    message["tool_calls"] = std::move(calls);
  }
  json body = {{"id", identity.id},
          {"object", "chat.completion"},
          {"created", identity.created},
          {"model", identity.model},
          {"choices",
           json::array({{{"index", 0},
                         {"message", message},
                         {"logprobs", outcome.logprobs.empty() ? json() : json{{"content", content_logprobs_json(outcome.logprobs)}, {"refusal", nullptr}}},
                         {"finish_reason", finish_reason_name(outcome.finish)}}})},
          {"usage", chat_usage_json(outcome.usage)},
          {"service_tier", "default"},
          {"system_fingerprint", nullptr}};
  add_effort_fields(body, outcome.effort);
  return body;
}

std::string ChatStreamWriter::chunk(json delta, const json& finish_reason, const json& logprobs) const {
  return sse_data(chunk_json(std::move(delta), finish_reason, logprobs));
}

json ChatStreamWriter::chunk_json(json delta, const json& finish_reason, const json& logprobs) const {
  return {{"id", identity_.id},
          {"object", "chat.completion.chunk"},
          {"created", identity_.created},
          {"model", identity_.model},
          {"service_tier", "default"},
          {"system_fingerprint", nullptr},
          {"choices", json::array({{{"index", 0}, {"delta", std::move(delta)}, {"logprobs", logprobs}, {"finish_reason", finish_reason}}})},
          {"usage", nullptr}};
}

std::vector<std::string> ChatStreamWriter::start() {
  return {chunk({{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}})};
}

std::vector<std::string> ChatStreamWriter::events(const std::vector<chat::ParseEvent>& events,
                                                  std::span<const TokenLogprob> logprobs) {
  std::vector<std::string> frames;
  // The tokens' entries ride on the first content chunk they produced.
  json pending_logprobs = content_logprobs_json(logprobs);
  for (const chat::ParseEvent& event : events) {
    switch (event.kind) {
      case chat::ParseEvent::Kind::kReasoningDelta:
        frames.push_back(chunk({{"reasoning_content", event.text}}));
        break;
      case chat::ParseEvent::Kind::kContentDelta:
        if (!pending_logprobs.empty()) {
          frames.push_back(chunk({{"content", event.text}}, nullptr, {{"content", std::move(pending_logprobs)}, {"refusal", nullptr}}));
          pending_logprobs = json::array();
        } else {
          frames.push_back(chunk({{"content", event.text}}));
        }
        break;
      case chat::ParseEvent::Kind::kToolCallStart:
        frames.push_back(chunk({{"tool_calls", json::array({{{"index", event.index},
                                                              {"id", event.id},
                                                              {"type", "function"},
                                                              {"function", {{"name", event.name}, {"arguments", ""}}}}})}}));
        break;
      case chat::ParseEvent::Kind::kToolCallArgumentsDelta:
        frames.push_back(chunk({{"tool_calls", json::array({{{"index", event.index}, {"function", {{"arguments", event.text}}}}})}}));
        break;
      case chat::ParseEvent::Kind::kToolCallEnd:
        break;
    }
  }
  return frames;
}

std::vector<std::string> ChatStreamWriter::finish(const GenerationOutcome& outcome) {
  // The effort used is known only now (auto may have escalated): the last chunk carries it.
  json last = chunk_json(json::object(), finish_reason_name(outcome.finish));
  add_effort_fields(last, outcome.effort);
  std::vector<std::string> frames = {sse_data(last)};
  if (include_usage_) {
    frames.push_back(sse_data({{"id", identity_.id},
                               {"object", "chat.completion.chunk"},
                               {"created", identity_.created},
                               {"model", identity_.model},
                               {"service_tier", "default"},
                               {"system_fingerprint", nullptr},
                               {"choices", json::array()},
                               {"usage", chat_usage_json(outcome.usage)}}));
  }
  frames.push_back("data: [DONE]\n\n");
  return frames;
}

std::vector<std::string> ChatStreamWriter::error(const json& error_body) {
  return {sse_data(error_body), "data: [DONE]\n\n"};
}

}  // namespace loom::server
