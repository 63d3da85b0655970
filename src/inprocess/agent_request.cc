// ModelRequest -> Chat Completions body -> server::GenerationRequest.
#include "inprocess/agent_request.h"

#include "agent/wire_format.h"

namespace loom::inprocess {

Result<server::GenerationRequest> generation_request(const agent::ModelRequest& request, const std::string& model_id,
                                                     const TurnSampling& sampling) {
  nlohmann::json body = agent::chat_request_json(request, model_id);
  // The reasoning of earlier turns goes back to the model, as Qwen3-style
  // templates keep it after the last user message: the prompt of the next
  // call then extends the text already generated (and its cached prefix).
  for (size_t index = 0; index < request.items.size() && index < body["messages"].size(); ++index) {
    const agent::Item& item = request.items[index];
    if (item.kind == agent::ItemKind::kAssistant && !item.reasoning.empty())
      body["messages"][index]["reasoning_content"] = item.reasoning;
  }
  body["temperature"] = sampling.temperature;
  body["top_p"] = sampling.top_p;
  if (sampling.seed) body["seed"] = *sampling.seed;
  if (sampling.max_output_tokens > 0) body["max_completion_tokens"] = sampling.max_output_tokens;
  // The edge checks of the server apply: an effort it does not know is an
  // error here just as it would be over HTTP.
  Result<server::GenerationRequest> parsed = server::parse_chat_request(body);
  if (!parsed.ok()) return parsed.status().with_context("the model request");
  return parsed;
}

Result<server::PreparedPrompt> render_agent_prompt(const server::ServingModel& model, const agent::ModelRequest& request,
                                                   const TurnSampling& sampling, std::string_view id_seed) {
  const server::GenerationRequest generation = TRY(generation_request(request, model.id(), sampling));
  return model.prepare(generation, id_seed);
}

}  // namespace loom::inprocess
