// Rendering a chat template: build apply_chat_template's variables, then
// render with loom's Jinja engine.
#include "chat/chat_template.h"

namespace loom::chat {

Result<nlohmann::ordered_json> chat_template_context(const ChatTemplateInputs& inputs) {
  if (!inputs.messages.is_array()) return invalid_argument("chat template: messages must be an array");
  if (!inputs.tools.is_null() && !inputs.tools.is_array()) return invalid_argument("chat template: tools must be an array");
  if (!inputs.extra_kwargs.is_null() && !inputs.extra_kwargs.is_object()) {
    return invalid_argument("chat template: extra kwargs must be a JSON object");
  }
  nlohmann::ordered_json context = nlohmann::ordered_json::object();
  context["messages"] = inputs.messages;
  context["tools"] = inputs.tools;
  context["add_generation_prompt"] = inputs.add_generation_prompt;
  context["bos_token"] = inputs.bos_token;
  context["eos_token"] = inputs.eos_token;
  if (inputs.extra_kwargs.is_object()) {
    for (const auto& [key, value] : inputs.extra_kwargs.items()) {
      if (context.contains(key)) return invalid_argument("chat template: kwarg '", key, "' would override a built-in variable");
      context[key] = value;
    }
  }
  return context;
}

Result<ChatTemplate> ChatTemplate::parse(const std::string& source) {
  jinja::Template compiled = TRY(jinja::Template::parse(source));
  return ChatTemplate(std::move(compiled));
}

Result<std::string> ChatTemplate::render(const ChatTemplateInputs& inputs, const jinja::Limits& limits) const {
  const nlohmann::ordered_json context = TRY(chat_template_context(inputs));
  jinja::RenderOptions options;
  options.limits = limits;
  options.now = inputs.now;
  return template_.render(context, options);
}

Result<std::string> render_chat(const std::string& template_source, const ChatTemplateInputs& inputs) {
  const ChatTemplate compiled = TRY(ChatTemplate::parse(template_source));
  return compiled.render(inputs);
}

std::string special_token_text(const nlohmann::ordered_json& token) {
  if (token.is_string()) return token.get<std::string>();
  if (token.is_object()) {
    const auto content = token.find("content");
    if (content != token.end() && content->is_string()) return content->get<std::string>();
  }
  return "";
}

}  // namespace loom::chat
