// The single-sequence generation loop (see generator.h).
#include "runtime/generator.h"

#include <algorithm>
#include <chrono>

#include "sample/stop_matcher.h"
#include "text/detokenizer.h"

namespace loom::runtime {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

std::string_view finish_reason_name(FinishReason reason) {
  switch (reason) {
    case FinishReason::kEndOfGeneration: return "end_of_generation";
    case FinishReason::kStopString: return "stop";
    case FinishReason::kLength: return "length";
    case FinishReason::kContextFull: return "context_full";
    case FinishReason::kCancelled: return "cancelled";
    case FinishReason::kGrammarDead: return "grammar";
  }
  return "unknown";
}

Result<Generator> Generator::create(model::Model& model, const text::Tokenizer& tokenizer, ThreadPool& pool,
                                    tensor::DType kv_type, int64_t context) {
  if (tokenizer.vocab_size() > model.hparams().vocab_size) {
    return invalid_argument("the tokenizer has ", tokenizer.vocab_size(), " tokens but the model only ",
                            model.hparams().vocab_size);
  }
  model::KvCache cache = TRY(model.new_cache(kv_type, context));
  return Generator(model, tokenizer, pool, std::move(cache));
}

Status Generator::feed(std::span<const int32_t> tokens) {
  TRY(model_->forward(*pool_, tokens, static_cast<int64_t>(cached_.size()), cache_, model::LogitsFor::kLastToken,
                      logits_));
  cached_.insert(cached_.end(), tokens.begin(), tokens.end());
  return {};
}

Result<GenerationResult> Generator::generate(std::span<const int32_t> prompt, const GenerationParams& params,
                                             sample::GrammarConstraint* constraint, TokenPolicy* policy,
                                             const TokenCallback& on_token, const std::atomic<bool>* cancel) {
  if (prompt.empty()) return invalid_argument("the prompt is empty");
  const int64_t context = cache_.capacity();
  if (static_cast<int64_t>(prompt.size()) >= context) {
    return out_of_range("the prompt has ", prompt.size(), " tokens; the context holds ", context,
                        " (including at least one generated token)");
  }
  GenerationResult result;
  result.prompt_tokens = static_cast<int64_t>(prompt.size());

  // Reuse the cached prefix; always recompute at least the last prompt token
  // so its logits are fresh.
  size_t shared = 0;
  while (shared < cached_.size() && shared + 1 < prompt.size() && cached_[shared] == prompt[shared]) ++shared;
  cached_.resize(shared);
  result.cached_prompt_tokens = static_cast<int64_t>(shared);
  const auto prefill_start = Clock::now();
  TRY(feed(prompt.subspan(shared)));
  result.prefill_seconds = seconds_since(prefill_start);

  std::vector<int32_t> history(prompt.begin(), prompt.end());
  sample::Sampler sampler(params.sampling, static_cast<size_t>(model_->hparams().vocab_size));
  sample::StopMatcher stops(params.stop);
  text::StreamingDetokenizer detokenizer(*tokenizer_, text::SpecialTokens::kKeep);
  const auto end_ids = tokenizer_->end_of_generation_ids();
  auto is_end = [&](int32_t token) { return std::find(end_ids.begin(), end_ids.end(), token) != end_ids.end(); };

  const auto decode_start = Clock::now();
  std::vector<int32_t> pending_forced;
  result.finish = FinishReason::kLength;
  while (static_cast<int32_t>(result.tokens.size()) < params.max_tokens) {
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
      result.finish = FinishReason::kCancelled;
      break;
    }
    if (static_cast<int64_t>(cached_.size()) >= context) {
      result.finish = FinishReason::kContextFull;
      break;
    }
    if (pending_forced.empty() && policy != nullptr) pending_forced = policy->forced_tokens();
    TokenEvent event;
    if (!pending_forced.empty()) {
      event.token = pending_forced.front();
      event.forced = true;
      pending_forced.erase(pending_forced.begin());
    } else {
      event.token = sampler.sample(logits_, history, constraint);
      if (event.token < 0) {
        result.finish = FinishReason::kGrammarDead;
        break;
      }
      if (params.sampling.logprobs) event.logprobs = &sampler.last_logprobs();
      if (policy != nullptr) {
        if (std::optional<std::vector<int32_t>> replacement = policy->replace(event.token);
            replacement.has_value() && !replacement->empty()) {
          event.token = replacement->front();
          event.forced = true;
          event.logprobs = nullptr;
          pending_forced.assign(replacement->begin() + 1, replacement->end());
        }
      }
    }
    if (constraint != nullptr) {
      // A forced token the grammar rejects leaves the grammar as it was.
      if (Status accepted = constraint->accept(event.token); !accepted.ok() && !event.forced) return accepted;
    }
    if (policy != nullptr) policy->observe(event.token, tokenizer_->token_bytes(event.token));
    if (!event.forced && is_end(event.token)) {
      result.finish = FinishReason::kEndOfGeneration;
      break;
    }
    result.tokens.push_back(event.token);
    history.push_back(event.token);
    const sample::StopMatcher::Output out = stops.feed(detokenizer.push(event.token));
    event.text = out.text;
    result.text += event.text;
    if (!on_token(event)) {
      result.finish = FinishReason::kCancelled;
      break;
    }
    if (out.stopped) {
      result.finish = FinishReason::kStopString;
      break;
    }
    TRY(feed(std::span(&event.token, 1)));
  }
  if (result.finish != FinishReason::kStopString) {
    TokenEvent tail;
    tail.text = stops.feed(detokenizer.flush()).text + (stops.stopped() ? "" : stops.flush());
    if (!tail.text.empty()) {
      tail.token = -1;
      result.text += tail.text;
      on_token(tail);
    }
  }
  result.decode_seconds = seconds_since(decode_start);
  return result;
}

}  // namespace loom::runtime
