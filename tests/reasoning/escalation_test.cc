// Adaptive escalation with synthetic logits: confident answers stay at the
// starting effort, uncertain ones escalate once, and the loop never exceeds
// its limit even when every attempt stays uncertain.
#include "reasoning/escalation.h"

#include <gtest/gtest.h>

#include <cmath>

namespace loom::reasoning {
namespace {

// Logits over a 1000-token vocabulary: one token `peak` nats above a flat rest.
std::vector<float> peaked_logits(float peak) {
  std::vector<float> logits(1000, 0.0f);
  logits[7] = peak;
  return logits;
}

UncertaintyMeter meter_for(float peak, int tokens) {
  UncertaintyMeter meter(16);
  const std::vector<float> logits = peaked_logits(peak);
  for (int i = 0; i < tokens; ++i) meter.add(sample::compute_logprobs(logits, 7, 20));
  return meter;
}

TEST(Escalation, EntropyAndMarginOfSyntheticDistributions) {
  // Uniform over 1000: entropy log(1000), margin 0.
  const std::vector<float> flat(1000, 0.0f);
  const sample::StepLogprobs uniform = sample::compute_logprobs(flat, 0, 20);
  EXPECT_NEAR(step_margin(uniform), 0.0, 1e-5);
  const double exact = std::log(1000.0);
  EXPECT_NEAR(step_entropy(uniform), exact, 1e-4);
  // A steep tail: the estimate stays a lower bound of the exact entropy.
  std::vector<float> steep(1000);
  double z = 0, exact_steep = 0;
  for (int i = 0; i < 1000; ++i) z += std::exp(steep[i] = -0.05f * i);
  for (int i = 0; i < 1000; ++i) exact_steep -= std::exp(steep[i]) / z * (steep[i] - std::log(z));
  const double estimate = step_entropy(sample::compute_logprobs(steep, 0, 20));
  EXPECT_LE(estimate, exact_steep + 1e-6);
  EXPECT_GT(estimate, 0.5 * exact_steep);
  // Peaked: margin equals the logit gap; entropy near zero.
  const sample::StepLogprobs peaked = sample::compute_logprobs(peaked_logits(20.0f), 7, 20);
  EXPECT_NEAR(step_margin(peaked), 20.0, 1e-3);
  EXPECT_LT(step_entropy(peaked), 0.01);
}

TEST(Escalation, ConfidentStaysLow) {
  int attempts = 0;
  auto outcome = run_with_escalation(
      Effort::kLow, [&](Effort) -> Result<UncertaintyMeter> { ++attempts; return meter_for(15.0f, 16); }, {});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(attempts, 1);
  EXPECT_EQ(outcome->final_effort, Effort::kLow);
  ASSERT_EQ(outcome->steps.size(), 1u);
  EXPECT_FALSE(outcome->steps[0].escalated);
  EXPECT_NE(outcome->steps[0].reason.find("confident"), std::string::npos);
}

TEST(Escalation, UncertainEscalatesOnceThenKeeps) {
  std::vector<Effort> seen;
  auto outcome = run_with_escalation(
      Effort::kLow, [&](Effort effort) -> Result<UncertaintyMeter> { seen.push_back(effort); return meter_for(0.0f, 16); },
      {});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(seen, (std::vector<Effort>{Effort::kLow, Effort::kMedium}));
  EXPECT_EQ(outcome->final_effort, Effort::kMedium);
  ASSERT_EQ(outcome->steps.size(), 2u);
  EXPECT_TRUE(outcome->steps[0].escalated);
  EXPECT_FALSE(outcome->steps[1].escalated);
  EXPECT_NE(outcome->steps[1].reason.find("limit"), std::string::npos);
}

TEST(Escalation, UncertainThenConfidentStopsAtTheSecondAttempt) {
  EscalationConfig config;
  config.max_escalations = 2;
  config.metric = UncertaintyMetric::kMeanMargin;
  int attempts = 0;
  auto outcome = run_with_escalation(
      Effort::kLow,
      [&](Effort) -> Result<UncertaintyMeter> { return meter_for(++attempts == 1 ? 0.0f : 15.0f, 16); }, config);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(outcome->final_effort, Effort::kMedium);
}

TEST(Escalation, NeverLoopsPastTheLimitOrTheCeiling) {
  EscalationConfig config;
  config.max_escalations = 5;
  config.ceiling = Effort::kHigh;
  int attempts = 0;
  auto outcome = run_with_escalation(
      Effort::kLow, [&](Effort) -> Result<UncertaintyMeter> { ++attempts; return meter_for(0.0f, 16); }, config);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(attempts, 3);  // low, medium, high: the ceiling stops it
  EXPECT_EQ(outcome->final_effort, Effort::kHigh);
  EXPECT_NE(outcome->steps.back().reason.find("ceiling"), std::string::npos);
}

TEST(Escalation, TooFewAnswerTokensNeverEscalate) {
  auto outcome = run_with_escalation(
      Effort::kLow, [&](Effort) -> Result<UncertaintyMeter> { return meter_for(0.0f, 2); }, {});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->steps.size(), 1u);
  EXPECT_EQ(outcome->final_effort, Effort::kLow);
}

TEST(Escalation, AttemptErrorsPropagate) {
  auto outcome = run_with_escalation(
      Effort::kLow, [&](Effort) -> Result<UncertaintyMeter> { return internal_error("boom"); }, {});
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().message(), "boom");
}

}  // namespace
}  // namespace loom::reasoning
