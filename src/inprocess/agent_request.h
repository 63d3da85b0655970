// The agent's model request as the server sees it. The conversation and the
// tools go through the Chat Completions translation the HTTP backend sends
// (agent/wire_format.h) and the server's own request parser, so a model run
// in-process gets exactly the prompt `loom serve` builds for the same session.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/backend.h"
#include "base/status.h"
#include "server/request.h"
#include "server/serving_model.h"

namespace loom::inprocess {

// Sampling of each model call (HTTP backends leave these to the server).
struct TurnSampling {
  double temperature = 0.0;          // 0: greedy, so runs repeat
  double top_p = 1.0;
  std::optional<uint64_t> seed{};
  int64_t max_output_tokens = 0;     // per call; 0: up to the context
};

Result<server::GenerationRequest> generation_request(const agent::ModelRequest& request, const std::string& model_id,
                                                     const TurnSampling& sampling = {});

// The prompt text and token ids the in-process backend sends for `request`:
// chat template, tools and effort applied by server::ServingModel::prepare.
Result<server::PreparedPrompt> render_agent_prompt(const server::ServingModel& model, const agent::ModelRequest& request,
                                                   const TurnSampling& sampling = {}, std::string_view id_seed = "");

}  // namespace loom::inprocess
