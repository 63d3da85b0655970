// Generator: the generation loop of one sequence. Prompt ids go in; tokens are
// picked one by one by a SequenceDecoder (sampler chain, optional grammar
// constraint, optional token policy such as reasoning budget forcing, UTF-8-safe
// text, stop strings, budgets) and handed to a callback.
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
#include "runtime/sequence_decoder.h"
#include "sample/token_mask.h"
#include "text/tokenizer.h"

namespace loom::runtime {

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
