// tool_choice and parallel_tool_calls, enforced by grammar: turns the request's
// choice into the constraint the sampler applies, per chat family.
//   none      -> no constraint; tool calls are not parsed out of the output
//   auto      -> free text; a grammar switches on at the family's call marker,
//                so a started call is always valid
//   required  -> the output must be (optional reasoning, then) 1..N calls
//   {function}-> like required, for that one tool
// parallel_tool_calls=false caps N at 1.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "chat/family.h"
#include "chat/tool.h"
#include "sample/grammar.h"

namespace loom::chat {

enum class ToolChoiceMode { kNone, kAuto, kRequired, kNamed };

struct ToolChoice {
  ToolChoiceMode mode = ToolChoiceMode::kAuto;
  std::string name;  // kNamed only
};

// OpenAI's `tool_choice`: "none" | "auto" | "required" |
// {"type":"function","function":{"name":N}} (Responses: {"type":"function","name":N}).
// Absent (null) means auto with tools, none without; "auto" without tools is
// accepted (nothing to call); required or a named tool need tools.
Result<ToolChoice> parse_tool_choice(const nlohmann::json& json, const std::vector<ToolDefinition>& tools);

struct ToolCallConstraint {
  std::shared_ptr<const sample::Grammar> grammar;  // null: no constraint
  std::vector<std::string> triggers;               // empty: active from the first token
  bool parse_tool_calls = true;                    // false for tool_choice none
};

// The constraint for `family`. `allow_reasoning` lets a required call be
// preceded by a reasoning block (thinking on); with thinking off, or when the
// prompt already closed it, the output must start with the calls. Families without a grammar envelope yet
// (everything but hermes/Qwen3) get none for auto, and an unimplemented error
// for required/named, so nothing pretends to be enforced.
Result<ToolCallConstraint> tool_call_constraint(Family family, const std::vector<ToolDefinition>& tools,
                                                const ToolChoice& choice, bool parallel_tool_calls,
                                                bool allow_reasoning = false);

}  // namespace loom::chat
