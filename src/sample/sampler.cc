// Sampler stages and the chain that runs them in order.
#include "sample/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace loom::sample {
namespace {

bool better(const Candidate& a, const Candidate& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.token < b.token);
}

// Sorts the best `count` candidates to the front.
void sort_front(std::vector<Candidate>& candidates, size_t count) {
  count = std::min(count, candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(count), candidates.end(), better);
}

}  // namespace

void apply_logit_bias(std::span<float> logits, std::span<const std::pair<int32_t, float>> bias) {
  for (const auto& [token, value] : bias) {
    if (token >= 0 && static_cast<size_t>(token) < logits.size()) logits[token] += value;
  }
}

void apply_penalties(std::span<float> logits, std::span<const int32_t> recent, float repetition_penalty,
                     float presence_penalty, float frequency_penalty) {
  if (repetition_penalty == 1.0f && presence_penalty == 0.0f && frequency_penalty == 0.0f) return;
  std::unordered_map<int32_t, int32_t> counts;
  for (int32_t token : recent) {
    if (token >= 0 && static_cast<size_t>(token) < logits.size()) ++counts[token];
  }
  for (const auto& [token, count] : counts) {
    float& logit = logits[token];
    logit = logit > 0 ? logit / repetition_penalty : logit * repetition_penalty;
    logit -= static_cast<float>(count) * frequency_penalty + presence_penalty;
  }
}

std::vector<Candidate> scaled_candidates(std::span<const float> logits, float temperature) {
  std::vector<Candidate> candidates;
  candidates.reserve(logits.size());
  for (size_t token = 0; token < logits.size(); ++token) {
    if (std::isfinite(logits[token])) candidates.push_back({static_cast<int32_t>(token), logits[token] / temperature});
  }
  return candidates;
}

void keep_top_k(std::vector<Candidate>& candidates, int32_t k) {
  if (k <= 0 || static_cast<size_t>(k) >= candidates.size()) return;  // no sort: the draw needs none
  sort_front(candidates, static_cast<size_t>(k));
  candidates.resize(static_cast<size_t>(k));
}

std::vector<double> candidate_probabilities(std::span<const Candidate> candidates) {
  std::vector<double> probabilities(candidates.size());
  if (candidates.empty()) return probabilities;
  float max_logit = -std::numeric_limits<float>::infinity();
  for (const Candidate& candidate : candidates) max_logit = std::max(max_logit, candidate.logit);
  double sum = 0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    probabilities[i] = std::exp(static_cast<double>(candidates[i].logit) - max_logit);
    sum += probabilities[i];
  }
  for (double& probability : probabilities) probability /= sum;
  return probabilities;
}

void keep_top_p(std::vector<Candidate>& candidates, float p) {
  if (p >= 1.0f || candidates.empty()) return;
  const std::vector<double> probabilities = candidate_probabilities(candidates);
  // Bucket the candidates by logit (bucket 0 holds the best) and add up bucket
  // masses from the top: every bucket before the one where the mass reaches p is
  // kept whole, and only that boundary bucket is sorted. Linear in the
  // vocabulary, however wide the nucleus is.
  constexpr int kBuckets = 4096;
  float max_logit = -std::numeric_limits<float>::infinity(), min_logit = std::numeric_limits<float>::infinity();
  for (const Candidate& candidate : candidates) {
    max_logit = std::max(max_logit, candidate.logit);
    min_logit = std::min(min_logit, candidate.logit);
  }
  const float scale = max_logit > min_logit ? (kBuckets - 1) / (max_logit - min_logit) : 0.0f;
  const auto bucket_of = [&](float logit) { return static_cast<int>((max_logit - logit) * scale); };
  std::vector<double> mass(kBuckets, 0.0);
  for (size_t i = 0; i < candidates.size(); ++i) mass[bucket_of(candidates[i].logit)] += probabilities[i];
  int boundary = 0;
  double before = 0;  // mass of the buckets above the boundary
  while (boundary + 1 < kBuckets && before + mass[boundary] < p) before += mass[boundary++];

  std::vector<Candidate> kept;
  std::vector<std::pair<Candidate, double>> edge;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const int bucket = bucket_of(candidates[i].logit);
    if (bucket < boundary) kept.push_back(candidates[i]);
    else if (bucket == boundary) edge.push_back({candidates[i], probabilities[i]});
  }
  std::sort(edge.begin(), edge.end(), [](const auto& a, const auto& b) { return better(a.first, b.first); });
  double cumulative = before;
  for (const auto& [candidate, probability] : edge) {
    if (cumulative >= p && !kept.empty()) break;  // smallest prefix reaching p, at least one token
    kept.push_back(candidate);
    cumulative += probability;
  }
  if (kept.size() <= 4096) std::sort(kept.begin(), kept.end(), better);
  candidates = std::move(kept);
}

void keep_min_p(std::vector<Candidate>& candidates, float min_p) {
  if (min_p <= 0.0f || candidates.empty()) return;
  float max_logit = -std::numeric_limits<float>::infinity();
  for (const Candidate& candidate : candidates) max_logit = std::max(max_logit, candidate.logit);
  // p_i >= min_p * p_max  <=>  logit_i >= logit_max + log(min_p)
  const float threshold = max_logit + std::log(min_p);
  std::erase_if(candidates, [&](const Candidate& candidate) { return candidate.logit < threshold; });
}

StepLogprobs compute_logprobs(std::span<const float> logits, int32_t chosen, int32_t count) {
  float max_logit = -std::numeric_limits<float>::infinity();
  for (float logit : logits) max_logit = std::max(max_logit, logit);
  double sum = 0;
  for (float logit : logits) sum += std::exp(static_cast<double>(logit) - max_logit);
  const double log_sum = max_logit + std::log(sum);
  StepLogprobs out;
  out.chosen = {chosen, chosen >= 0 ? static_cast<float>(logits[chosen] - log_sum) : -std::numeric_limits<float>::infinity()};
  std::vector<Candidate> all(logits.size());
  for (size_t token = 0; token < logits.size(); ++token) all[token] = {static_cast<int32_t>(token), logits[token]};
  sort_front(all, static_cast<size_t>(std::max(count, 0)));
  for (int32_t i = 0; i < count && static_cast<size_t>(i) < all.size(); ++i) {
    out.top.push_back({all[i].token, static_cast<float>(all[i].logit - log_sum)});
  }
  return out;
}

Sampler::Sampler(SamplingParams params, size_t vocab_size)
    : params_(std::move(params)), vocab_size_(vocab_size), rng_(params_.seed) {}

double Sampler::uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

int32_t Sampler::sample(std::span<float> logits, std::span<const int32_t> history, GrammarConstraint* constraint) {
  CHECK(logits.size() == vocab_size_);
  if (params_.logprobs) raw_.assign(logits.begin(), logits.end());

  apply_logit_bias(logits, params_.logit_bias);
  const size_t window = params_.penalty_window < 0 ? history.size()
                                                   : std::min(history.size(), static_cast<size_t>(params_.penalty_window));
  apply_penalties(logits, history.subspan(history.size() - window), params_.repetition_penalty,
                  params_.presence_penalty, params_.frequency_penalty);
  if (constraint != nullptr) constraint->apply(logits);

  int32_t chosen = -1;
  if (params_.temperature <= 0.0f) {
    float best = -std::numeric_limits<float>::infinity();
    for (size_t token = 0; token < logits.size(); ++token) {
      if (logits[token] > best) { best = logits[token]; chosen = static_cast<int32_t>(token); }
    }
  } else {
    std::vector<Candidate> candidates = scaled_candidates(logits, params_.temperature);
    keep_top_k(candidates, params_.top_k);
    keep_top_p(candidates, params_.top_p);
    keep_min_p(candidates, params_.min_p);
    const std::vector<double> probabilities = candidate_probabilities(candidates);
    // Inverse CDF over the candidates in the order the stages left them (sorted
    // after top-k/top-p, token order otherwise); the last one absorbs rounding.
    const double draw = uniform();
    double cumulative = 0;
    for (size_t i = 0; i < candidates.size(); ++i) {
      cumulative += probabilities[i];
      if (draw < cumulative || i + 1 == candidates.size()) { chosen = candidates[i].token; break; }
    }
  }
  if (params_.logprobs) logprobs_ = compute_logprobs(raw_, chosen, params_.top_logprobs);
  return chosen;
}

}  // namespace loom::sample
