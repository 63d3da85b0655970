// Prompt rendering with the effort mechanism applied: the model's chat
// template with enable_thinking for hybrid thinkers, the native harmony
// renderer with its Reasoning: level, and an opened <think> for always-thinking
// models whose template does not open it.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "chat/chat_template.h"
#include "chat/family.h"
#include "reasoning/effort_policy.h"

namespace loom::reasoning {

struct PromptRequest {
  chat::Family family = chat::Family::kPlain;
  std::string chat_template;  // Jinja source; unused for harmony
  // The same template already parsed (a server renders many prompts); when
  // set, chat_template is not read.
  const chat::ChatTemplate* parsed_template = nullptr;
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  nlohmann::ordered_json tools;  // null or an array of tool definitions
  std::string bos_token;
  std::string eos_token;
  std::optional<std::chrono::system_clock::time_point> now;  // template date; unset: now
  std::string harmony_date;  // "YYYY-MM-DD" for the harmony system message; empty: left out
};

struct RenderedPrompt {
  std::string text;
  // The prompt ends inside an open reasoning block: output starts in it.
  bool starts_in_reasoning = false;
};

Result<RenderedPrompt> render_prompt(const PromptRequest& request, const EffortPlan& plan);

}  // namespace loom::reasoning
