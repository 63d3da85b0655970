// Request -> prompt text (the model's chat template) -> token ids, and the
// parser options that match how the prompt ends.
#include "server/serving_model.h"

#include "server/api_error.h"

namespace loom::server {
namespace {

using OrderedJson = nlohmann::ordered_json;

// The shape chat templates expect: string content, developer folded into
// system (most templates know only system), arguments as JSON text.
OrderedJson template_message(const chat::Message& message) {
  const chat::Role role = message.role == chat::Role::kDeveloper ? chat::Role::kSystem : message.role;
  OrderedJson out = {{"role", chat::role_name(role)}, {"content", message.text()}};
  if (!message.name.empty()) out["name"] = message.name;
  if (!message.reasoning_content.empty()) out["reasoning_content"] = message.reasoning_content;
  if (!message.tool_calls.empty()) {
    OrderedJson calls = OrderedJson::array();
    for (const chat::ToolCall& call : message.tool_calls) {
      OrderedJson arguments = OrderedJson::parse(call.arguments, nullptr, /*allow_exceptions=*/false);
      if (arguments.is_discarded()) arguments = call.arguments;
      calls.push_back({{"id", call.id},
                       {"type", "function"},
                       {"function", {{"name", call.name}, {"arguments", std::move(arguments)}}}});
    }
    out["tool_calls"] = std::move(calls);
  }
  if (!message.tool_call_id.empty()) out["tool_call_id"] = message.tool_call_id;
  return out;
}

std::string plain_render(const GenerationRequest& request) {
  std::string prompt;
  for (const chat::Message& message : request.messages)
    prompt += str_cat(chat::role_name(message.role), ": ", message.text(), "\n");
  return prompt + "assistant: ";
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

Result<ServingModel> ServingModel::create(const text::Tokenizer& tokenizer, ServingModelOptions options) {
  std::shared_ptr<const chat::ChatTemplate> chat_template;
  if (!tokenizer.chat_template().empty()) {
    Result<chat::ChatTemplate> parsed = chat::ChatTemplate::parse(tokenizer.chat_template());
    if (!parsed.ok()) return parsed.status().with_context("chat template");
    chat_template = std::make_shared<const chat::ChatTemplate>(std::move(*parsed));
  }
  const chat::Family family = options.family ? *options.family : chat::detect_family("", tokenizer.chat_template());
  return ServingModel(tokenizer, std::move(options), family, std::move(chat_template));
}

bool ServingModel::supports_reasoning() const {
  return family_ == chat::Family::kHermes || family_ == chat::Family::kDeepSeek || family_ == chat::Family::kMistral ||
         family_ == chat::Family::kHarmony;
}

Status ServingModel::check_model(const std::string& requested) const {
  if (options_.accept_any_model || requested == options_.id) return {};
  return model_not_found(requested);
}

Result<std::string> ServingModel::render(const GenerationRequest& request) const {
  if (template_ == nullptr) return plain_render(request);
  chat::ChatTemplateInputs inputs;
  for (const chat::Message& message : request.messages) inputs.messages.push_back(template_message(message));
  if (!request.tools.empty() && request.tool_choice.mode != chat::ToolChoiceMode::kNone) {
    inputs.tools = OrderedJson::array();
    for (const chat::ToolDefinition& tool : request.tools) inputs.tools.push_back(OrderedJson(chat::tool_to_json(tool)));
  }
  inputs.add_generation_prompt = true;
  const auto special = [&](std::optional<int32_t> id) { return id ? std::string(tokenizer_->piece(*id)) : std::string(); };
  inputs.bos_token = special(tokenizer_->bos_id());
  inputs.eos_token = special(tokenizer_->eos_id());
  // Qwen3-style templates switch thinking with enable_thinking.
  if (request.effort == Effort::kNone || request.effort == Effort::kMinimal) inputs.extra_kwargs["enable_thinking"] = false;
  if (request.effort != Effort::kUnset) inputs.extra_kwargs["reasoning_effort"] = std::string(effort_name(request.effort));
  Result<std::string> prompt = template_->render(inputs);
  if (!prompt.ok()) return invalid_argument("messages: the chat template could not render this conversation: ", prompt.status().message());
  return prompt;
}

Result<PreparedPrompt> ServingModel::prepare(const GenerationRequest& request, std::string_view id_seed) const {
  PreparedPrompt prepared;
  prepared.text = TRY(render(request));
  // Templates that write the BOS token themselves must not get a second one.
  const std::optional<int32_t> bos = tokenizer_->bos_id();
  const bool template_has_bos = bos && prepared.text.starts_with(tokenizer_->piece(*bos));
  prepared.ids = tokenizer_->encode(prepared.text, /*add_special=*/!template_has_bos);
  const int64_t prompt_tokens = static_cast<int64_t>(prepared.ids.size());
  if (prompt_tokens >= options_.context_length ||
      (request.max_output_tokens > 0 && prompt_tokens + request.max_output_tokens > options_.context_length))
    return context_length_exceeded(prompt_tokens, request.max_output_tokens, options_.context_length);
  chat::ParserOptions& parser = prepared.parser_options;
  std::string_view trimmed = prepared.text;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == ' ')) trimmed.remove_suffix(1);
  parser.starts_in_reasoning = ends_with(trimmed, "<think>") || ends_with(trimmed, "[THINK]") ||
                               ends_with(trimmed, "<|channel|>analysis<|message|>");
  parser.parse_tool_calls = !request.tools.empty() && request.tool_choice.mode != chat::ToolChoiceMode::kNone;
  parser.tool_names = chat::tool_names(request.tools);
  parser.id_seed = std::string(id_seed);
  return prepared;
}

}  // namespace loom::server
