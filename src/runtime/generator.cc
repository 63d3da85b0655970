// The single-sequence generation loop (see generator.h).
#include "runtime/generator.h"

#include <chrono>

namespace loom::runtime {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

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

  SequenceDecoder decoder(*tokenizer_, model_->hparams().vocab_size, prompt, params, constraint, policy);
  const auto decode_start = Clock::now();
  result.finish = FinishReason::kLength;
  while (true) {
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
      result.finish = FinishReason::kCancelled;
      break;
    }
    if (static_cast<int64_t>(cached_.size()) >= context) {
      result.finish = FinishReason::kContextFull;
      break;
    }
    const SequenceDecoder::Step step = TRY(decoder.next(logits_));
    if (step.finish) {
      result.finish = *step.finish;
      break;
    }
    if (!on_token(step.event)) {
      result.finish = FinishReason::kCancelled;
      break;
    }
    if (step.stop_string) {
      result.finish = FinishReason::kStopString;
      break;
    }
    if (step.budget_spent) break;  // kLength; feeding the last token would be wasted work
    TRY(feed(std::span(&step.event.token, 1)));
  }
  if (std::optional<TokenEvent> tail = decoder.tail(result.finish)) on_token(*tail);
  result.tokens = decoder.generated();
  result.text = decoder.text();
  result.decode_seconds = seconds_since(decode_start);
  return result;
}

}  // namespace loom::runtime
