// Fuzzes the server's request edge: body text -> parse_body -> the Chat
// Completions or Responses parser. Byte 0 picks the route, the rest is the
// body. Any input must give a typed request or an error that maps to a 4xx
// OpenAI error (never a 5xx: a malformed request is the client's fault),
// never a crash, hang or leak. Accepted requests must hold the invariants
// everything behind the edge relies on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/api_error.h"
#include "server/request.h"

namespace {

void check_error(const loom::Status& status) {
  const loom::server::ApiError error = loom::server::api_error_from_status(status);
  if (error.http_status < 400 || error.http_status >= 500) std::abort();
  if (error.message.empty() || error.type.empty()) std::abort();
}

void check_request(const loom::server::GenerationRequest& request) {
  using loom::chat::ToolChoiceMode;
  if (request.model.empty() || request.messages.empty()) std::abort();
  if (request.sampling.temperature < 0 || request.sampling.temperature > 2) std::abort();
  if (request.sampling.top_p < 0 || request.sampling.top_p > 1) std::abort();
  if (request.sampling.top_logprobs < 0 || request.sampling.top_logprobs > 20) std::abort();
  if (request.max_output_tokens < 0) std::abort();
  const bool must_call = request.tool_choice.mode == ToolChoiceMode::kRequired || request.tool_choice.mode == ToolChoiceMode::kNamed;
  if (must_call && request.tools.empty()) std::abort();
  if (request.tool_choice.mode == ToolChoiceMode::kNamed) {
    bool known = false;
    for (const auto& tool : request.tools) known |= tool.name == request.tool_choice.name;
    if (!known) std::abort();
  }
  for (const std::string& name : request.freeform_tools) {
    bool known = false;
    for (const auto& tool : request.tools) known |= tool.name == name;
    if (!known) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool responses = (data[0] & 1) != 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto body = loom::server::parse_body(text);
  if (!body.ok()) {
    check_error(body.status());
    return 0;
  }
  auto request = responses ? loom::server::parse_responses_request(*body) : loom::server::parse_chat_request(*body);
  if (!request.ok()) {
    check_error(request.status());
    return 0;
  }
  check_request(*request);
  return 0;
}
