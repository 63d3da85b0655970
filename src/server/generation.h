// One generation: prompt tokens -> backend tokens -> streaming detokenizer ->
// the family's output parser -> parse events for the API writers, with
// usage and cost counted on the way.
#pragma once

#include <atomic>
#include <functional>
#include <vector>

#include "chat/output_parser.h"
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

struct GenerationOutcome {
  chat::ParsedOutput output;
  FinishReason finish = FinishReason::kStop;
  Usage usage;
};

// Receives the events each token completes; returns false when the client is
// gone (generation then stops).
using EventCallback = std::function<bool(const std::vector<chat::ParseEvent>& events)>;

Result<GenerationOutcome> run_generation(const ServingModel& model, CompletionBackend& backend,
                                         const GenerationRequest& request, const PreparedPrompt& prompt,
                                         const Prices& prices, const EventCallback& on_events,
                                         const std::atomic<bool>& cancelled);

double cost_usd(const Usage& usage, const Prices& prices);

}  // namespace loom::server
