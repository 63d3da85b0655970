// The gpt-oss "harmony" prompt format, rendered natively (gpt-oss ships no
// Jinja template we can rely on): system message with dates and reasoning
// effort, developer message with instructions and the `functions` namespace
// as TypeScript-like declarations, assistant messages on the analysis /
// commentary / final channels, and tool results addressed to the assistant.
// Spec: openai/harmony docs/format.md ("The harmony response format").
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace loom::chat {

enum class HarmonyEffort { kLow, kMedium, kHigh };

struct HarmonyOptions {
  std::string model_identity = "You are ChatGPT, a large language model trained by OpenAI.";
  std::string knowledge_cutoff = "2024-06";
  std::string current_date;  // "YYYY-MM-DD"; empty: the line is left out
  HarmonyEffort effort = HarmonyEffort::kMedium;
  bool add_generation_prompt = true;  // end with "<|start|>assistant"
};

// `messages`: OpenAI chat messages (system/developer become the developer
// message's instructions; assistant `reasoning_content` goes to the analysis
// channel and is kept only after the last user message, as the spec says to
// drop chain-of-thought of finished turns). `tools`: OpenAI tool definitions
// or null.
Result<std::string> render_harmony(const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools,
                                   const HarmonyOptions& options);

// The developer message's "# Tools" section for function tools:
// "## functions\n\nnamespace functions {\n\n...} // namespace functions".
Result<std::string> harmony_functions_namespace(const nlohmann::ordered_json& tools);

}  // namespace loom::chat
