// Tool-call envelopes: one to N calls of the form PREFIX name MIDDLE arguments
// SUFFIX, where the arguments follow the called tool's JSON Schema. Chat formats
// describe their envelope with these strings (or build their own from the parts).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sample/grammar.h"
#include "sample/json_schema.h"

namespace loom::sample {

struct ToolSchema {
  std::string name{};
  nlohmann::ordered_json parameters{};  // a JSON Schema for the arguments object
};

struct ToolCallEnvelope {
  std::string call_prefix{};    // up to the name, e.g. "<tool_call>\n{\"name\": \""
  std::string name_suffix{};    // between name and arguments, e.g. "\", \"arguments\": "
  std::string call_suffix{};    // after the arguments, e.g. "}\n</tool_call>"
  std::string separator{};      // between calls, e.g. "\n"
  int min_calls = 1;
  int max_calls = -1;         // -1: unbounded
};

// Qwen3 / Hermes: <tool_call>\n{"name": "N", "arguments": ARGS}\n</tool_call>
ToolCallEnvelope hermes_tool_call_envelope();

// Adds a rule matching the calls (an alternation over `tools` per call).
Result<GrammarBuilder::RuleId> add_tool_calls(GrammarBuilder& builder, const std::vector<ToolSchema>& tools,
                                              const ToolCallEnvelope& envelope, const JsonSchemaOptions& options = {});

Result<Grammar> tool_call_grammar(const std::vector<ToolSchema>& tools, const ToolCallEnvelope& envelope,
                                  const JsonSchemaOptions& options = {});

}  // namespace loom::sample
