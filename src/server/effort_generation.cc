// Fixed efforts and auto with escalation (see effort_generation.h).
#include "server/effort_generation.h"

#include <algorithm>
#include <span>
#include <utility>

#include "reasoning/escalation.h"

namespace loom::server {
namespace {

using reasoning::Effort;

Result<GenerationOutcome> generate_auto(const ServingModel& model, CompletionBackend& backend,
                                        const GenerationRequest& request, const PreparedPrompt& first,
                                        std::string_view id_seed, const Prices& prices, const EventCallback& on_events,
                                        const std::atomic<bool>& cancelled) {
  const reasoning::EscalationConfig& config = model.reasoning().escalation;
  // Uncertainty is measured on the sampler's top log-probabilities.
  GenerationRequest measured = request;
  measured.sampling.logprobs = true;
  measured.sampling.top_logprobs = std::max(request.sampling.top_logprobs, config.top_logprobs);

  std::optional<GenerationOutcome> kept;
  int64_t discarded_tokens = 0;
  int32_t attempts = 0;
  const reasoning::Attempt attempt = [&](Effort effort) -> Result<reasoning::UncertaintyMeter> {
    const int32_t index = attempts++;
    if (kept) discarded_tokens += kept->usage.completion_tokens;
    PreparedPrompt again;
    if (index > 0) again = TRY(model.prepare_at(request, id_seed, effort));
    const PreparedPrompt& prompt = index > 0 ? again : first;
    // The same test run_with_escalation applies after the attempt.
    const Effort next = reasoning::next_effort(effort);
    const bool may_escalate = index < config.max_escalations && next > effort && next <= config.ceiling;

    reasoning::UncertaintyMeter meter(config.window);
    bool judged = !may_escalate;  // nothing to wait for: stream at once
    bool client_gone = false;
    std::vector<std::pair<std::vector<chat::ParseEvent>, std::vector<TokenLogprob>>> held;
    const auto release = [&] {
      for (const auto& [events, logprobs] : held) {
        if (!client_gone && !on_events(events, logprobs)) client_gone = true;
      }
      held.clear();
      return !client_gone;
    };
    const EventCallback events = [&](const std::vector<chat::ParseEvent>& parsed, std::span<const TokenLogprob> measured_logprobs) {
      // Measuring asked the sampler for log-probabilities; the client sees them only if it asked too.
      const std::span<const TokenLogprob> logprobs =
          request.sampling.logprobs ? measured_logprobs : std::span<const TokenLogprob>();
      if (!judged) {
        held.emplace_back(parsed, std::vector<TokenLogprob>(logprobs.begin(), logprobs.end()));
        return true;
      }
      if (!client_gone && !on_events(parsed, logprobs)) client_gone = true;
      return !client_gone;
    };
    const AnswerTokenCallback answer_token = [&](const runtime::TokenEvent& token) {
      if (token.logprobs == nullptr || meter.full()) return true;
      meter.add(*token.logprobs);  // also on the last attempt, for the report
      if (judged || !meter.full()) return true;
      judged = true;
      if (reasoning::judge(effort, meter, config).escalated) return false;  // discarded: stop now
      return release();
    };
    GenerationOutcome outcome =
        TRY(run_generation(model, backend, measured, prompt, prices, events, cancelled, answer_token));
    // Ended before the window filled: judged on what was measured.
    if (!judged && !reasoning::judge(effort, meter, config).escalated) release();
    if (client_gone) outcome.finish = FinishReason::kCancelled;
    if (!request.sampling.logprobs) outcome.logprobs.clear();
    kept = std::move(outcome);
    return meter;
  };
  const reasoning::EscalationOutcome escalation =
      TRY(reasoning::run_with_escalation(first.route->effort, attempt, config));

  GenerationOutcome outcome = std::move(*kept);
  EffortReport& report = outcome.effort;
  report.requested = Effort::kAuto;
  report.reasons = first.route->reasons;
  for (const reasoning::EscalationStep& step : escalation.steps) {
    report.reasons.push_back(str_cat(reasoning::effort_name(step.effort), " answer: ", step.reason,
                                     step.escalated ? str_cat(" -> ", reasoning::effort_name(reasoning::next_effort(step.effort))) : ""));
  }
  report.discarded_tokens = discarded_tokens;
  return outcome;
}

}  // namespace

Result<GenerationOutcome> generate_at_effort(const ServingModel& model, CompletionBackend& backend,
                                             const GenerationRequest& request, const PreparedPrompt& prompt,
                                             std::string_view id_seed, const Prices& prices,
                                             const EventCallback& on_events, const std::atomic<bool>& cancelled) {
  if (!prompt.route) return run_generation(model, backend, request, prompt, prices, on_events, cancelled);
  return generate_auto(model, backend, request, prompt, id_seed, prices, on_events, cancelled);
}

}  // namespace loom::server
