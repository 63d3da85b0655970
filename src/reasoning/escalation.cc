// Uncertainty measures and the escalation loop (see escalation.h).
#include "reasoning/escalation.h"

#include <algorithm>
#include <cmath>

namespace loom::reasoning {

double step_entropy(const sample::StepLogprobs& step) {
  double entropy = 0, mass = 0;
  for (const sample::TokenLogprob& entry : step.top) {
    const double p = std::exp(static_cast<double>(entry.logprob));
    if (p > 0) entropy -= p * entry.logprob;
    mass += p;
  }
  // Every left-out token is at most as likely as the last one listed, so the
  // left-out mass contributes at least rest * -log(p_last): a lower bound that
  // is exact for a flat tail.
  const double rest = 1.0 - mass;
  if (rest > 1e-12 && !step.top.empty()) entropy -= rest * static_cast<double>(step.top.back().logprob);
  return entropy;
}

double step_margin(const sample::StepLogprobs& step) {
  if (step.top.size() < 2) return 0.0;
  return static_cast<double>(step.top[0].logprob) - static_cast<double>(step.top[1].logprob);
}

void UncertaintyMeter::add(const sample::StepLogprobs& step) {
  if (full()) return;
  ++count_;
  entropy_sum_ += step_entropy(step);
  margin_sum_ += step_margin(step);
}

Effort next_effort(Effort effort) {
  switch (effort) {
    case Effort::kNone:
    case Effort::kMinimal: return Effort::kLow;
    case Effort::kLow: return Effort::kMedium;
    case Effort::kMedium: return Effort::kHigh;
    default: return Effort::kXHigh;
  }
}

EscalationStep judge(Effort effort, const UncertaintyMeter& meter, const EscalationConfig& config) {
  EscalationStep step{.effort = effort, .measured_tokens = meter.count(), .mean_entropy = meter.mean_entropy(),
                      .mean_margin = meter.mean_margin()};
  if (meter.count() < config.min_tokens) {
    step.reason = str_cat("only ", meter.count(), " answer tokens measured: kept");
    return step;
  }
  const bool uncertain = config.metric == UncertaintyMetric::kMeanEntropy
                             ? step.mean_entropy > config.max_mean_entropy
                             : step.mean_margin < config.min_mean_margin;
  step.escalated = uncertain;
  step.reason = config.metric == UncertaintyMetric::kMeanEntropy
                    ? str_cat("mean entropy ", step.mean_entropy, uncertain ? " > " : " <= ", config.max_mean_entropy)
                    : str_cat("mean top-2 margin ", step.mean_margin, uncertain ? " < " : " >= ",
                              config.min_mean_margin);
  step.reason += uncertain ? ": uncertain" : ": confident";
  return step;
}

Result<EscalationOutcome> run_with_escalation(Effort start, const Attempt& attempt, const EscalationConfig& config) {
  CHECK(start != Effort::kAuto);
  EscalationOutcome outcome;
  Effort effort = start;
  for (int32_t escalations = 0;; ++escalations) {
    const UncertaintyMeter meter = TRY(attempt(effort));
    EscalationStep step = judge(effort, meter, config);
    const Effort next = next_effort(effort);
    const bool can_escalate = escalations < config.max_escalations && next > effort && next <= config.ceiling;
    if (step.escalated && !can_escalate) {
      step.escalated = false;
      step.reason += escalations >= config.max_escalations ? " (escalation limit reached: kept)"
                                                           : " (at the ceiling: kept)";
    }
    outcome.steps.push_back(step);
    if (!step.escalated) break;
    effort = next;
  }
  outcome.final_effort = effort;
  return outcome;
}

nlohmann::ordered_json EscalationStep::to_json() const {
  return {{"effort", std::string(effort_name(effort))}, {"measured_tokens", measured_tokens},
          {"mean_entropy", mean_entropy}, {"mean_margin", mean_margin}, {"escalated", escalated}, {"reason", reason}};
}

nlohmann::ordered_json EscalationOutcome::to_json() const {
  nlohmann::ordered_json steps_json = nlohmann::ordered_json::array();
  for (const EscalationStep& step : steps) steps_json.push_back(step.to_json());
  return {{"final_effort", std::string(effort_name(final_effort))}, {"attempts", steps_json}};
}

}  // namespace loom::reasoning
