// Generator: the generation loop of one sequence. Prompt ids go in; tokens are
// sampled one by one (sampler chain, optional grammar constraint, optional
// token policy such as reasoning budget forcing), decoded into UTF-8-safe
// text, checked against stop strings and budgets, and handed to a callback.
// It keeps the KV cache of the last sequence, so a prompt that starts with the
// previous one (a conversation re-sent with one more turn) only computes the
// new suffix.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "model/kv_cache.h"
#include "model/model.h"
#include "sample/sampler.h"
#include "sample/token_mask.h"
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

struct GenerationResult {
  std::vector<int32_t> tokens;      // generated ids (end-of-generation token excluded)
  std::string text;                 // everything released to the callback
  FinishReason finish = FinishReason::kLength;
  int64_t prompt_tokens = 0;
  int64_t cached_prompt_tokens = 0; // prompt tokens reused from the previous call's cache
  double prefill_seconds = 0;
  double decode_seconds = 0;
};

class Generator {
 public:
  // `context` is the KV capacity in tokens. The model, tokenizer and pool must
  // outlive the generator.
  static Result<Generator> create(model::Model& model, const text::Tokenizer& tokenizer, ThreadPool& pool,
                                  tensor::DType kv_type, int64_t context);

  // Returning false from on_token stops generation (finish kCancelled).
  using TokenCallback = std::function<bool(const TokenEvent&)>;

  // Runs `prompt` (reusing the longest prefix shared with the cached sequence)
  // and generates. `constraint` and `policy` may be null. `cancel`, if set, is
  // polled between steps.
  Result<GenerationResult> generate(std::span<const int32_t> prompt, const GenerationParams& params,
                                    sample::GrammarConstraint* constraint, TokenPolicy* policy,
                                    const TokenCallback& on_token, const std::atomic<bool>* cancel = nullptr);

  int64_t context() const { return cache_.capacity(); }
  const model::Model& model() const { return *model_; }
  const text::Tokenizer& tokenizer() const { return *tokenizer_; }

 private:
  Generator(model::Model& model, const text::Tokenizer& tokenizer, ThreadPool& pool, model::KvCache cache)
      : model_(&model), tokenizer_(&tokenizer), pool_(&pool), cache_(std::move(cache)) {}
  // Feeds tokens at the end of the cached sequence, leaving the last logits.
  Status feed(std::span<const int32_t> tokens);

  model::Model* model_;
  const text::Tokenizer* tokenizer_;
  ThreadPool* pool_;
  model::KvCache cache_;
  std::vector<int32_t> cached_;  // tokens whose keys and values are in cache_
  std::vector<float> logits_;
};

}  // namespace loom::runtime
