// A request at its reasoning effort. A fixed effort (or none given) is one
// generation of the prepared prompt. `auto` starts at the router's choice and
// escalates (reasoning::run_with_escalation): the first answer tokens'
// log-probabilities measure the model's uncertainty, and an uncertain answer
// is discarded and redone one level up. Events of an attempt that may still be
// discarded are held back until it is judged, so a client never sees them;
// the last attempt that escalation allows streams as it goes.
#pragma once

#include <atomic>
#include <string_view>

#include "server/generation.h"

namespace loom::server {

// `prompt` is model.prepare(request, id_seed); `id_seed` re-prepares escalated
// attempts with the same tool-call ids.
Result<GenerationOutcome> generate_at_effort(const ServingModel& model, CompletionBackend& backend,
                                             const GenerationRequest& request, const PreparedPrompt& prompt,
                                             std::string_view id_seed, const Prices& prices,
                                             const EventCallback& on_events, const std::atomic<bool>& cancelled);

}  // namespace loom::server
