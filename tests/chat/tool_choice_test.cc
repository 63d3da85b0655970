// Every family's tool-call grammar only produces text that the family's own
// parser reads back as valid calls of the allowed tools: random walks through
// the grammar, byte by byte, for required / named / single-call choices.
#include "chat/tool_choice.h"

#include <gtest/gtest.h>

#include <random>

#include "chat/output_parser.h"
#include "sample/grammar_matcher.h"

namespace loom::chat {
namespace {

std::vector<ToolDefinition> test_tools() {
  return *tools_from_json(nlohmann::json::parse(R"([
    {"type":"function","function":{"name":"get_weather","parameters":{"type":"object",
      "properties":{"city":{"enum":["Paris","Tokyo"]},"days":{"type":"integer","minimum":1,"maximum":9}},
      "required":["city"]}}},
    {"type":"function","function":{"name":"get_time","parameters":{"type":"object",
      "properties":{"zone":{"enum":["UTC","CET"]}},"required":["zone"]}}}])"));
}

// A random sentence of the grammar: uniform over the allowed next bytes, ending
// as soon as it may with probability 1/4 per step (and surely past 4,000 bytes).
std::string random_sentence(const std::shared_ptr<const sample::Grammar>& grammar, std::mt19937& rng) {
  sample::GrammarMatcher matcher(grammar);
  auto state = matcher.start();
  std::string out;
  while (true) {
    if (matcher.can_end(state) && (rng() % 4 == 0 || out.size() > 4000)) return out;
    std::vector<uint8_t> allowed;
    for (int byte = 0; byte < 256; ++byte) {
      if (matcher.step(state, static_cast<uint8_t>(byte)) != sample::GrammarMatcher::kDead) {
        allowed.push_back(static_cast<uint8_t>(byte));
      }
    }
    if (allowed.empty()) return out;
    const uint8_t byte = allowed[rng() % allowed.size()];
    out += static_cast<char>(byte);
    state = matcher.step(state, byte);
  }
}

class ToolChoiceFamilies : public ::testing::TestWithParam<Family> {};

TEST_P(ToolChoiceFamilies, GrammarOutputParsesIntoValidCalls) {
  const std::vector<ToolDefinition> tools = test_tools();
  struct Case {
    ToolChoice choice;
    bool parallel;
  };
  const std::vector<Case> cases = {{{.mode = ToolChoiceMode::kRequired}, true},
                                   {{.mode = ToolChoiceMode::kRequired}, false},
                                   {{.mode = ToolChoiceMode::kNamed, .name = "get_time"}, true}};
  std::mt19937 rng(7);
  for (const Case& c : cases) {
    auto constraint = tool_call_constraint(GetParam(), tools, c.choice, c.parallel);
    ASSERT_TRUE(constraint.ok()) << constraint.status().to_string();
    ASSERT_NE(constraint->grammar, nullptr);
    size_t most_calls = 0;
    for (int run = 0; run < 40; ++run) {
      const std::string text = random_sentence(constraint->grammar, rng);
      const ParsedOutput output = parse_output(GetParam(), text, {.tool_names = tool_names(tools)});
      ASSERT_TRUE(output.errors.empty()) << output.errors.front() << "\n" << text;
      ASSERT_GE(output.tool_calls.size(), 1u) << text;
      if (!c.parallel) {
        ASSERT_EQ(output.tool_calls.size(), 1u) << text;
      }
      most_calls = std::max(most_calls, output.tool_calls.size());
      for (const ToolCall& call : output.tool_calls) {
        if (c.choice.mode == ToolChoiceMode::kNamed) {
          ASSERT_EQ(call.name, "get_time") << text;
        }
        const auto arguments = nlohmann::json::parse(call.arguments, nullptr, false);
        ASSERT_TRUE(arguments.is_object()) << text;
        if (call.name == "get_time") {
          ASSERT_TRUE(arguments["zone"] == "UTC" || arguments["zone"] == "CET") << text;
        } else {
          ASSERT_TRUE(arguments["city"] == "Paris" || arguments["city"] == "Tokyo") << text;
          if (arguments.contains("days")) {
            ASSERT_TRUE(arguments["days"].is_number_integer() && arguments["days"] >= 1 && arguments["days"] <= 9)
                << text;
          }
        }
      }
    }
    if (c.parallel) {
      EXPECT_GE(most_calls, 2u) << "parallel calls allowed but never produced";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Families, ToolChoiceFamilies,
                         ::testing::Values(Family::kHermes, Family::kMistral, Family::kLlama3, Family::kDeepSeek,
                                           Family::kHarmony),
                         [](const auto& info) { return std::string(family_name(info.param)); });

TEST(ToolChoice, PlainTextModelsAreNotPretendedToBeEnforced) {
  const std::vector<ToolDefinition> tools = test_tools();
  EXPECT_EQ(tool_call_constraint(Family::kPlain, tools, {.mode = ToolChoiceMode::kRequired}, true).status().code(),
            StatusCode::kUnimplemented);
  auto auto_choice = tool_call_constraint(Family::kPlain, tools, {.mode = ToolChoiceMode::kAuto}, true);
  ASSERT_TRUE(auto_choice.ok());
  EXPECT_EQ(auto_choice->grammar, nullptr);
}

}  // namespace
}  // namespace loom::chat
