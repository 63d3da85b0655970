// The token loop shared by every route and backend.
#include "server/generation.h"

namespace loom::server {
namespace {

TokenLogprob token_logprob(const text::Tokenizer& tokenizer, const sample::StepLogprobs& step) {
  TokenLogprob entry{.bytes = std::string(tokenizer.token_bytes(step.chosen.token)), .logprob = step.chosen.logprob};
  for (const sample::TokenLogprob& alternative : step.top)
    entry.top.push_back({.bytes = std::string(tokenizer.token_bytes(alternative.token)), .logprob = alternative.logprob});
  return entry;
}

// Tokens whose text comes out with `events` count as content when they were
// not inside the reasoning block and the events carry content (not only
// reasoning or a tool call).
void settle_content(std::span<TokenLogprob> entries, const std::vector<chat::ParseEvent>& events) {
  bool content = false;
  for (const chat::ParseEvent& event : events) content |= event.kind == chat::ParseEvent::Kind::kContentDelta;
  for (TokenLogprob& entry : entries) entry.content = entry.content && content;
}

}  // namespace

double cost_usd(const Usage& usage, const Prices& prices) {
  const double uncached = static_cast<double>(usage.prompt_tokens - usage.cached_tokens);
  return (uncached * prices.input + static_cast<double>(usage.cached_tokens) * prices.cached_input +
          static_cast<double>(usage.completion_tokens) * prices.output) / 1e6;
}

nlohmann::ordered_json EffortReport::to_json() const {
  const auto name = [](const std::optional<reasoning::Effort>& effort) {
    return effort ? nlohmann::ordered_json(std::string(reasoning::effort_name(*effort))) : nlohmann::ordered_json();
  };
  nlohmann::ordered_json out = {{"requested", name(requested)}, {"effort", name(used)}, {"has_effect", has_effect}};
  if (budget >= 0) out["budget_tokens"] = budget;
  if (!reasons.empty()) out["reasons"] = reasons;
  if (discarded_tokens > 0) out["discarded_tokens"] = discarded_tokens;
  return out;
}

std::string EffortReport::to_string() const {
  if (!requested) return "model default";
  std::string out(reasoning::effort_name(*requested));
  if (used && *used != *requested) out += str_cat(" -> ", reasoning::effort_name(*used));
  if (!has_effect) out += " (no effect: the model cannot reason)";
  else if (budget >= 0) out += str_cat(" (budget ", budget, ")");
  for (size_t i = 0; i < reasons.size(); ++i) out += (i ? "; " : ": ") + reasons[i];
  return out;
}

Result<GenerationOutcome> run_generation(const ServingModel& model, CompletionBackend& backend,
                                         const GenerationRequest& request, const PreparedPrompt& prompt,
                                         const Prices& prices, const EventCallback& on_events,
                                         const std::atomic<bool>& cancelled, const AnswerTokenCallback& on_answer_token) {
  BackendRequest backend_request;
  backend_request.prompt_ids = prompt.ids;
  const int64_t room = model.context_length() - static_cast<int64_t>(prompt.ids.size());
  backend_request.max_tokens = request.max_output_tokens > 0 ? std::min(request.max_output_tokens, room) : room;
  backend_request.sampling = request.sampling;
  backend_request.tools = request.tools;
  backend_request.tool_choice = request.tool_choice;
  backend_request.parallel_tool_calls = request.parallel_tool_calls;
  backend_request.response_format = request.response_format;
  backend_request.json_schema = request.json_schema;
  std::optional<reasoning::BudgetForcing> budget;
  if (prompt.budget) {
    budget.emplace(TRY(reasoning::BudgetForcing::create(model.tokenizer(), *prompt.budget)));
    backend_request.policy = &*budget;
  }

  std::unique_ptr<chat::OutputParser> parser = chat::make_output_parser(model.family(), prompt.parser_options);
  GenerationOutcome outcome;
  outcome.usage.prompt_tokens = static_cast<int64_t>(prompt.ids.size());
  outcome.effort.requested = request.effort;
  if (prompt.effort) {
    outcome.effort.used = prompt.effort->effective;
    outcome.effort.has_effect = prompt.effort->has_effect;
    outcome.effort.budget = prompt.effort->budget;
  }
  bool in_reasoning = prompt.parser_options.starts_in_reasoning;
  bool client_gone = false, stopped = false;
  std::vector<chat::ParseEvent> events;
  size_t reported_logprobs = 0;  // entries already handed to on_events

  // A token counts as reasoning when it wrote reasoning text, or wrote nothing
  // visible while the block was open (its markers, a forced close, bytes held
  // back). The token that starts the answer does not, so a forced close makes
  // reasoning tokens at most budget + closing length (docs/reasoning.md).
  const auto on_token = [&](const runtime::TokenEvent& token_event) {
    const int32_t token = token_event.token;
    if (token >= 0) ++outcome.usage.completion_tokens;
    events.clear();
    parser->feed(token_event.text, events);
    bool reasoning_text = false, answer_text = false;
    for (const chat::ParseEvent& event : events) {
      (event.kind == chat::ParseEvent::Kind::kReasoningDelta ? reasoning_text : answer_text) = true;
    }
    const bool reasoning_token = reasoning_text || (!answer_text && in_reasoning);
    if (!events.empty()) in_reasoning = events.back().kind == chat::ParseEvent::Kind::kReasoningDelta;
    if (reasoning_token && token >= 0) ++outcome.usage.reasoning_tokens;
    if (token >= 0 && token_event.logprobs != nullptr && request.sampling.logprobs) {
      outcome.logprobs.push_back(token_logprob(model.tokenizer(), *token_event.logprobs));
      // Inside the reasoning block after this token (its closing tag included):
      // not content. Settled when its text comes out.
      outcome.logprobs.back().content = !in_reasoning;
    }
    // Without events the token's text is held back: its entry waits for the next events.
    if (!events.empty()) {
      settle_content(std::span(outcome.logprobs).subspan(reported_logprobs), events);
      const std::span<const TokenLogprob> fresh = std::span(outcome.logprobs).subspan(reported_logprobs);
      reported_logprobs = outcome.logprobs.size();
      if (!on_events(events, fresh)) client_gone = true;
    }
    if (!client_gone && on_answer_token && token >= 0 && !token_event.forced && !reasoning_token &&
        !on_answer_token(token_event)) {
      stopped = true;
    }
    return !client_gone && !stopped;
  };
  const BackendResult result = TRY(backend.generate(backend_request, on_token, cancelled));
  events.clear();
  parser->finish(events);
  if (!events.empty() && !client_gone && !stopped) {
    settle_content(std::span(outcome.logprobs).subspan(reported_logprobs), events);
    on_events(events, std::span(outcome.logprobs).subspan(reported_logprobs));
  }

  outcome.output = parser->result();
  outcome.finish = client_gone || stopped ? FinishReason::kCancelled : result.finish;
  if (outcome.finish == FinishReason::kStop && !outcome.output.tool_calls.empty()) outcome.finish = FinishReason::kToolCalls;
  outcome.usage.cached_tokens = result.cached_prompt_tokens;
  outcome.usage.cost_usd = cost_usd(outcome.usage, prices);
  if (budget) outcome.budget = budget->stats();
  return outcome;
}

}  // namespace loom::server
