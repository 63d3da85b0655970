// Generation on a real model through runtime::Engine, with grammar
// constraints for tool_choice=required/named and response_format JSON.
#include "server/model_backend.h"

#include "chat/family.h"
#include "chat/tool_choice.h"
#include "sample/json_schema.h"
#include "server/prometheus.h"

namespace loom::server {
namespace {

std::shared_ptr<const sample::VocabTrie> make_vocab(const text::Tokenizer& tokenizer) {
  std::vector<std::string> bytes;
  bytes.reserve(static_cast<size_t>(tokenizer.vocab_size()));
  for (int32_t id = 0; id < tokenizer.vocab_size(); ++id) bytes.emplace_back(tokenizer.token_bytes(id));
  const auto end = tokenizer.end_of_generation_ids();
  return std::make_shared<const sample::VocabTrie>(std::move(bytes), std::vector<int32_t>(end.begin(), end.end()));
}

FinishReason finish_from(runtime::FinishReason reason) {
  switch (reason) {
    case runtime::FinishReason::kLength:
    case runtime::FinishReason::kContextFull:
      return FinishReason::kLength;
    case runtime::FinishReason::kCancelled:
      return FinishReason::kCancelled;
    default:
      return FinishReason::kStop;
  }
}

}  // namespace

ModelBackend::ModelBackend(runtime::Engine& engine, chat::Family family)
    : engine_(engine), family_(family), vocab_(make_vocab(engine.tokenizer())) {}

Result<std::unique_ptr<sample::GrammarConstraint>> ModelBackend::constraint_for(const BackendRequest& request) {
  std::optional<sample::Grammar> grammar;
  const bool may_call = request.tool_choice.mode != chat::ToolChoiceMode::kNone && !request.tools.empty();
  // A JSON response_format leaves tool_choice auto to the free text it replaces.
  const bool json_output = request.response_format != ResponseFormat::kText;
  if (may_call && !(json_output && request.tool_choice.mode == chat::ToolChoiceMode::kAuto)) {
    // The one place that turns tool_choice into a grammar, per chat family;
    // auto: free text until the family's call marker, then valid calls only.
    const chat::ToolCallConstraint calls =
        TRY(chat::tool_call_constraint(family_, request.tools, request.tool_choice, request.parallel_tool_calls));
    if (calls.grammar != nullptr)
      return std::make_unique<sample::GrammarConstraint>(calls.grammar, vocab_,
                                                         sample::ConstraintParams{.triggers = calls.triggers});
  }
  if (request.response_format == ResponseFormat::kJsonObject) {
    grammar = sample::json_object_grammar();
  } else if (request.response_format == ResponseFormat::kJsonSchema) {
    Result<sample::Grammar> schema_grammar = sample::json_schema_grammar(nlohmann::ordered_json(request.json_schema));
    if (!schema_grammar.ok()) return invalid_argument("response_format.json_schema.schema: ", schema_grammar.status().message());
    grammar = std::move(*schema_grammar);
  }
  if (!grammar) return std::unique_ptr<sample::GrammarConstraint>();
  return std::make_unique<sample::GrammarConstraint>(std::make_shared<const sample::Grammar>(std::move(*grammar)), vocab_);
}

Result<BackendResult> ModelBackend::generate(const BackendRequest& request, const TokenCallback& on_token,
                                             const std::atomic<bool>& cancelled) {
  std::unique_ptr<sample::GrammarConstraint> constraint = TRY(constraint_for(request));
  runtime::GenerationParams params;
  params.sampling.temperature = static_cast<float>(request.sampling.temperature);
  params.sampling.top_p = static_cast<float>(request.sampling.top_p);
  params.sampling.seed = request.sampling.seed.value_or(0);
  params.sampling.logprobs = request.sampling.logprobs;
  params.sampling.top_logprobs = request.sampling.top_logprobs;
  params.max_tokens = static_cast<int32_t>(std::min<int64_t>(request.max_tokens, INT32_MAX));
  params.stop = request.sampling.stop;

  if (cancelled.load()) return BackendResult{.finish = FinishReason::kCancelled};
  const runtime::GenerationResult result =
      TRY(engine_.generate(request.prompt_ids, params, constraint.get(), request.policy, on_token, &cancelled));
  return BackendResult{.finish = finish_from(result.finish), .cached_prompt_tokens = result.cached_prompt_tokens};
}

std::string ModelBackend::metrics_text() const {
  const runtime::EngineStats s = engine_.stats();
  auto rate = [](int64_t tokens, double seconds) { return seconds > 0 ? static_cast<double>(tokens) / seconds : 0.0; };
  Exposition out;
  out.single("loom_engine_running_sequences", "gauge", "Sequences in the running batch", s.running);
  out.single("loom_engine_waiting_sequences", "gauge", "Sequences queued for admission", s.waiting);
  out.single("loom_engine_kv_blocks_used", "gauge", "KV cache blocks held by sequences", s.kv_blocks_used);
  out.single("loom_engine_kv_blocks_total", "gauge", "KV cache blocks in the pool", s.kv_blocks_total);
  out.single("loom_engine_kv_blocks_cached", "gauge", "KV cache blocks published in the prefix cache (held or not)",
             s.kv_blocks_cached);
  out.single("loom_engine_kv_block_tokens", "gauge", "Positions per KV cache block", s.block_size);
  out.single("loom_engine_prefix_cache_hit_tokens_total", "counter", "Prompt tokens served from the prefix cache",
             s.prefix_hit_tokens);
  out.single("loom_engine_prefill_tokens_total", "counter", "Prompt tokens computed", s.prefill_tokens);
  out.single("loom_engine_decode_tokens_total", "counter", "Generated tokens fed back", s.decode_tokens);
  out.single("loom_engine_prefill_tokens_per_second", "gauge", "Prompt tokens per second of engine steps",
             rate(s.prefill_tokens, s.prefill_seconds));
  out.single("loom_engine_decode_tokens_per_second", "gauge", "Decode tokens per second of engine steps",
             rate(s.decode_tokens, s.decode_seconds));
  out.single("loom_engine_preemptions_total", "counter", "Sequences preempted when the KV pool ran out", s.preemptions);
  out.single("loom_engine_steps_total", "counter", "Engine steps (forward passes)", s.steps);
  return out.text();
}

}  // namespace loom::server
