// Request -> prompt text (the model's chat template) -> token ids, and the
// parser options that match how the prompt ends.
#include "server/serving_model.h"

#include <chrono>
#include <cstdio>

#include "reasoning/prompt.h"
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

// "YYYY-MM-DD" (UTC) for the harmony system message, as templates print today.
std::string today() {
  const std::chrono::year_month_day date{std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()));
  return text;
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
  const reasoning::ReasoningStyle style = reasoning::reasoning_style(family, tokenizer.chat_template());
  return ServingModel(tokenizer, std::move(options), family, std::move(chat_template), style);
}

bool ServingModel::supports_reasoning() const {
  return family_ == chat::Family::kHermes || family_ == chat::Family::kDeepSeek || family_ == chat::Family::kMistral ||
         family_ == chat::Family::kHarmony;
}

Status ServingModel::check_model(const std::string& requested) const {
  if (options_.accept_any_model || requested == options_.id) return {};
  return model_not_found(requested);
}

reasoning::RouterDecision ServingModel::route(const GenerationRequest& request) const {
  OrderedJson messages = OrderedJson::array();
  for (const chat::Message& message : request.messages) messages.push_back({{"role", chat::role_name(message.role)}, {"content", message.text()}});
  // Tools the model cannot call (tool_choice none) do not make the task agentic.
  OrderedJson tools = OrderedJson::array();
  if (request.tool_choice.mode != chat::ToolChoiceMode::kNone) {
    for (const chat::ToolDefinition& tool : request.tools) tools.push_back(tool.name);
  }
  return reasoning::route(reasoning::extract_features(messages, tools), options_.reasoning.router);
}

Result<std::string> ServingModel::render(const GenerationRequest& request, const reasoning::EffortPlan& plan) const {
  if (template_ == nullptr && family_ != chat::Family::kHarmony) return plain_render(request);
  reasoning::PromptRequest prompt{.family = family_, .parsed_template = template_.get()};
  for (const chat::Message& message : request.messages) prompt.messages.push_back(template_message(message));
  if (!request.tools.empty() && request.tool_choice.mode != chat::ToolChoiceMode::kNone) {
    prompt.tools = OrderedJson::array();
    for (const chat::ToolDefinition& tool : request.tools) prompt.tools.push_back(OrderedJson(chat::tool_to_json(tool)));
  }
  const auto special = [&](std::optional<int32_t> id) { return id ? std::string(tokenizer_->piece(*id)) : std::string(); };
  prompt.bos_token = special(tokenizer_->bos_id());
  prompt.eos_token = special(tokenizer_->eos_id());
  if (family_ == chat::Family::kHarmony) prompt.harmony_date = today();
  Result<reasoning::RenderedPrompt> rendered = reasoning::render_prompt(prompt, plan);
  if (!rendered.ok()) return invalid_argument("messages: the chat template could not render this conversation: ", rendered.status().message());
  return std::move(rendered->text);
}

Result<PreparedPrompt> ServingModel::prepare(const GenerationRequest& request, std::string_view id_seed) const {
  if (request.effort != reasoning::Effort::kAuto) return prepare_at(request, id_seed, request.effort);
  reasoning::RouterDecision decision = route(request);
  PreparedPrompt prepared = TRY(prepare_at(request, id_seed, decision.effort));
  prepared.route = std::move(decision);
  return prepared;
}

Result<PreparedPrompt> ServingModel::prepare_at(const GenerationRequest& request, std::string_view id_seed,
                                                std::optional<reasoning::Effort> effort) const {
  CHECK(effort != reasoning::Effort::kAuto);
  PreparedPrompt prepared;
  // Not given: the template's own default and no budget (a plan without effect
  // renders the conversation unchanged).
  reasoning::EffortPlan plan{.style = style_, .has_effect = false};
  if (effort) plan = reasoning::plan_effort(*effort, style_, options_.reasoning.budgets);
  prepared.text = TRY(render(request, plan));
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
  const std::optional<reasoning::ReasoningMarkers> markers = reasoning::reasoning_markers(family_);
  if (effort && plan.has_effect && plan.budget >= 0 && markers) {
    const reasoning::ReasoningConfig& budgets = options_.reasoning.budgets;
    prepared.budget = reasoning::BudgetForcingOptions{.markers = *markers,
                                                      .budget = plan.budget,
                                                      .sentence = budgets.budget_sentence,
                                                      .starts_in_reasoning = parser.starts_in_reasoning,
                                                      .force_open = true,
                                                      .min_reasoning = plan.min_reasoning,
                                                      .max_waits = plan.max_waits,
                                                      .wait_text = budgets.wait_text};
  }
  if (effort) prepared.effort = std::move(plan);
  return prepared;
}

}  // namespace loom::server
