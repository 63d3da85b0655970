// The reasoning configuration file: budgets at the top level, "router" and
// "escalation" objects, defaults for what is left out, errors for the rest.
#include "reasoning/settings.h"

#include <gtest/gtest.h>

namespace loom::reasoning {
namespace {

TEST(ReasoningSettings, EverySectionAndDefaults) {
  auto settings = parse_reasoning_settings(R"({"low_budget": 64, "budget_sentence": "Time is up.",
      "router": {"many_tools": 7, "ceiling": "high"},
      "escalation": {"metric": "mean_margin", "min_mean_margin": 0.5, "max_escalations": 2, "window": 8,
                     "ceiling": "xhigh", "top_logprobs": 5}})");
  ASSERT_TRUE(settings.ok()) << settings.status().to_string();
  EXPECT_EQ(settings->budgets.low_budget, 64);
  EXPECT_EQ(settings->budgets.medium_budget, ReasoningConfig().medium_budget);
  EXPECT_EQ(settings->budgets.budget_sentence, "Time is up.");
  EXPECT_EQ(settings->router.many_tools, 7);
  EXPECT_EQ(settings->router.ceiling, Effort::kHigh);
  EXPECT_EQ(settings->router.some_tools, RouterConfig().some_tools);
  EXPECT_EQ(settings->escalation.metric, UncertaintyMetric::kMeanMargin);
  EXPECT_DOUBLE_EQ(settings->escalation.min_mean_margin, 0.5);
  EXPECT_EQ(settings->escalation.max_escalations, 2);
  EXPECT_EQ(settings->escalation.window, 8);
  EXPECT_EQ(settings->escalation.ceiling, Effort::kXHigh);
  EXPECT_EQ(settings->escalation.top_logprobs, 5);
  EXPECT_DOUBLE_EQ(settings->escalation.max_mean_entropy, EscalationConfig().max_mean_entropy);

  auto empty = parse_reasoning_settings("{}");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->budgets.xhigh_budget, ReasoningConfig().xhigh_budget);
  EXPECT_EQ(empty->escalation.max_escalations, EscalationConfig().max_escalations);
}

TEST(ReasoningSettings, BadFilesAreErrorsThatNameTheKey) {
  const std::pair<const char*, const char*> bad[] = {
      {R"({"low_budget": -1})", "low_budget"},
      {R"({"lowbudget": 5})", "lowbudget"},
      {R"({"router": {"floor": "auto"}})", "floor"},
      {R"({"escalation": {"metric": "variance"}})", "metric"},
      {R"({"escalation": {"window": 0}})", "window"},
      {R"({"escalation": {"top_logprobs": 50}})", "top_logprobs"},
      {R"({"escalation": {"ceiling": "auto"}})", "ceiling"},
      {R"({"escalation": {"max_mean_entropy": "high"}})", "max_mean_entropy"},
      {R"({"escalation": {"patience": 3}})", "patience"},
      {R"([1, 2])", "not a JSON object"},
  };
  for (const auto& [text, key] : bad) {
    auto settings = parse_reasoning_settings(text);
    ASSERT_FALSE(settings.ok()) << text;
    EXPECT_NE(settings.status().message().find(key), std::string::npos) << settings.status().message();
  }
}

}  // namespace
}  // namespace loom::reasoning
