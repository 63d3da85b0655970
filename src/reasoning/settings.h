// Everything about reasoning effort a deployment can configure, in one JSON
// file (`loom serve --reasoning-config FILE.json`): the ReasoningConfig keys at
// the top level (budgets, sentence, xhigh waits), plus "router" (RouterConfig
// keys) and "escalation" (EscalationConfig keys) objects. Absent keys keep
// their defaults; unknown keys are errors.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "reasoning/effort_policy.h"
#include "reasoning/escalation.h"
#include "reasoning/router.h"

namespace loom::reasoning {

struct ReasoningSettings {
  ReasoningConfig budgets;
  RouterConfig router;
  EscalationConfig escalation;
};

// {"metric": "mean_entropy"|"mean_margin", "window", "min_tokens",
//  "max_mean_entropy", "min_mean_margin", "max_escalations", "top_logprobs", "ceiling"}.
Result<EscalationConfig> parse_escalation_config(std::string_view json_text);

Result<ReasoningSettings> parse_reasoning_settings(std::string_view json_text);
Result<ReasoningSettings> load_reasoning_settings(const std::string& path);

}  // namespace loom::reasoning
