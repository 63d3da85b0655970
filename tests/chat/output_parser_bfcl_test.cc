// Round trip over BFCL's parallel-call ground truth: every turn rendered in
// each family's format (both spellings) parses back to the same calls, and
// the rendered text parses the same when split at any byte.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "chat/output_parser.h"
#include "parser_test_util.h"
#include "support/oracle.h"

namespace loom::chat {
namespace {

using nlohmann::json;

struct Turn {
  std::string id;
  std::vector<ToolCall> calls;
};

// Ground truth lists acceptable values per parameter; "" means "may be
// omitted". Takes the first real value; dotted names become OpenAI-valid.
std::vector<Turn> load_turns(const std::string& file) {
  std::vector<Turn> turns;
  std::ifstream in(loom::testing::fixtures_dir() + "/bfcl/possible_answer/" + file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json entry = json::parse(line);
    Turn turn{.id = entry["id"].get<std::string>(), .calls = {}};
    for (const json& call : entry["ground_truth"]) {
      for (const auto& [name, parameters] : call.items()) {
        json arguments = json::object();
        for (const auto& [parameter, values] : parameters.items())
          for (const json& value : values)
            if (value != "") {
              arguments[parameter] = value;
              break;
            }
        std::string tool_name = name;
        for (char& c : tool_name)
          if (c == '.') c = '_';
        turn.calls.push_back({.id = "", .name = tool_name, .arguments = dump_json(arguments)});
      }
    }
    turns.push_back(std::move(turn));
  }
  return turns;
}

const std::vector<Turn>& all_turns() {
  static const std::vector<Turn> kTurns = [] {
    std::vector<Turn> turns = load_turns("BFCL_v4_parallel.json");
    std::vector<Turn> multiple = load_turns("BFCL_v4_parallel_multiple.json");
    turns.insert(turns.end(), multiple.begin(), multiple.end());
    return turns;
  }();
  return kTurns;
}

bool has_reasoning_syntax(Family family) { return family != Family::kLlama3 && family != Family::kPlain; }

AssistantTurn make_turn(Family family, const Turn& turn, size_t variant) {
  AssistantTurn assistant;
  assistant.tool_calls = turn.calls;
  if (has_reasoning_syntax(family) && variant % 2 == 0) assistant.reasoning = "The user wants " + turn.id + ".";
  if (variant % 3 == 0) assistant.content = "Calling the tools now.";
  return assistant;
}

TEST(OutputParserBfcl, GroundTruthTurnsSurviveRenderAndParse) {
  const std::vector<Turn>& turns = all_turns();
  ASSERT_EQ(turns.size(), 400u);
  for (Family family : {Family::kHermes, Family::kLlama3, Family::kMistral, Family::kDeepSeek, Family::kHarmony}) {
    for (RenderStyle style : {RenderStyle::kDefault, RenderStyle::kAlternate}) {
      for (size_t variant = 0; variant < turns.size(); ++variant) {
        const Turn& turn = turns[variant];
        const AssistantTurn assistant = make_turn(family, turn, variant);
        const std::string text = render_output(family, assistant, style);
        ParserOptions options;
        for (const ToolCall& call : turn.calls) options.tool_names.push_back(call.name);
        const ParsedOutput parsed = parse_output(family, text, options);
        SCOPED_TRACE(str_cat(family_name(family), " style ", static_cast<int>(style), " ", turn.id, "\n", text));
        EXPECT_TRUE(parsed.errors.empty()) << test_util::describe(parsed);
        EXPECT_EQ(parsed.reasoning, assistant.reasoning);
        EXPECT_EQ(parsed.content, assistant.content);
        ASSERT_EQ(parsed.tool_calls.size(), turn.calls.size());
        for (size_t index = 0; index < turn.calls.size(); ++index) {
          EXPECT_EQ(parsed.tool_calls[index].name, turn.calls[index].name);
          EXPECT_EQ(json::parse(parsed.tool_calls[index].arguments), json::parse(turn.calls[index].arguments));
        }
      }
    }
  }
}

TEST(OutputParserBfcl, RenderedTurnsAreSplitInvariant) {
  const std::vector<Turn>& turns = all_turns();
  for (Family family : {Family::kHermes, Family::kLlama3, Family::kMistral, Family::kDeepSeek, Family::kHarmony}) {
    for (RenderStyle style : {RenderStyle::kDefault, RenderStyle::kAlternate}) {
      for (size_t variant = 0; variant < turns.size(); variant += 40) {
        const std::string text = render_output(family, make_turn(family, turns[variant], variant), style);
        const test_util::ParseRun reference = test_util::run_whole(family, text);
        for (size_t cut = 0; cut <= text.size(); ++cut) {
          const test_util::ParseRun run = test_util::run_pieces(family, text, {cut});
          ASSERT_TRUE(run.result == reference.result) << family_name(family) << " cut " << cut << "\n" << text;
          ASSERT_TRUE(run.events == reference.events) << family_name(family) << " cut " << cut << "\n" << text;
        }
      }
    }
  }
}

}  // namespace
}  // namespace loom::chat
