// The auto router: each feature on its own, the rules, the configuration, and
// agreement with tests/data/router_requests.json (labels written from the
// requests, before the thresholds were set).
#include "reasoning/router.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/oracle.h"

namespace loom::reasoning {
namespace {

TEST(RouterFeatures, LengthAndDepthFromMessages) {
  const auto messages = nlohmann::ordered_json::parse(R"([
    {"role": "system", "content": "be brief"},
    {"role": "user", "content": "first question"},
    {"role": "assistant", "content": "answer"},
    {"role": "user", "content": [{"type": "text", "text": "one two three"}]}])");
  const auto tools = nlohmann::ordered_json::parse(R"([{"type":"function"},{"type":"function"}])");
  const RequestFeatures f = extract_features(messages, tools);
  EXPECT_EQ(f.last_user_words, 3);
  EXPECT_EQ(f.conversation_depth, 1);
  EXPECT_EQ(f.tool_count, 2);
  EXPECT_EQ(extract_features(nlohmann::ordered_json::array(), nullptr).last_user_words, 0);
}

TEST(RouterFeatures, CodeBlocksAndCodeRequests) {
  EXPECT_TRUE(extract_text_features("look:\n```\nint x;\n```", 0, 0).has_code);
  EXPECT_TRUE(extract_text_features("def f(x):\n    return x", 0, 0).has_code);
  EXPECT_FALSE(extract_text_features("What is a good name for a cat?", 0, 0).has_code);
  EXPECT_TRUE(extract_text_features("Write a Python function that reverses a list", 0, 0).mentions_code);
  EXPECT_FALSE(extract_text_features("Write a poem about autumn", 0, 0).mentions_code);
}

TEST(RouterFeatures, StackTraces) {
  EXPECT_TRUE(extract_text_features("Traceback (most recent call last):\n  File \"a.py\"", 0, 0).has_stack_trace);
  EXPECT_TRUE(extract_text_features("java.lang.NullPointerException\n\tat A.b(A.java:3)", 0, 0).has_stack_trace);
  EXPECT_TRUE(extract_text_features("error[E0382]: use of moved value", 0, 0).has_stack_trace);
  EXPECT_TRUE(extract_text_features("got SIGSEGV in main", 0, 0).has_stack_trace);
  EXPECT_FALSE(extract_text_features("Is there an error in my reasoning about tides?", 0, 0).has_stack_trace);
}

TEST(RouterFeatures, MathAndProofs) {
  EXPECT_TRUE(extract_text_features("Solve x + 2 = 5", 0, 0).has_math);
  EXPECT_TRUE(extract_text_features("I walk 3 km, then 4 km, then 12 km. Total?", 0, 0).has_math);
  EXPECT_FALSE(extract_text_features("Tell me about Paris", 0, 0).has_math);
  EXPECT_TRUE(extract_text_features("Prove that 7 is prime", 0, 0).asks_proof);
  EXPECT_TRUE(extract_text_features("Show that the set is open", 0, 0).asks_proof);
  EXPECT_EQ(extract_text_features("Give a rigorous proof and a counterexample", 0, 0).rigor_words, 2);
}

TEST(Router, RulesAndReasons) {
  EXPECT_EQ(route(extract_text_features("Hello!", 0, 0)).effort, Effort::kMinimal);
  EXPECT_EQ(route(extract_text_features("Summarize this text for me please: the cat sat.", 0, 0)).effort, Effort::kLow);
  const RouterDecision trace = route(extract_text_features("ValueError: bad input\nwhat now?", 0, 0));
  EXPECT_EQ(trace.effort, Effort::kHigh);
  EXPECT_NE(trace.to_string().find("stack trace"), std::string::npos);
  EXPECT_EQ(route(extract_text_features("Prove that 7 is prime", 0, 0)).effort, Effort::kHigh);
  // Tools raise the level; a deep conversation raises code work one level.
  EXPECT_EQ(route(extract_text_features("Hello!", 6, 0)).effort, Effort::kHigh);
  EXPECT_EQ(route(extract_text_features("Hello!", 3, 0)).effort, Effort::kMedium);
  EXPECT_EQ(route(extract_text_features("Hello!", 1, 0)).effort, Effort::kLow);
  const RouterDecision deep = route(extract_text_features("Rename x in this function:\n```\nint x;\n```", 0, 7));
  EXPECT_EQ(deep.effort, Effort::kHigh);
  EXPECT_EQ(deep.reasons.size(), 2u);
  EXPECT_EQ(deep.to_json()["features"]["conversation_depth"], 7);
}

TEST(Router, ConfigThresholdsAndBounds) {
  auto config = parse_router_config(R"({"small_talk_max_words": 2, "ceiling": "medium", "floor": "low"})");
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  EXPECT_EQ(route(extract_text_features("What is the capital of France?", 0, 0), *config).effort, Effort::kLow);
  EXPECT_EQ(route(extract_text_features("Prove that 7 is prime", 0, 0), *config).effort, Effort::kMedium);
  EXPECT_FALSE(parse_router_config(R"({"ceiling": "auto"})").ok());
  EXPECT_FALSE(parse_router_config(R"({"many_tools": -3})").ok());
  EXPECT_FALSE(parse_router_config(R"({"unknown": 1})").ok());
}

TEST(Router, AgreesWithTheLabelledSet) {
  std::ifstream in(testing::source_dir() + "/tests/data/router_requests.json");
  ASSERT_TRUE(in) << "missing tests/data/router_requests.json";
  std::stringstream text;
  text << in.rdbuf();
  const auto data = nlohmann::ordered_json::parse(text.str(), nullptr, false);
  ASSERT_FALSE(data.is_discarded());
  const auto& requests = data["requests"];
  ASSERT_GE(requests.size(), 60u);
  int agree = 0;
  std::string disagreements;
  for (const auto& request : requests) {
    const RequestFeatures features = extract_text_features(request["prompt"].get<std::string>(),
                                                           request.value("tools", 0), request.value("earlier_turns", 0));
    const RouterDecision decision = route(features);
    const std::string expected = request["effort"];
    if (effort_name(decision.effort) == expected) {
      ++agree;
    } else {
      disagreements += str_cat("  [", request["category"].get<std::string>(), "] expected ", expected, ", ",
                               decision.to_string(), ": ", request["prompt"].get<std::string>().substr(0, 60), "\n");
    }
  }
  const double accuracy = static_cast<double>(agree) / static_cast<double>(requests.size());
  std::printf("router agreement: %d / %zu = %.1f%%\n%s", agree, requests.size(), 100 * accuracy,
              disagreements.c_str());
  EXPECT_GE(accuracy, 0.90) << disagreements;
}

}  // namespace
}  // namespace loom::reasoning
