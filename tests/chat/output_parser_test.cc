// Per-family output parsing: a table of well-formed and malformed outputs
// with the result each format's documentation implies, and split invariance
// (every two-piece split, one byte at a time, random multi-splits) over it.
#include <random>

#include <gtest/gtest.h>

#include "chat/output_parser.h"
#include "parser_test_util.h"

// The case table names only the fields each case sets.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace loom::chat {
namespace {

using test_util::describe;
using test_util::ParseRun;
using test_util::run_pieces;
using test_util::run_whole;

struct Expected {
  std::string reasoning;
  std::string content;
  std::vector<std::pair<std::string, std::string>> calls;  // name, arguments text
  size_t errors = 0;
  std::vector<std::string> ids;  // checked when non-empty
};

struct Case {
  std::string label;
  Family family;
  std::string input;
  Expected expected;
  ParserOptions options = {};
};

ParserOptions starts_in_reasoning() { return {.starts_in_reasoning = true}; }
ParserOptions only_tools(std::vector<std::string> names) { return {.tool_names = std::move(names)}; }
ParserOptions no_tools() { return {.parse_tool_calls = false}; }

// DeepSeek's markers (fullwidth bars, U+2581 for spaces).
const std::string kDsCalls = "<｜tool▁calls▁begin｜>";
const std::string kDsCallsEnd = "<｜tool▁calls▁end｜>";
const std::string kDsCall = "<｜tool▁call▁begin｜>";
const std::string kDsCallEnd = "<｜tool▁call▁end｜>";
const std::string kDsSep = "<｜tool▁sep｜>";

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      // Plain.
      {"plain_trims", Family::kPlain, "  Hello <think> world \n", {.content = "Hello <think> world"}},

      // Qwen3 / Hermes.
      {"hermes_full", Family::kHermes,
       "<think>\nLet me check.\n</think>\n\nSure.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": "
       "\"Paris\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"tz\": \"Europe/Paris\"}}\n"
       "</tool_call>",
       {.reasoning = "Let me check.",
        .content = "Sure.",
        .calls = {{"get_weather", "{\"city\": \"Paris\"}"}, {"get_time", "{\"tz\": \"Europe/Paris\"}"}}}},
      {"hermes_starts_in_reasoning", Family::kHermes, "thinking...\n</think>\n\nanswer",
       {.reasoning = "thinking...", .content = "answer"}, starts_in_reasoning()},
      {"hermes_marker_in_string", Family::kHermes,
       "<tool_call>\n{\"name\": \"run\", \"arguments\": {\"code\": \"print('</tool_call>')\"}}\n</tool_call>",
       {.calls = {{"run", "{\"code\": \"print('</tool_call>')\"}"}}}},
      {"hermes_text_after_call", Family::kHermes, "<tool_call>{\"name\":\"a\",\"arguments\":{}}</tool_call> done",
       {.content = "done", .calls = {{"a", "{}"}}}},
      {"hermes_unterminated_json", Family::kHermes, "Hi <tool_call>{\"name\": \"a\", \"arguments\": {\"x\": 1",
       {.content = "Hi <tool_call>{\"name\": \"a\", \"arguments\": {\"x\": 1", .errors = 1}},
      {"hermes_unknown_tool", Family::kHermes, "<tool_call>{\"name\": \"rm\", \"arguments\": {}}</tool_call>",
       {.content = "<tool_call>{\"name\": \"rm\", \"arguments\": {}}</tool_call>", .errors = 1},
       only_tools({"get_weather"})},
      {"hermes_invalid_arguments", Family::kHermes, "<tool_call>{\"name\": \"a\", \"arguments\": {\"x\": tru}}</tool_call>",
       {.content = "<tool_call>{\"name\": \"a\", \"arguments\": {\"x\": tru}}</tool_call>", .errors = 1}},
      {"hermes_close_tag_cut_off", Family::kHermes, "<tool_call>{\"name\": \"a\", \"arguments\": {}}\n</tool_",
       {.calls = {{"a", "{}"}}}},
      {"hermes_tools_disabled", Family::kHermes, "<tool_call>{\"name\": \"a\", \"arguments\": {}}</tool_call>",
       {.content = "<tool_call>{\"name\": \"a\", \"arguments\": {}}</tool_call>"}, no_tools()},
      {"hermes_partial_marker_at_end", Family::kHermes, "a <tool_ca", {.content = "a <tool_ca"}},
      {"hermes_string_arguments", Family::kHermes,
       "<tool_call>{\"name\": \"a\", \"arguments\": \"{\\\"x\\\": 1}\"}</tool_call>", {.calls = {{"a", "{\"x\": 1}"}}}},
      {"hermes_text_inside_call", Family::kHermes, "<tool_call>{\"name\":\"a\",\"arguments\":{}} oops</tool_call>",
       {.content = "<tool_call>{\"name\":\"a\",\"arguments\":{}} oops</tool_call>", .errors = 1}},
      {"hermes_multibyte", Family::kHermes, "<think>Größe</think>Ça va — 東京",
       {.reasoning = "Größe", .content = "Ça va — 東京"}},

      // Llama 3.1.
      {"llama_bare_call", Family::kLlama3, "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}",
       {.calls = {{"get_weather", "{\"city\": \"Paris\"}"}}}},
      {"llama_semicolon_calls", Family::kLlama3,
       "{\"name\": \"a\", \"parameters\": {\"x\": 1}}; {\"name\": \"b\", \"parameters\": {}}<|eom_id|>",
       {.calls = {{"a", "{\"x\": 1}"}, {"b", "{}"}}}},
      {"llama_newline_calls", Family::kLlama3,
       "{\"name\": \"a\", \"parameters\": {}}\n{\"name\": \"b\", \"parameters\": {\"y\": [1, 2]}}",
       {.calls = {{"a", "{}"}, {"b", "{\"y\": [1, 2]}"}}}},
      {"llama_builtin", Family::kLlama3, "<|python_tag|>brave_search.call(query=\"weather in Paris\")<|eom_id|>",
       {.calls = {{"brave_search", "{\"query\":\"weather in Paris\"}"}}}},
      {"llama_code_interpreter", Family::kLlama3, "<|python_tag|>print(1+1)<|eom_id|>",
       {.calls = {{"code_interpreter", "{\"code\":\"print(1+1)\"}"}}}},
      {"llama_content_then_tag", Family::kLlama3,
       "Let me look.<|python_tag|>{\"name\": \"a\", \"parameters\": {}}<|eom_id|>",
       {.content = "Let me look.", .calls = {{"a", "{}"}}}},
      {"llama_plain_answer", Family::kLlama3, "Hello there.<|eot_id|>", {.content = "Hello there."}},
      {"llama_json_not_a_call", Family::kLlama3, "{\"answer\": 42}", {.content = "{\"answer\": 42}", .errors = 1}},
      {"llama_text_after_call", Family::kLlama3, "{\"name\": \"a\", \"parameters\": {}} and more",
       {.content = "{\"name\": \"a\", \"parameters\": {}} and more", .errors = 1}},
      {"llama_unterminated", Family::kLlama3, "{\"name\": \"a\", \"parameters\": {\"x\": ",
       {.content = "{\"name\": \"a\", \"parameters\": {\"x\":", .errors = 1}},
      {"llama_braces_mid_text", Family::kLlama3, "Use {x} here", {.content = "Use {x} here"}},
      {"llama_tools_disabled", Family::kLlama3, "{\"name\": \"a\", \"parameters\": {}}",
       {.content = "{\"name\": \"a\", \"parameters\": {}}"}, no_tools()},

      // Mistral.
      {"mistral_array", Family::kMistral,
       "[TOOL_CALLS][{\"name\": \"a\", \"arguments\": {\"x\": 1}}, {\"name\": \"b\", \"arguments\": {}}]",
       {.calls = {{"a", "{\"x\": 1}"}, {"b", "{}"}}}},
      {"mistral_array_with_id", Family::kMistral,
       "[TOOL_CALLS] [{\"name\": \"a\", \"arguments\": {}, \"id\": \"abc123XYZ\"}]",
       {.calls = {{"a", "{}"}}, .ids = {"abc123XYZ"}}},
      {"mistral_named", Family::kMistral,
       "[TOOL_CALLS]get_weather[ARGS]{\"city\": \"Paris\"}[TOOL_CALLS]get_time[ARGS]{}",
       {.calls = {{"get_weather", "{\"city\": \"Paris\"}"}, {"get_time", "{}"}}}},
      {"mistral_call_id", Family::kMistral, "[TOOL_CALLS]a[CALL_ID]x1y2z3w4q[ARGS]{\"k\": \"v\"}",
       {.calls = {{"a", "{\"k\": \"v\"}"}}, .ids = {"x1y2z3w4q"}}},
      {"mistral_think", Family::kMistral, "[THINK]hmm[/THINK]Answer", {.reasoning = "hmm", .content = "Answer"}},
      {"mistral_unterminated", Family::kMistral, "[TOOL_CALLS][{\"name\": \"a\"",
       {.content = "[TOOL_CALLS][{\"name\": \"a\"", .errors = 1}},
      {"mistral_marker_in_string", Family::kMistral,
       "[TOOL_CALLS][{\"name\": \"a\", \"arguments\": {\"s\": \"[TOOL_CALLS]\"}}]",
       {.calls = {{"a", "{\"s\": \"[TOOL_CALLS]\"}"}}}},
      {"mistral_bad_name", Family::kMistral, "[TOOL_CALLS] !oops", {.content = "[TOOL_CALLS] !oops", .errors = 1}},
      {"mistral_unknown_tool", Family::kMistral, "[TOOL_CALLS]b[ARGS]{}",
       {.content = "[TOOL_CALLS]b[ARGS]{}", .errors = 1}, only_tools({"a"})},

      // DeepSeek V3 / R1.
      {"deepseek_full", Family::kDeepSeek,
       "<think>\nreason\n</think>\n\nOK" + kDsCalls + kDsCall + "function" + kDsSep +
           "get_weather\n```json\n{\"city\": \"Paris\"}\n```" + kDsCallEnd + "\n" + kDsCall + "function" + kDsSep +
           "get_time\n```json\n{}\n```" + kDsCallEnd + kDsCallsEnd,
       {.reasoning = "reason", .content = "OK", .calls = {{"get_weather", "{\"city\": \"Paris\"}"}, {"get_time", "{}"}}}},
      {"deepseek_v31", Family::kDeepSeek, kDsCalls + kDsCall + "a" + kDsSep + "{\"x\": 1}" + kDsCallEnd + kDsCallsEnd,
       {.calls = {{"a", "{\"x\": 1}"}}}},
      {"deepseek_starts_in_reasoning", Family::kDeepSeek, "r</think>c", {.reasoning = "r", .content = "c"},
       starts_in_reasoning()},
      {"deepseek_marker_in_string", Family::kDeepSeek,
       kDsCalls + kDsCall + "function" + kDsSep + "a\n```json\n{\"s\": \"" + kDsCallEnd + "\"}\n```" + kDsCallEnd +
           kDsCallsEnd,
       {.calls = {{"a", "{\"s\": \"" + kDsCallEnd + "\"}"}}}},
      {"deepseek_invalid_json", Family::kDeepSeek,
       kDsCalls + kDsCall + "function" + kDsSep + "a\n```json\n{\"city\": }\n```" + kDsCallEnd + kDsCallsEnd,
       {.content = kDsCall + "function" + kDsSep + "a\n```json\n{\"city\": }\n```" + kDsCallEnd + kDsCallsEnd,
        .errors = 1}},
      {"deepseek_text_after_calls", Family::kDeepSeek,
       kDsCalls + kDsCall + "a" + kDsSep + "{}" + kDsCallEnd + kDsCallsEnd + "trailing",
       {.content = "trailing", .calls = {{"a", "{}"}}}},

      // gpt-oss harmony.
      {"harmony_call", Family::kHarmony,
       "<|channel|>analysis<|message|>Need weather.<|end|><|start|>assistant<|channel|>commentary "
       "to=functions.get_weather <|constrain|>json<|message|>{\"city\": \"Paris\"}<|call|>",
       {.reasoning = "Need weather.", .calls = {{"get_weather", "{\"city\": \"Paris\"}"}}}},
      {"harmony_final", Family::kHarmony,
       "<|channel|>analysis<|message|>think<|end|><|start|>assistant<|channel|>final<|message|>Hello!<|return|>",
       {.reasoning = "think", .content = "Hello!"}},
      {"harmony_recipient_in_header", Family::kHarmony,
       "<|channel|>analysis<|message|>x<|end|><|start|>assistant to=functions.get_time<|channel|>commentary "
       "json<|message|>{}<|call|>",
       {.reasoning = "x", .calls = {{"get_time", "{}"}}}},
      {"harmony_starts_in_reasoning", Family::kHarmony,
       "thinking<|end|><|start|>assistant<|channel|>final<|message|>done", {.reasoning = "thinking", .content = "done"},
       starts_in_reasoning()},
      {"harmony_headerless", Family::kHarmony, "Just text", {.content = "Just text"}},
      {"harmony_invalid_json", Family::kHarmony,
       "<|channel|>commentary to=functions.a <|constrain|>json<|message|>{\"x\": nope}<|call|>",
       {.content = "<|channel|>commentary to=functions.a <|constrain|>json<|message|>{\"x\": nope}", .errors = 1}},
      {"harmony_unknown_tool", Family::kHarmony, "<|channel|>commentary to=functions.b<|message|>{}<|call|>",
       {.content = "<|channel|>commentary to=functions.b<|message|>{}", .errors = 1}, only_tools({"a"})},
      {"harmony_preamble", Family::kHarmony,
       "<|channel|>commentary<|message|>Checking.<|end|><|start|>assistant<|channel|>commentary to=functions.a "
       "<|constrain|>json<|message|>{}<|call|>",
       {.content = "Checking.", .calls = {{"a", "{}"}}}},
      {"harmony_unterminated_header", Family::kHarmony, "<|channel|>final", {.content = "<|channel|>final", .errors = 1}},
  };
  return kCases;
}

class OutputParserCase : public ::testing::TestWithParam<Case> {};

TEST_P(OutputParserCase, WholeTextGivesDocumentedResult) {
  const Case& test_case = GetParam();
  const ParsedOutput result = run_whole(test_case.family, test_case.input, test_case.options).result;
  SCOPED_TRACE(describe(result));
  EXPECT_EQ(result.reasoning, test_case.expected.reasoning);
  EXPECT_EQ(result.content, test_case.expected.content);
  ASSERT_EQ(result.tool_calls.size(), test_case.expected.calls.size());
  for (size_t index = 0; index < result.tool_calls.size(); ++index) {
    EXPECT_EQ(result.tool_calls[index].name, test_case.expected.calls[index].first);
    EXPECT_EQ(result.tool_calls[index].arguments, test_case.expected.calls[index].second);
    if (!test_case.expected.ids.empty()) EXPECT_EQ(result.tool_calls[index].id, test_case.expected.ids[index]);
    else EXPECT_EQ(result.tool_calls[index].id.substr(0, 5), "call_");
  }
  EXPECT_EQ(result.errors.size(), test_case.expected.errors);
}

// Events agree with the final result: deltas concatenate to it, calls come
// as Start, ArgumentsDelta, End with increasing indices.
TEST_P(OutputParserCase, EventsMatchResult) {
  const Case& test_case = GetParam();
  const ParseRun run = run_whole(test_case.family, test_case.input, test_case.options);
  std::string reasoning, content;
  std::vector<ToolCall> calls;
  for (const ParseEvent& event : run.events) {
    switch (event.kind) {
      case ParseEvent::Kind::kReasoningDelta: reasoning += event.text; break;
      case ParseEvent::Kind::kContentDelta: content += event.text; break;
      case ParseEvent::Kind::kToolCallStart:
        ASSERT_EQ(event.index, static_cast<int>(calls.size()));
        calls.push_back({.id = event.id, .name = event.name, .arguments = ""});
        break;
      case ParseEvent::Kind::kToolCallArgumentsDelta:
        ASSERT_EQ(event.index + 1, static_cast<int>(calls.size()));
        calls.back().arguments += event.text;
        break;
      case ParseEvent::Kind::kToolCallEnd: ASSERT_EQ(event.index + 1, static_cast<int>(calls.size())); break;
    }
  }
  EXPECT_EQ(reasoning, run.result.reasoning);
  EXPECT_EQ(content, run.result.content);
  EXPECT_EQ(calls, run.result.tool_calls);
}

void expect_same(const ParseRun& reference, const ParseRun& run, const std::string& how) {
  ASSERT_EQ(describe(run.result), describe(reference.result)) << how;
  ASSERT_TRUE(run.result == reference.result) << how;
  ASSERT_EQ(run.events.size(), reference.events.size()) << how;
  for (size_t index = 0; index < run.events.size(); ++index)
    ASSERT_TRUE(run.events[index] == reference.events[index]) << how << " event " << index;
}

TEST_P(OutputParserCase, SplitInvariance) {
  const Case& test_case = GetParam();
  const std::string& text = test_case.input;
  const ParseRun reference = run_whole(test_case.family, text, test_case.options);
  for (size_t cut = 0; cut <= text.size(); ++cut)
    expect_same(reference, run_pieces(test_case.family, text, {cut}, test_case.options), "cut at " + std::to_string(cut));
  std::vector<size_t> every_byte;
  for (size_t cut = 1; cut < text.size(); ++cut) every_byte.push_back(cut);
  expect_same(reference, run_pieces(test_case.family, text, every_byte, test_case.options), "one byte at a time");
  std::mt19937 random(1234);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<size_t> cuts;
    for (size_t cut = 1; cut < text.size(); ++cut)
      if (random() % 4 == 0) cuts.push_back(cut);
    expect_same(reference, run_pieces(test_case.family, text, cuts, test_case.options),
                "random split " + std::to_string(trial));
  }
}

INSTANTIATE_TEST_SUITE_P(Families, OutputParserCase, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.label; });

TEST(OutputParser, GeneratedIdsAreDeterministicAndSeeded) {
  const std::string text = "<tool_call>{\"name\": \"a\", \"arguments\": {}}</tool_call>";
  const ParsedOutput first = parse_output(Family::kHermes, text);
  const ParsedOutput again = parse_output(Family::kHermes, text);
  const ParsedOutput seeded = parse_output(Family::kHermes, text, {.id_seed = "request-7"});
  ASSERT_EQ(first.tool_calls.size(), 1u);
  EXPECT_EQ(first.tool_calls[0].id, again.tool_calls[0].id);
  EXPECT_NE(first.tool_calls[0].id, seeded.tool_calls[0].id);
  EXPECT_EQ(first.tool_calls[0].id.size(), 5u + 24u);
}

TEST(OutputParser, HoldsBackOnlyPossibleMarkers) {
  auto parser = make_output_parser(Family::kHermes);
  std::vector<ParseEvent> events;
  parser->feed("Hello <to", events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].text, "Hello");  // the space waits for more text, "<to" may open <tool_call>
  events.clear();
  parser->feed("p> x", events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].text, " <top> x");
}

}  // namespace
}  // namespace loom::chat
