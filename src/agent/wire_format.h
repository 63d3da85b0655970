// The two OpenAI wire formats the HTTP backend speaks: request bodies built
// from a ModelRequest, and response bodies parsed into a ModelTurn. Pure
// functions, so they are tested without a network.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "agent/backend.h"
#include "base/status.h"

namespace loom::agent {

enum class WireFormat { kChat, kResponses };

Result<WireFormat> parse_wire_format(std::string_view name);  // "chat" | "responses"
std::string_view wire_format_path(WireFormat format);         // "/chat/completions" | "/responses"

// Chat Completions: messages with tool_calls / role "tool" results, tools as
// functions (apply_patch as a function taking {"input"}), parallel_tool_calls.
nlohmann::json chat_request_json(const ModelRequest& request, const std::string& model);
Result<ModelTurn> parse_chat_response(std::string_view body);

// Responses: input items (message, function_call, custom_tool_call and their
// outputs), function tools plus the custom apply_patch tool as Codex declares it.
nlohmann::json responses_request_json(const ModelRequest& request, const std::string& model);
Result<ModelTurn> parse_responses_response(std::string_view body);

}  // namespace loom::agent
