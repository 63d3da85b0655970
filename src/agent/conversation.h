// Conversation: the agent's own record of a session (system prompt, task,
// model turns with their tool calls, tool results), independent of any wire
// format. Backends translate it to Chat Completions or Responses JSON.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace loom::agent {

// A tool call exactly as the model produced it: arguments are kept as raw
// text so that malformed JSON can be reported back instead of lost.
struct ModelToolCall {
  std::string call_id{};
  std::string name{};
  std::string arguments{};  // JSON text (function tools) or raw input (freeform)
  bool freeform = false;    // Responses "custom" tool call: arguments is the input
};

enum class ItemKind { kSystem, kUser, kAssistant, kToolResult };

struct Item {
  ItemKind kind = ItemKind::kUser;
  std::string text{};       // system/user/assistant content, or the tool output
  std::string reasoning{};  // assistant only
  std::vector<ModelToolCall> tool_calls{};  // assistant only
  std::string call_id{};    // tool result only
  std::string tool_name{};  // tool result only
  bool freeform = false;    // tool result of a freeform call
  bool is_error = false;    // tool result only

  static Item system(std::string text) { return {.kind = ItemKind::kSystem, .text = std::move(text)}; }
  static Item user(std::string text) { return {.kind = ItemKind::kUser, .text = std::move(text)}; }
};

std::string_view item_kind_name(ItemKind kind);  // "system", "user", "assistant", "tool"
nlohmann::json item_to_json(const Item& item);
Result<Item> item_from_json(const nlohmann::json& json);

struct Usage {
  int64_t input_tokens = 0;
  int64_t cached_input_tokens = 0;  // part of input_tokens
  int64_t output_tokens = 0;
  int64_t reasoning_tokens = 0;     // part of output_tokens

  int64_t total() const { return input_tokens + output_tokens; }
  Usage& operator+=(const Usage& other);
};

nlohmann::json usage_to_json(const Usage& usage);
Usage usage_from_json(const nlohmann::json& json);

// Prices in USD per million tokens; defaults are the hosted model's.
struct Prices {
  double input = 5.0;
  double cached_input = 0.5;
  double output = 30.0;
};

double cost_usd(const Usage& usage, const Prices& prices);

// Rough token count of a conversation: bytes / 4 (no tokenizer on the client side).
int64_t estimate_tokens(const std::vector<Item>& items);
int64_t estimate_tokens(std::string_view text);

}  // namespace loom::agent
