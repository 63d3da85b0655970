// The sampler chain: turns one step's logits into a token. The order is fixed:
//   logit bias -> repetition/presence/frequency penalties (recent window) ->
//   grammar mask -> temperature -> top-k -> top-p -> min-p -> draw
// Greedy (argmax after the mask) when temperature == 0. Each stage is also a free
// function, so tests and other engines can run them alone.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "sample/token_mask.h"

namespace loom::sample {

struct SamplingParams {
  float temperature = 1.0f;  // 0: greedy
  int32_t top_k = 0;         // 0: off
  float top_p = 1.0f;        // 1: off
  float min_p = 0.0f;        // 0: off; keeps tokens with p >= min_p * p(best)
  float repetition_penalty = 1.0f;  // 1: off; positive logits divided, negative multiplied
  float presence_penalty = 0.0f;    // OpenAI: minus this once for every token seen
  float frequency_penalty = 0.0f;   // OpenAI: minus this times the token's count
  int32_t penalty_window = 64;      // how many recent tokens the penalties look at; -1: all
  std::vector<std::pair<int32_t, float>> logit_bias{};  // added to the raw logits
  uint64_t seed = 0;                // std::mt19937_64: same seed, same draws
  // Log-probabilities of the model's own distribution (log-softmax of the raw
  // logits, before any processing, as OpenAI reports them) for the chosen token
  // and the `top_logprobs` most likely ones.
  bool logprobs = false;
  int32_t top_logprobs = 0;
};

struct TokenLogprob {
  int32_t token = 0;
  float logprob = 0.0f;
};

struct StepLogprobs {
  TokenLogprob chosen;
  std::vector<TokenLogprob> top;  // most likely first
};

// A candidate during truncation: token and (temperature-scaled) logit.
struct Candidate {
  int32_t token;
  float logit;
};

// The stages, in chain order.
void apply_logit_bias(std::span<float> logits, std::span<const std::pair<int32_t, float>> bias);
void apply_penalties(std::span<float> logits, std::span<const int32_t> recent, float repetition_penalty,
                     float presence_penalty, float frequency_penalty);
// Candidates with finite logits divided by `temperature` (> 0), unsorted.
std::vector<Candidate> scaled_candidates(std::span<const float> logits, float temperature);
// top-k (and top-p when it keeps at most 4096) leave the kept candidates sorted by
// logit, descending (ties: lower id first); otherwise the order stays deterministic.
void keep_top_k(std::vector<Candidate>& candidates, int32_t k);
void keep_top_p(std::vector<Candidate>& candidates, float p);
void keep_min_p(std::vector<Candidate>& candidates, float min_p);
// Softmax probabilities of candidates.
std::vector<double> candidate_probabilities(std::span<const Candidate> candidates);
// log-softmax over all of `logits`, then the `count` best (and `chosen`).
StepLogprobs compute_logprobs(std::span<const float> logits, int32_t chosen, int32_t count);

class Sampler {
 public:
  Sampler(SamplingParams params, size_t vocab_size);

  // Runs the chain on `logits` (changed in place) and draws a token. `history` is
  // every token of the sequence so far (prompt included); `constraint`, if any,
  // masks the logits but is not advanced: call constraint->accept(token) after.
  // Returns -1 only when every token is masked out.
  int32_t sample(std::span<float> logits, std::span<const int32_t> history, GrammarConstraint* constraint = nullptr);

  // Filled by sample() when params.logprobs is set.
  const StepLogprobs& last_logprobs() const { return logprobs_; }
  const SamplingParams& params() const { return params_; }

 private:
  double uniform();  // [0, 1), 53 random bits

  SamplingParams params_;
  size_t vocab_size_;
  std::mt19937_64 rng_;
  StepLogprobs logprobs_;
  std::vector<float> raw_;
};

}  // namespace loom::sample
