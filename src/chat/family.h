// Output-format families: which markup a model uses for reasoning and tool
// calls, detected from the GGUF's architecture and chat template.
#pragma once

#include <string_view>

#include "base/status.h"

namespace loom::chat {

enum class Family {
  kPlain,     // no markup: everything is content
  kHermes,    // Qwen3 / Hermes: <think>, <tool_call>{json}</tool_call>
  kLlama3,    // Llama 3.1+: bare JSON calls, <|python_tag|> built-in calls
  kMistral,   // [TOOL_CALLS][...] or [TOOL_CALLS]name[ARGS]{...}, [THINK]
  kDeepSeek,  // DeepSeek V3 / R1: <think>, <｜tool▁calls▁begin｜>...
  kHarmony,   // gpt-oss: <|channel|>analysis|commentary|final<|message|>...
};

std::string_view family_name(Family family);
// Accepts the names above and aliases: qwen3, qwen, llama3.1, llama, deepseek-r1,
// deepseek-v3, gpt-oss, harmony, none. Case-insensitive.
Result<Family> parse_family(std::string_view name);
// Markers in the template decide; architecture "gpt-oss" is harmony whatever
// the template says. Unknown templates give kPlain.
Family detect_family(std::string_view architecture, std::string_view chat_template);

}  // namespace loom::chat
