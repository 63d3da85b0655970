// One generation: prompt tokens -> backend tokens -> streaming detokenizer ->
// the family's output parser -> parse events for the API writers, with
// usage and cost counted on the way.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/output_parser.h"
#include "reasoning/budget_forcing.h"
#include "server/backend.h"
#include "server/serving_model.h"

namespace loom::server {

// USD per million tokens.
struct Prices {
  double input = 5.0;
  double cached_input = 0.5;
  double output = 30.0;
};

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t cached_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t reasoning_tokens = 0;  // completion tokens spent inside the reasoning block
  double cost_usd = 0.0;
};

// A generated token's log-probability as the API reports it (logprobs: true).
struct TokenLogprob {
  struct Alternative {
    std::string bytes;
    double logprob = 0;
  };
  std::string bytes;  // the token's raw bytes (may be part of a UTF-8 character)
  double logprob = 0;
  std::vector<Alternative> top;  // top_logprobs most likely tokens, most likely first
  // Whether the token's text went to the answer's content, not to reasoning or
  // tool-call markup (Responses reports only these, on the output_text part).
  bool content = false;
};

// The reasoning effort a generation ran at, for the response and the log.
struct EffortReport {
  std::optional<reasoning::Effort> requested;  // not given: the model's default applied
  std::optional<reasoning::Effort> used;       // auto resolved; not given: none
  bool has_effect = false;                     // false: the model cannot reason (or no effort given)
  int32_t budget = -1;                         // reasoning tokens; -1: none
  std::vector<std::string> reasons;            // auto: the router's reasons, then each escalation judgment
  int64_t discarded_tokens = 0;                // auto: tokens of attempts escalation threw away
  nlohmann::ordered_json to_json() const;
  // "auto -> medium: contains code; low: mean entropy 2.71 > 2: uncertain -> medium".
  std::string to_string() const;
};

struct GenerationOutcome {
  chat::ParsedOutput output;
  FinishReason finish = FinishReason::kStop;
  Usage usage;
  // Every sampled token's entry when the request asked for logprobs and the
  // backend reports them (the replay backend does not: empty).
  std::vector<TokenLogprob> logprobs;
  EffortReport effort;
  std::optional<reasoning::BudgetStats> budget;  // when a reasoning budget was enforced
};

// Receives the events each token completes, with the log-probabilities of the
// tokens since the previous call (empty unless asked for); returns false when
// the client is gone (generation then stops).
using EventCallback =
    std::function<bool(const std::vector<chat::ParseEvent>& events, std::span<const TokenLogprob> logprobs)>;
// Sees each sampled answer token (not reasoning, not forced) with its
// log-probabilities when the request asked for them; returning false stops
// generation (finish kCancelled).
using AnswerTokenCallback = std::function<bool(const runtime::TokenEvent& event)>;

// One generation of `prompt` (prepared at one effort, never auto), with the
// prompt's reasoning budget enforced by budget forcing.
Result<GenerationOutcome> run_generation(const ServingModel& model, CompletionBackend& backend,
                                         const GenerationRequest& request, const PreparedPrompt& prompt,
                                         const Prices& prices, const EventCallback& on_events,
                                         const std::atomic<bool>& cancelled,
                                         const AnswerTokenCallback& on_answer_token = {});

double cost_usd(const Usage& usage, const Prices& prices);

}  // namespace loom::server
