// One agent turn in-process: prepare, generate, and read the result back
// through the same Chat Completions shapes the HTTP backend parses.
#include "inprocess/local_backend.h"

#include <atomic>

#include "agent/wire_format.h"
#include "server/chat_writer.h"
#include "server/effort_generation.h"

namespace loom::inprocess {

Result<agent::ModelTurn> LocalBackend::complete(const agent::ModelRequest& request) {
  const server::GenerationRequest generation = TRY(generation_request(request, model_.id(), options_.sampling));
  const std::string id = str_cat("chatcmpl-local-", ++calls_);
  const server::PreparedPrompt prompt = TRY(model_.prepare(generation, id));
  const auto on_events = [&request](const std::vector<chat::ParseEvent>& events, std::span<const server::TokenLogprob>) {
    if (!request.stream) return true;
    for (const chat::ParseEvent& event : events) {
      if (event.kind == chat::ParseEvent::Kind::kReasoningDelta)
        request.stream({.kind = agent::TurnDelta::Kind::kReasoning, .text = event.text});
      else if (event.kind == chat::ParseEvent::Kind::kContentDelta)
        request.stream({.kind = agent::TurnDelta::Kind::kContent, .text = event.text});
    }
    return true;
  };
  const std::atomic<bool> cancelled{false};
  const server::GenerationOutcome outcome =
      TRY(server::generate_at_effort(model_, backend_, generation, prompt, id, options_.prices, on_events, cancelled));
  // The response object the server would send, parsed as the HTTP backend
  // parses it: one translation for both paths.
  const server::ResponseIdentity identity{.id = id, .created = 0, .model = model_.id()};
  agent::ModelTurn turn = TRY(agent::parse_chat_response(server::chat_completion_json(identity, outcome).dump()));
  turn.streamed = static_cast<bool>(request.stream);
  return turn;
}

std::string LocalBackend::describe() const {
  return str_cat("in-process ", model_.id(), " (", chat::family_name(model_.family()), ", context ",
                 model_.context_length(), ")");
}

}  // namespace loom::inprocess
