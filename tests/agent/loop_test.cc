// AgentLoop behaviour outside the scenario folders: parallel tool calls in
// one turn, budgets, session failures, transcript round trip and resume.
#include <gtest/gtest.h>

#include <chrono>

#include "agent/loop.h"
#include "agent/scripted_backend.h"
#include "agent/tools.h"
#include "agent/wire_format.h"
#include "agent_test_support.h"

namespace loom::agent {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::TempDir;

class LoopTest : public ::testing::Test {
 protected:
  void SetUp() override { use_mode(SandboxMode::kFullAccess); }
  void use_mode(SandboxMode mode) {
    context_ = std::make_unique<ToolContext>(*Workspace::open(temp_.path(), mode), ApprovalPolicy::kNever, nullptr);
  }
  std::unique_ptr<ScriptedBackend> script(const std::string& turns) {
    auto backend = ScriptedBackend::create(json::parse(turns));
    EXPECT_TRUE(backend.ok()) << backend.status().to_string();
    return std::move(*backend);
  }
  TempDir temp_;
  const ToolRegistry registry_ = default_tool_registry();
  std::unique_ptr<ToolContext> context_;
};

TEST_F(LoopTest, ThreeOneSecondCallsFinishTheTurnInUnderOneAndAHalfSeconds) {
  // In the default sandbox when bwrap works here, so its start-up counts too.
  if (check_sandbox_available().ok()) use_mode(SandboxMode::kWorkspaceWrite);
  auto backend = script(R"([
    {"tool_calls": [
      {"id": "a", "name": "shell", "arguments": {"command": "sleep 1; echo a"}},
      {"id": "b", "name": "shell", "arguments": {"command": "sleep 1; echo b"}},
      {"id": "c", "name": "shell", "arguments": {"command": "sleep 1; echo c"}}]},
    {"expect_in_request": ["Output:\na\n", "Output:\nb\n", "Output:\nc\n"], "content": "done"}])");
  AgentLoop loop(*backend, registry_, *context_, {.executor = {.max_parallel = 4}}, nullptr, nullptr);
  const auto start = std::chrono::steady_clock::now();
  auto result = loop.run("sleep three times");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(result.ok()) << result.status().to_string();
  EXPECT_EQ(result->answer, "done");
  EXPECT_EQ(result->tool_calls, 3);
  EXPECT_LT(elapsed, 1500ms);
  EXPECT_GE(elapsed, 1000ms);
  EXPECT_TRUE(backend->mismatches().empty()) << backend->mismatches()[0];
}

TEST_F(LoopTest, ResultsComeBackInCallOrder) {
  auto backend = script(R"([
    {"tool_calls": [
      {"id": "slow", "name": "shell", "arguments": {"command": "sleep 0.3; echo first"}},
      {"id": "fast", "name": "shell", "arguments": {"command": "echo second"}}]},
    {"content": "ok"}])");
  AgentLoop loop(*backend, registry_, *context_, {}, nullptr, nullptr);
  ASSERT_TRUE(loop.run("t").ok());
  const std::string sent = request_text(backend->requests()[1]);
  EXPECT_LT(sent.find("first"), sent.find("second"));
}

TEST_F(LoopTest, MaxTurnsStopsTheRun) {
  auto backend = script(R"([
    {"tool_calls": [{"name": "list_dir", "arguments": {}}]},
    {"tool_calls": [{"name": "list_dir", "arguments": {}}]},
    {"content": "never reached"}])");
  AgentLoop loop(*backend, registry_, *context_, {.max_turns = 2}, nullptr, nullptr);
  auto result = loop.run("t");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->reason, StopReason::kMaxTurns);
  EXPECT_EQ(result->turns, 2);
  EXPECT_EQ(backend->turns_used(), 2u);
}

TEST_F(LoopTest, TokenAndCostBudgetsStopTheRun) {
  const std::string turns = R"([
    {"usage": {"input_tokens": 600000, "output_tokens": 10000}, "tool_calls": [{"name": "list_dir", "arguments": {}}]},
    {"content": "never reached"}])";
  {
    auto backend = script(turns);
    AgentLoop loop(*backend, registry_, *context_, {.max_tokens = 500000}, nullptr, nullptr);
    auto result = loop.run("t");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result->reason, StopReason::kMaxTokens);
  }
  {
    auto backend = script(turns);
    // 600k input at $5/M + 10k output at $30/M = $3.30.
    AgentLoop loop(*backend, registry_, *context_, {.max_tokens = 0, .max_cost_usd = 3.0}, nullptr, nullptr);
    auto result = loop.run("t");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result->reason, StopReason::kMaxCost);
    EXPECT_NEAR(result->cost_usd, 3.30, 1e-9);
  }
}

TEST_F(LoopTest, BackendFailureEndsTheSessionWithAClearMessage) {
  auto backend = script(R"([{"tool_calls": [{"name": "list_dir", "arguments": {}}]}])");
  const auto transcript_path = temp_.path() / "t.jsonl";
  auto transcript = TranscriptWriter::open(transcript_path);
  ASSERT_TRUE(transcript.ok());
  AgentLoop loop(*backend, registry_, *context_, {}, &*transcript, nullptr);
  auto result = loop.run("t");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("the script has no turn 2"), std::string::npos);
  const std::string text = testing::read_file(transcript_path);
  EXPECT_NE(text.find("\"reason\":\"error\""), std::string::npos) << text;
}

TEST_F(LoopTest, TranscriptRoundTripsTheConversation) {
  auto backend = script(R"([
    {"reasoning": "think", "tool_calls": [{"id": "w", "name": "write_file", "arguments": {"path": "a.txt", "content": "x\n"}},
                                          {"id": "p", "name": "apply_patch", "input": "*** Begin Patch\n*** Add File: b.txt\n+y\n*** End Patch\n"}]},
    {"content": "done", "usage": {"input_tokens": 7, "output_tokens": 3}}])");
  const auto transcript_path = temp_.path() / "sessions" / "s.jsonl";
  auto transcript = TranscriptWriter::open(transcript_path);
  ASSERT_TRUE(transcript.ok());
  AgentLoop loop(*backend, registry_, *context_, {}, &*transcript, nullptr);
  auto result = loop.run("task text", "s");
  ASSERT_TRUE(result.ok());
  auto record = load_transcript(transcript_path);
  ASSERT_TRUE(record.ok()) << record.status().to_string();
  EXPECT_EQ(record->id, "s");
  EXPECT_EQ(record->task, "task text");
  EXPECT_TRUE(record->ended);
  EXPECT_EQ(record->end_reason, "answered");
  EXPECT_EQ(record->usage.input_tokens, result->usage.input_tokens);
  ASSERT_EQ(record->items.size(), 6u);  // system, task, assistant, 2 results, answer
  EXPECT_EQ(record->items[2].reasoning, "think");
  ASSERT_EQ(record->items[2].tool_calls.size(), 2u);
  EXPECT_TRUE(record->items[2].tool_calls[1].freeform);
  EXPECT_EQ(record->items[4].call_id, "p");
  EXPECT_EQ(record->items[5].text, "done");
  // Found by id in the sessions folder, and as the newest session there.
  EXPECT_EQ(*find_transcript("s", temp_.path() / "sessions"), transcript_path);
  EXPECT_EQ(*find_transcript("", temp_.path() / "sessions"), transcript_path);
  EXPECT_FALSE(find_transcript("nope", temp_.path() / "sessions").ok());
}

TEST_F(LoopTest, ResumeOfAnAnsweredSessionTakesAFollowUp) {
  auto backend = script(R"([
    {"content": "first answer"},
    {"expect_in_request": ["first answer", "and now this"], "content": "second answer"}])");
  const auto path = temp_.path() / "s.jsonl";
  {
    auto transcript = TranscriptWriter::open(path);
    AgentLoop loop(*backend, registry_, *context_, {}, &*transcript, nullptr);
    ASSERT_TRUE(loop.run("t").ok());
  }
  auto record = load_transcript(path);
  ASSERT_TRUE(record.ok());
  auto transcript = TranscriptWriter::open(path);
  AgentLoop loop(*backend, registry_, *context_, {}, &*transcript, nullptr);
  auto without_message = loop.resume(*record);
  ASSERT_TRUE(without_message.ok());
  EXPECT_EQ(without_message->answer, "first answer");
  EXPECT_EQ(backend->turns_used(), 1u);
  auto with_message = loop.resume(*record, "and now this");
  ASSERT_TRUE(with_message.ok());
  EXPECT_EQ(with_message->answer, "second answer");
  EXPECT_TRUE(backend->mismatches().empty());
}

TEST(WireFormatTest, ParsesChatCompletion) {
  auto turn = parse_chat_response(R"({"choices":[{"message":{"role":"assistant","content":null,
    "reasoning_content":"hmm","tool_calls":[{"id":"c1","type":"function","function":{"name":"shell","arguments":"{\"command\":\"ls\"}"}},
    {"id":"c2","type":"function","function":{"name":"read_file","arguments":{"path":"a"}}}]},"finish_reason":"tool_calls"}],
    "usage":{"prompt_tokens":10,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":2}}})");
  ASSERT_TRUE(turn.ok()) << turn.status().to_string();
  EXPECT_EQ(turn->reasoning, "hmm");
  EXPECT_EQ(turn->content, "");
  ASSERT_EQ(turn->tool_calls.size(), 2u);
  EXPECT_EQ(turn->tool_calls[0].arguments, R"({"command":"ls"})");
  EXPECT_EQ(turn->tool_calls[1].arguments, R"({"path":"a"})");
  EXPECT_EQ(turn->usage.cached_input_tokens, 4);
  EXPECT_EQ(turn->usage.reasoning_tokens, 2);
}

TEST(WireFormatTest, ParsesResponsesOutput) {
  auto turn = parse_responses_response(R"({"status":"completed","output":[
    {"type":"reasoning","summary":[{"type":"summary_text","text":"plan"}]},
    {"type":"message","role":"assistant","content":[{"type":"output_text","text":"hi"}]},
    {"type":"function_call","call_id":"f","name":"shell","arguments":"{}"},
    {"type":"custom_tool_call","call_id":"p","name":"apply_patch","input":"*** Begin Patch"},
    7],"usage":{"input_tokens":3,"output_tokens":4,"input_tokens_details":{"cached_tokens":1}}})");
  ASSERT_TRUE(turn.ok()) << turn.status().to_string();
  EXPECT_EQ(turn->reasoning, "plan");
  EXPECT_EQ(turn->content, "hi");
  ASSERT_EQ(turn->tool_calls.size(), 2u);
  EXPECT_FALSE(turn->tool_calls[0].freeform);
  EXPECT_TRUE(turn->tool_calls[1].freeform);
  EXPECT_EQ(turn->tool_calls[1].arguments, "*** Begin Patch");
  EXPECT_EQ(turn->usage.cached_input_tokens, 1);
}

TEST(WireFormatTest, MalformedBodiesAreErrorsNotCrashes) {
  for (const char* body : {"", "not json", "[]", "{}", R"({"choices":[]})", R"({"choices":[5]})",
                           R"({"choices":[{"message":7}]})", R"({"error":{"message":"quota"}})"}) {
    EXPECT_FALSE(parse_chat_response(body).ok()) << body;
  }
  for (const char* body : {"", "{}", R"({"output":5})", R"({"error":{"message":"quota"}})"}) {
    EXPECT_FALSE(parse_responses_response(body).ok()) << body;
  }
  // Every prefix of a valid body is rejected or parsed, never a crash.
  const std::string valid = R"({"choices":[{"message":{"content":"x","tool_calls":[{"id":"a","function":{"name":"n","arguments":"{}"}}]}}]})";
  for (size_t cut = 0; cut < valid.size(); ++cut) (void)parse_chat_response(valid.substr(0, cut));
}

TEST(WireFormatTest, RequestsCarryEffortToolsAndResults) {
  const ToolRegistry registry = default_tool_registry();
  ModelRequest request{.items = {Item::system("s"), Item::user("u"),
                                 {.kind = ItemKind::kAssistant,
                                  .tool_calls = {{.call_id = "p", .name = "apply_patch", .arguments = "PATCH", .freeform = true}}},
                                 {.kind = ItemKind::kToolResult, .text = "ok", .call_id = "p", .tool_name = "apply_patch", .freeform = true}},
                       .tools = registry.specs(),
                       .reasoning_effort = "auto"};
  const json chat = chat_request_json(request, "m");
  EXPECT_EQ(chat["reasoning_effort"], "auto");
  EXPECT_EQ(chat["messages"][2]["tool_calls"][0]["function"]["arguments"], R"({"input":"PATCH"})");
  EXPECT_EQ(chat["messages"][3]["tool_call_id"], "p");
  const json responses = responses_request_json(request, "m");
  EXPECT_EQ(responses["reasoning"]["effort"], "auto");
  EXPECT_EQ(responses["input"][2]["type"], "custom_tool_call");
  EXPECT_EQ(responses["input"][3]["type"], "custom_tool_call_output");
  request.purpose = RequestPurpose::kSummarize;
  EXPECT_FALSE(chat_request_json(request, "m").contains("tools"));
}

}  // namespace
}  // namespace loom::agent
