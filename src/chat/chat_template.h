// Chat templates: OpenAI-shaped messages + tools + options -> prompt text, by
// rendering the model's Jinja chat template the way Hugging Face transformers'
// apply_chat_template does (same variables, trim_blocks and lstrip_blocks).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "jinja/template.h"

namespace loom::chat {

struct ChatTemplateInputs {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();  // OpenAI chat messages
  nlohmann::ordered_json tools;                               // array of tool definitions, or null
  bool add_generation_prompt = false;
  std::string bos_token;
  std::string eos_token;
  // Extra template variables (enable_thinking, reasoning_effort...); they may
  // not override messages, tools, add_generation_prompt or the tokens.
  nlohmann::ordered_json extra_kwargs = nlohmann::ordered_json::object();
  // strftime_now's date (formatted as UTC); unset: the current local time.
  std::optional<std::chrono::system_clock::time_point> now;
};

// The template variables apply_chat_template passes: messages, tools (null
// when absent), add_generation_prompt, bos_token, eos_token, then the kwargs.
Result<nlohmann::ordered_json> chat_template_context(const ChatTemplateInputs& inputs);

// A parsed chat template, for rendering many conversations.
class ChatTemplate {
 public:
  static Result<ChatTemplate> parse(const std::string& source);
  Result<std::string> render(const ChatTemplateInputs& inputs, const jinja::Limits& limits = {}) const;

 private:
  explicit ChatTemplate(jinja::Template compiled) : template_(std::move(compiled)) {}
  jinja::Template template_;
};

Result<std::string> render_chat(const std::string& template_source, const ChatTemplateInputs& inputs);

// tokenizer_config.json's bos_token / eos_token: a string, an AddedToken
// object {"content": ...}, or null (empty).
std::string special_token_text(const nlohmann::ordered_json& token);

}  // namespace loom::chat
