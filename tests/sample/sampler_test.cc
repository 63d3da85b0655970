// Sampler stages against hand-computed expectations, and seeded draws against
// their expected distributions (chi-square).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "sample/sampler.h"

namespace loom::sample {
namespace {

std::vector<double> softmax(const std::vector<float>& logits, float temperature) {
  std::vector<double> out(logits.size());
  double sum = 0;
  for (size_t i = 0; i < logits.size(); ++i) sum += out[i] = std::exp(logits[i] / temperature);
  for (double& p : out) p /= sum;
  return out;
}

// Pearson chi-square of observed counts against expected probabilities (cells
// with zero probability must be empty).
double chi_square(const std::vector<int>& counts, const std::vector<double>& expected, int draws) {
  double statistic = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (expected[i] == 0) {
      EXPECT_EQ(counts[i], 0) << "token " << i << " has zero probability";
      continue;
    }
    const double e = expected[i] * draws;
    statistic += (counts[i] - e) * (counts[i] - e) / e;
  }
  return statistic;
}

std::vector<int> draw_counts(const SamplingParams& params, const std::vector<float>& logits, int draws) {
  Sampler sampler(params, logits.size());
  std::vector<int> counts(logits.size(), 0);
  for (int draw = 0; draw < draws; ++draw) {
    std::vector<float> working = logits;
    ++counts[sampler.sample(working, {})];
  }
  return counts;
}

// 99.9% quantiles of chi-square with k degrees of freedom.
constexpr double kChiSquare999[] = {0, 10.83, 13.82, 16.27, 18.47, 20.52};

TEST(Sampler, DrawsFollowTheSoftmaxWithTemperature) {
  const std::vector<float> logits = {1.0f, 2.0f, 0.5f, -1.0f, 1.5f};
  const int draws = 40000;
  for (float temperature : {0.5f, 1.0f, 2.0f}) {
    const auto counts = draw_counts({.temperature = temperature, .seed = 42}, logits, draws);
    EXPECT_LT(chi_square(counts, softmax(logits, temperature), draws), kChiSquare999[4]) << temperature;
  }
}

TEST(Sampler, TopKRenormalizesOverTheKBest) {
  const std::vector<float> logits = {1.0f, 2.0f, 0.5f, -1.0f, 1.5f};
  const int draws = 30000;
  const auto counts = draw_counts({.temperature = 1.0f, .top_k = 2, .seed = 7}, logits, draws);
  const double a = std::exp(2.0), b = std::exp(1.5);
  EXPECT_LT(chi_square(counts, {0, a / (a + b), 0, 0, b / (a + b)}, draws), kChiSquare999[1]);
}

TEST(Sampler, SameSeedSameTokensOtherSeedOtherTokens) {
  const std::vector<float> logits(50, 0.0f);
  const auto run = [&](uint64_t seed) {
    Sampler sampler({.temperature = 1.0f, .seed = seed}, logits.size());
    std::vector<int32_t> out;
    for (int i = 0; i < 64; ++i) {
      std::vector<float> working = logits;
      out.push_back(sampler.sample(working, out));
    }
    return out;
  };
  EXPECT_EQ(run(123), run(123));
  EXPECT_NE(run(123), run(124));
}

TEST(Sampler, GreedyAtTemperatureZero) {
  Sampler sampler({.temperature = 0.0f}, 4);
  std::vector<float> logits = {0.5f, 3.0f, 3.0f, 1.0f};
  EXPECT_EQ(sampler.sample(logits, {}), 1);  // ties: the lower id
  std::vector<float> masked = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
  EXPECT_EQ(sampler.sample(masked, {}), -1);
}

TEST(SamplerStages, LogitBias) {
  std::vector<float> logits = {0.0f, 1.0f, 2.0f};
  const std::vector<std::pair<int32_t, float>> bias = {{0, 5.0f}, {2, -100.0f}, {9, 1.0f}};
  apply_logit_bias(logits, bias);
  EXPECT_EQ(logits, (std::vector<float>{5.0f, 1.0f, -98.0f}));
}

TEST(SamplerStages, Penalties) {
  std::vector<float> logits = {2.0f, -1.0f, 0.5f};
  const std::vector<int32_t> recent = {0, 0, 1};
  apply_penalties(logits, recent, /*repetition=*/2.0f, /*presence=*/0.5f, /*frequency=*/0.25f);
  // token 0: 2/2 - (2*0.25 + 0.5); token 1: -1*2 - (0.25 + 0.5); token 2 unseen.
  EXPECT_FLOAT_EQ(logits[0], 0.0f);
  EXPECT_FLOAT_EQ(logits[1], -2.75f);
  EXPECT_FLOAT_EQ(logits[2], 0.5f);
}

TEST(SamplerStages, PenaltyWindowOnlySeesRecentTokens) {
  Sampler sampler({.temperature = 0.0f, .presence_penalty = 10.0f, .penalty_window = 2}, 3);
  std::vector<float> logits = {5.0f, 4.0f, 3.0f};
  const std::vector<int32_t> history = {0, 1, 2, 1};  // window: {2, 1}; token 0 is outside
  EXPECT_EQ(sampler.sample(logits, history), 0);
  std::vector<float> again = {5.0f, 4.0f, 3.0f};
  const std::vector<int32_t> recent_zero = {1, 2, 0};  // window: {2, 0}
  EXPECT_EQ(sampler.sample(again, recent_zero), 1);
}

TEST(SamplerStages, TopPKeepsTheSmallestPrefixReachingP) {
  const std::vector<float> probabilities = {0.05f, 0.5f, 0.15f, 0.3f};
  std::vector<Candidate> base;
  for (int32_t token = 0; token < 4; ++token) base.push_back({token, std::log(probabilities[token])});
  const auto kept = [&](float p) {
    std::vector<Candidate> candidates = base;
    keep_top_p(candidates, p);
    std::vector<int32_t> tokens;
    for (const Candidate& c : candidates) tokens.push_back(c.token);
    return tokens;
  };
  EXPECT_EQ(kept(0.4f), (std::vector<int32_t>{1}));
  EXPECT_EQ(kept(0.75f), (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(kept(0.81f), (std::vector<int32_t>{1, 3, 2}));
  EXPECT_EQ(kept(1.0f).size(), 4u);
}

TEST(SamplerStages, TopPOnAWideVocabularyMatchesTheSortedDefinition) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> uniform(-8.0f, 8.0f);  // test data only
  std::vector<Candidate> base;
  for (int32_t token = 0; token < 20000; ++token) base.push_back({token, uniform(rng)});
  base.push_back({20000, base[17].logit});  // a tie
  for (float p : {0.1f, 0.5f, 0.9f, 0.99f}) {
    // Reference: sort everything, keep the smallest prefix whose mass reaches p.
    std::vector<Candidate> sorted = base;
    std::sort(sorted.begin(), sorted.end(), [](const Candidate& a, const Candidate& b) {
      return a.logit > b.logit || (a.logit == b.logit && a.token < b.token);
    });
    const std::vector<double> probabilities = candidate_probabilities(sorted);
    std::set<int32_t> expected;
    double mass = 0;
    for (size_t i = 0; i < sorted.size() && mass < p; ++i) {
      expected.insert(sorted[i].token);
      mass += probabilities[i];
    }
    std::vector<Candidate> candidates = base;
    keep_top_p(candidates, p);
    std::set<int32_t> kept;
    for (const Candidate& c : candidates) kept.insert(c.token);
    EXPECT_EQ(kept, expected) << p;
  }
}

TEST(SamplerStages, MinPAndTopK) {
  const std::vector<float> probabilities = {0.05f, 0.5f, 0.15f, 0.3f};
  std::vector<Candidate> candidates;
  for (int32_t token = 0; token < 4; ++token) candidates.push_back({token, std::log(probabilities[token])});
  std::vector<Candidate> top = candidates;
  keep_top_k(top, 2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].token, 1);
  EXPECT_EQ(top[1].token, 3);
  keep_min_p(candidates, 0.2f);  // threshold 0.2 * 0.5 = 0.1: drops token 0
  ASSERT_EQ(candidates.size(), 3u);
  EXPECT_EQ(candidates[0].token, 1);
  EXPECT_EQ(candidates[1].token, 2);
  EXPECT_EQ(candidates[2].token, 3);
}

TEST(SamplerStages, TopPThenMinPDistribution) {
  // Chain: top-p 0.9 keeps {1, 3, 2}; min-p 0.4 then drops 2 (0.15 < 0.4 * 0.5).
  const std::vector<float> logits = {std::log(0.05f), std::log(0.5f), std::log(0.15f), std::log(0.3f)};
  const int draws = 20000;
  const auto counts = draw_counts({.temperature = 1.0f, .top_p = 0.9f, .min_p = 0.4f, .seed = 3}, logits, draws);
  EXPECT_LT(chi_square(counts, {0, 0.5 / 0.8, 0, 0.3 / 0.8}, draws), kChiSquare999[1]);
}

TEST(SamplerLogprobs, ModelDistributionBeforeProcessing) {
  Sampler sampler({.temperature = 0.0f, .logit_bias = {{2, 100.0f}}, .logprobs = true, .top_logprobs = 2}, 3);
  std::vector<float> logits = {1.0f, 2.0f, 0.0f};
  const double log_sum = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(0.0));
  EXPECT_EQ(sampler.sample(logits, {}), 2);  // the bias decides the token...
  const StepLogprobs& logprobs = sampler.last_logprobs();
  EXPECT_EQ(logprobs.chosen.token, 2);
  EXPECT_NEAR(logprobs.chosen.logprob, 0.0 - log_sum, 1e-5);  // ...but not the reported distribution
  ASSERT_EQ(logprobs.top.size(), 2u);
  EXPECT_EQ(logprobs.top[0].token, 1);
  EXPECT_NEAR(logprobs.top[0].logprob, 2.0 - log_sum, 1e-5);
  EXPECT_EQ(logprobs.top[1].token, 0);
  EXPECT_NEAR(logprobs.top[1].logprob, 1.0 - log_sum, 1e-5);
}

}  // namespace
}  // namespace loom::sample
