// Adaptive escalation for `auto`: answer at a low effort, measure the model's
// uncertainty over the first answer tokens (mean entropy or mean top-2 margin
// of its distribution), and if it passes a threshold discard the answer and
// redo it at the next effort, at most max_escalations times.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "reasoning/effort_policy.h"
#include "sample/sampler.h"

namespace loom::reasoning {

enum class UncertaintyMetric { kMeanEntropy, kMeanMargin };

struct EscalationConfig {
  UncertaintyMetric metric = UncertaintyMetric::kMeanEntropy;
  int32_t window = 16;              // first answer tokens measured
  int32_t min_tokens = 4;           // fewer measured tokens: never escalate
  double max_mean_entropy = 2.0;    // nats; above: uncertain
  double min_mean_margin = 1.0;     // nats between the top two; below: uncertain
  int32_t max_escalations = 1;
  int32_t top_logprobs = 20;        // what the sampler must report (sampling.top_logprobs)
  Effort ceiling = Effort::kHigh;   // never escalate past this
};

// Entropy of one step from its top log-probabilities (a lower bound of the
// true entropy; the left-out mass is taken as spread like the last listed token).
double step_entropy(const sample::StepLogprobs& step);
// logprob(top 1) - logprob(top 2); 0 when fewer than two are known.
double step_margin(const sample::StepLogprobs& step);

// Collects the first `window` answer steps.
class UncertaintyMeter {
 public:
  explicit UncertaintyMeter(int32_t window) : window_(window) {}
  void add(const sample::StepLogprobs& step);
  int32_t count() const { return count_; }
  bool full() const { return count_ >= window_; }
  double mean_entropy() const { return count_ ? entropy_sum_ / count_ : 0.0; }
  double mean_margin() const { return count_ ? margin_sum_ / count_ : 0.0; }

 private:
  int32_t window_;
  int32_t count_ = 0;
  double entropy_sum_ = 0;
  double margin_sum_ = 0;
};

struct EscalationStep {
  Effort effort = Effort::kLow;   // the effort this attempt used
  int32_t measured_tokens = 0;
  double mean_entropy = 0;
  double mean_margin = 0;
  bool escalated = false;         // this attempt was discarded
  std::string reason;
  nlohmann::ordered_json to_json() const;
};

EscalationStep judge(Effort effort, const UncertaintyMeter& meter, const EscalationConfig& config);
// low -> medium -> high -> xhigh; xhigh stays.
Effort next_effort(Effort effort);

// One generation at an effort; returns the uncertainty of its first answer
// tokens. The caller keeps the output of the latest attempt.
using Attempt = std::function<Result<UncertaintyMeter>(Effort)>;

struct EscalationOutcome {
  Effort final_effort = Effort::kLow;
  std::vector<EscalationStep> steps;  // one per attempt, the last one kept
  nlohmann::ordered_json to_json() const;
};

// Runs `attempt` at `start`, then again one level up while it is judged
// uncertain, at most config.max_escalations times and never past the ceiling.
Result<EscalationOutcome> run_with_escalation(Effort start, const Attempt& attempt, const EscalationConfig& config);

}  // namespace loom::reasoning
