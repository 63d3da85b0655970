// Effort names, budgets configuration and the effort -> mechanism table for
// every reasoning style.
#include "reasoning/effort_policy.h"

#include <gtest/gtest.h>

namespace loom::reasoning {
namespace {

TEST(EffortPolicy, ParsesEveryEffortName) {
  for (std::string_view name : {"none", "minimal", "low", "medium", "high", "xhigh", "auto"}) {
    auto effort = parse_effort(name);
    ASSERT_TRUE(effort.ok()) << name;
    EXPECT_EQ(effort_name(*effort), name);
  }
  EXPECT_EQ(*parse_effort("HIGH"), Effort::kHigh);
  EXPECT_FALSE(parse_effort("extreme").ok());
  EXPECT_FALSE(parse_effort("").ok());
}

TEST(EffortPolicy, StyleFollowsFamilyAndTemplate) {
  EXPECT_EQ(reasoning_style(chat::Family::kHarmony, ""), ReasoningStyle::kHarmony);
  EXPECT_EQ(reasoning_style(chat::Family::kDeepSeek, ""), ReasoningStyle::kAlways);
  EXPECT_EQ(reasoning_style(chat::Family::kHermes, "{% if enable_thinking %}<think>{% endif %}<tool_call>"),
            ReasoningStyle::kHybrid);
  EXPECT_EQ(reasoning_style(chat::Family::kHermes, "<tool_call>{{ '<think>\\n' }}"), ReasoningStyle::kAlways);
  EXPECT_EQ(reasoning_style(chat::Family::kHermes, "<tool_call>"), ReasoningStyle::kNone);
  for (chat::Family family : {chat::Family::kPlain, chat::Family::kLlama3, chat::Family::kMistral}) {
    EXPECT_EQ(reasoning_style(family, "<think>"), ReasoningStyle::kNone);
  }
}

TEST(EffortPolicy, HybridSwitchesThinkingOffForNoneAndMinimal) {
  const ReasoningConfig config;
  for (Effort effort : {Effort::kNone, Effort::kMinimal}) {
    const EffortPlan plan = plan_effort(effort, ReasoningStyle::kHybrid, config);
    EXPECT_EQ(plan.enable_thinking, std::optional<bool>(false));
    EXPECT_EQ(plan.budget, -1);
    EXPECT_TRUE(plan.has_effect);
  }
  const std::pair<Effort, int32_t> budgets[] = {
      {Effort::kLow, 512}, {Effort::kMedium, 2048}, {Effort::kHigh, 8192}, {Effort::kXHigh, 32768}};
  for (const auto& [effort, budget] : budgets) {
    const EffortPlan plan = plan_effort(effort, ReasoningStyle::kHybrid, config);
    EXPECT_EQ(plan.enable_thinking, std::optional<bool>(true));
    EXPECT_EQ(plan.budget, budget);
    EXPECT_EQ(plan.max_waits, effort == Effort::kXHigh ? config.xhigh_max_waits : 0);
  }
}

TEST(EffortPolicy, HarmonyMapsToItsThreeLevelsPlusBudgets) {
  const ReasoningConfig config;
  const std::pair<Effort, chat::HarmonyEffort> levels[] = {
      {Effort::kNone, chat::HarmonyEffort::kLow},     {Effort::kMinimal, chat::HarmonyEffort::kLow},
      {Effort::kLow, chat::HarmonyEffort::kLow},      {Effort::kMedium, chat::HarmonyEffort::kMedium},
      {Effort::kHigh, chat::HarmonyEffort::kHigh},    {Effort::kXHigh, chat::HarmonyEffort::kHigh}};
  for (const auto& [effort, level] : levels) {
    const EffortPlan plan = plan_effort(effort, ReasoningStyle::kHarmony, config);
    EXPECT_EQ(plan.harmony_level, level) << effort_name(effort);
    EXPECT_EQ(plan.budget, config.budget(effort));
    EXPECT_FALSE(plan.enable_thinking.has_value());
  }
  EXPECT_GT(plan_effort(Effort::kXHigh, ReasoningStyle::kHarmony, config).budget,
            plan_effort(Effort::kHigh, ReasoningStyle::kHarmony, config).budget);
}

TEST(EffortPolicy, AlwaysThinkingGetsBudgetsOnlyAndNonReasonersNoEffect) {
  const ReasoningConfig config;
  for (Effort effort : {Effort::kNone, Effort::kMinimal, Effort::kLow, Effort::kHigh, Effort::kXHigh}) {
    const EffortPlan always = plan_effort(effort, ReasoningStyle::kAlways, config);
    EXPECT_EQ(always.budget, config.budget(effort));
    EXPECT_FALSE(always.enable_thinking.has_value());
    EXPECT_FALSE(always.harmony_level.has_value());
    const EffortPlan none = plan_effort(effort, ReasoningStyle::kNone, config);
    EXPECT_FALSE(none.has_effect);
    EXPECT_EQ(none.budget, -1);
    EXPECT_NE(none.note.find("no effect"), std::string::npos);
  }
  EXPECT_EQ(config.budget(Effort::kNone), 0);
}

TEST(EffortPolicy, ConfigFromJson) {
  auto config = parse_reasoning_config(R"({"low_budget": 100, "xhigh_budget": 9000, "budget_sentence": ""})");
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  EXPECT_EQ(config->low_budget, 100);
  EXPECT_EQ(config->xhigh_budget, 9000);
  EXPECT_EQ(config->medium_budget, 2048);  // untouched default
  EXPECT_TRUE(config->budget_sentence.empty());
  EXPECT_FALSE(parse_reasoning_config(R"({"low_budget": -1})").ok());
  EXPECT_FALSE(parse_reasoning_config(R"({"low_budget": "big"})").ok());
  EXPECT_FALSE(parse_reasoning_config(R"({"lowbudget": 1})").ok());
  EXPECT_FALSE(parse_reasoning_config("{not json").ok());
  EXPECT_FALSE(load_reasoning_config("/nonexistent/reasoning.json").ok());
}

TEST(EffortPolicy, MetadataListsEveryEffort) {
  ReasoningConfig config;
  config.high_budget = 4000;
  const auto hybrid = effort_metadata(ReasoningStyle::kHybrid, config);
  EXPECT_EQ(hybrid["reasoning_style"], "hybrid");
  EXPECT_EQ(hybrid["efforts"].size(), 6u);
  EXPECT_EQ(hybrid["efforts"]["none"]["thinking"], false);
  EXPECT_EQ(hybrid["efforts"]["high"]["budget_tokens"], 4000);
  EXPECT_EQ(hybrid["efforts"]["xhigh"]["max_waits"], config.xhigh_max_waits);
  const auto harmony = effort_metadata(ReasoningStyle::kHarmony, config);
  EXPECT_EQ(harmony["efforts"]["minimal"]["harmony_reasoning"], "low");
  EXPECT_EQ(harmony["efforts"]["xhigh"]["harmony_reasoning"], "high");
  const auto none = effort_metadata(ReasoningStyle::kNone, config);
  EXPECT_EQ(none["efforts"]["high"]["has_effect"], false);
  EXPECT_FALSE(none["efforts"]["high"].contains("budget_tokens"));
}

}  // namespace
}  // namespace loom::reasoning
