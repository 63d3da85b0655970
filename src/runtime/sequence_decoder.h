// SequenceDecoder: what happens to one sequence between two forward passes,
// shared by the single-sequence Generator and the batching Engine. Given the
// logits of the last fed token it picks the next token (forced by the
// TokenPolicy, or sampled under the grammar constraint), advances the
// constraint and the policy, decodes UTF-8-safe text and checks stop strings,
// end-of-generation ids and the token budget. The caller only runs the model.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "sample/sampler.h"
#include "sample/stop_matcher.h"
#include "sample/token_mask.h"
#include "text/detokenizer.h"
#include "text/tokenizer.h"

namespace loom::runtime {

// A hook that may force tokens instead of sampling them (reasoning budgets).
class TokenPolicy {
 public:
  virtual ~TokenPolicy() = default;
  // Tokens to emit next instead of sampling (empty: sample as usual).
  virtual std::vector<int32_t> forced_tokens() = 0;
  // Sees every emitted token, sampled or forced, with its raw bytes.
  virtual void observe(int32_t token, std::string_view bytes) = 0;
  // Called with each sampled token before it is emitted: a value discards the
  // token and emits these forced tokens in its place (s1-style "Wait" instead of
  // an early end of reasoning). Empty or no value: keep the sampled token.
  virtual std::optional<std::vector<int32_t>> replace(int32_t sampled) { return std::nullopt; }
};

struct GenerationParams {
  sample::SamplingParams sampling{};
  int32_t max_tokens = 256;              // generated tokens, forced ones included
  std::vector<std::string> stop{};       // stop strings (not included in the output)
};

enum class FinishReason { kEndOfGeneration, kStopString, kLength, kContextFull, kCancelled, kGrammarDead };
std::string_view finish_reason_name(FinishReason reason);

struct TokenEvent {
  int32_t token = 0;
  bool forced = false;              // emitted by the TokenPolicy, not sampled
  std::string text;                 // newly releasable text (may be empty); the final
                                    // event of a generation may carry token -1: text held
                                    // back until the end (a partial character or stop prefix)
  const sample::StepLogprobs* logprobs = nullptr;  // when sampling.logprobs
};

class SequenceDecoder {
 public:
  // `tokenizer`, `constraint` and `policy` (both may be null) must outlive the decoder.
  SequenceDecoder(const text::Tokenizer& tokenizer, int64_t vocab_size, std::span<const int32_t> prompt,
                  const GenerationParams& params, sample::GrammarConstraint* constraint, TokenPolicy* policy);

  struct Step {
    // Set: the sequence ends here without emitting anything (end of
    // generation, token budget, grammar with no way on).
    std::optional<FinishReason> finish;
    // Otherwise: emit `event`; feed event.token to the model next unless
    // `stop_string` (the text reached a stop string: the sequence ends).
    TokenEvent event;
    bool stop_string = false;
    // The event used the last token of the budget: the sequence ends with
    // FinishReason::kLength after emitting it, without feeding it.
    bool budget_spent = false;
  };
  // Picks the token that follows `logits` (changed in place by the sampler).
  // event.logprobs points into the decoder until the next call.
  Result<Step> next(std::span<float> logits);

  // The text held back until the end, for a sequence that ended for `reason`
  // (none after a stop string: what was held is the stop string's prefix).
  std::optional<TokenEvent> tail(FinishReason reason);

  const std::vector<int32_t>& generated() const { return generated_; }
  const std::string& text() const { return text_; }

 private:
  const text::Tokenizer* tokenizer_;
  GenerationParams params_;
  sample::GrammarConstraint* constraint_;
  TokenPolicy* policy_;
  sample::Sampler sampler_;
  sample::StopMatcher stops_;
  text::StreamingDetokenizer detokenizer_;
  std::vector<int32_t> end_ids_;
  std::vector<int32_t> history_;       // prompt and generated tokens (penalty window)
  std::vector<int32_t> pending_forced_;
  std::vector<int32_t> generated_;     // emitted ids (end-of-generation token excluded)
  std::string text_;                   // everything released
};

}  // namespace loom::runtime
