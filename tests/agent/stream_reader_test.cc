// Streamed responses of both wire formats, read from the captured streams in
// shared/fixtures/clients (the reference: the same turn as the completed
// response object, or as the chunks spell it out), fed whole and split at
// every byte; errors and streams cut short are session failures.
#include <gtest/gtest.h>

#include "agent/stream_reader.h"
#include "agent_test_support.h"
#include "support/oracle.h"

namespace loom::agent {
namespace {

using nlohmann::json;

std::string fixture(const std::string& name) {
  return testing::read_file(loom::testing::fixtures_dir() + "/clients/" + name);
}

struct Read {
  Result<ModelTurn> turn = Status(StatusCode::kInternal, "not read");
  std::string streamed_reasoning, streamed_content;
};

// Feeds `body` in two pieces split at `split`.
Read read(WireFormat format, const std::string& body, size_t split) {
  Read result;
  StreamReader reader(format, [&](const TurnDelta& delta) {
    (delta.kind == TurnDelta::Kind::kReasoning ? result.streamed_reasoning : result.streamed_content) += delta.text;
  });
  Status status = reader.feed(std::string_view(body).substr(0, split));
  if (status.ok()) status = reader.feed(std::string_view(body).substr(split));
  result.turn = status.ok() ? reader.finish() : Result<ModelTurn>(status);
  return result;
}

void expect_same_turn(const ModelTurn& a, const ModelTurn& b, size_t split) {
  EXPECT_EQ(a.content, b.content) << "split " << split;
  EXPECT_EQ(a.reasoning, b.reasoning) << "split " << split;
  ASSERT_EQ(a.tool_calls.size(), b.tool_calls.size()) << "split " << split;
  for (size_t index = 0; index < a.tool_calls.size(); ++index) {
    EXPECT_EQ(a.tool_calls[index].call_id, b.tool_calls[index].call_id);
    EXPECT_EQ(a.tool_calls[index].arguments, b.tool_calls[index].arguments);
  }
  EXPECT_EQ(a.usage.total(), b.usage.total()) << "split " << split;
}

TEST(StreamReader, ChatToolCallsAssembledFromChunks) {
  const std::string body = fixture("sdk-chat-stream-tools-response.sse");
  const Read whole = read(WireFormat::kChat, body, body.size());
  ASSERT_TRUE(whole.turn.ok()) << whole.turn.status().to_string();
  const ModelTurn& turn = *whole.turn;
  EXPECT_TRUE(turn.streamed);
  ASSERT_EQ(turn.tool_calls.size(), 2u);
  EXPECT_EQ(turn.tool_calls[0].call_id, "call_loom_weather");
  EXPECT_EQ(turn.tool_calls[0].name, "get_weather");
  EXPECT_EQ(turn.tool_calls[0].arguments, R"({"city":"Paris"})");
  EXPECT_EQ(turn.tool_calls[1].name, "get_time");
  EXPECT_EQ(turn.tool_calls[1].arguments, R"({"timezone":"Europe/Paris"})");
  EXPECT_EQ(turn.finish_reason, "tool_calls");
  EXPECT_EQ(turn.usage.input_tokens, 120);
  EXPECT_EQ(turn.usage.output_tokens, 40);
  for (size_t split = 0; split <= body.size(); ++split) {
    const Read part = read(WireFormat::kChat, body, split);
    ASSERT_TRUE(part.turn.ok()) << "split " << split << ": " << part.turn.status().to_string();
    expect_same_turn(*part.turn, turn, split);
  }
}

TEST(StreamReader, ChatReasoningAndContentStreamAsTheyArrive) {
  const std::string body = fixture("sdk-chat-stream-usage-response.sse");
  const Read whole = read(WireFormat::kChat, body, body.size());
  ASSERT_TRUE(whole.turn.ok()) << whole.turn.status().to_string();
  EXPECT_EQ(whole.turn->reasoning, "The user wants a haiku.");
  EXPECT_EQ(whole.turn->content, "Quiet loom at night,\nthreads of tokens softly spun,\nmorning finds the cloth.");
  EXPECT_EQ(whole.streamed_reasoning, whole.turn->reasoning);
  EXPECT_EQ(whole.streamed_content, whole.turn->content);
  EXPECT_EQ(whole.turn->usage.input_tokens, 18);
  EXPECT_EQ(whole.turn->usage.reasoning_tokens, 35);
}

// The turn a Responses stream gives is the one its completed response object gives.
class ResponsesStreams : public ::testing::TestWithParam<const char*> {};

TEST_P(ResponsesStreams, SameTurnAsTheCompletedResponse) {
  const std::string body = fixture(GetParam());
  const size_t at = body.find("\"type\":\"response.completed\"");
  ASSERT_NE(at, std::string::npos);
  const size_t line_start = body.rfind("data: ", at) + 6;
  const json completed = json::parse(body.substr(line_start, body.find('\n', line_start) - line_start));
  const Result<ModelTurn> expected = parse_responses_response(completed["response"].dump());
  ASSERT_TRUE(expected.ok());
  for (size_t split = 0; split <= body.size(); split += (split < 200 || body.size() - split < 200) ? 1 : 7) {
    const Read streamed = read(WireFormat::kResponses, body, split);
    ASSERT_TRUE(streamed.turn.ok()) << streamed.turn.status().to_string();
    expect_same_turn(*streamed.turn, *expected, split);
    for (size_t index = 0; index < expected->tool_calls.size(); ++index) {
      EXPECT_EQ(streamed.turn->tool_calls[index].name, expected->tool_calls[index].name);
      EXPECT_EQ(streamed.turn->tool_calls[index].freeform, expected->tool_calls[index].freeform);
    }
    // What was shown while streaming is the turn's text.
    EXPECT_EQ(streamed.streamed_content, expected->content);
    if (!streamed.streamed_reasoning.empty()) {
      EXPECT_EQ(streamed.streamed_reasoning, expected->reasoning);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ResponsesStreams,
                         ::testing::Values("codex-responses-stream-reasoning-text-final.sse",
                                           "codex-responses-stream-apply-patch.sse",
                                           "codex-responses-stream-parallel-reasoning.sse",
                                           "codex-responses-stream-toolcall.sse", "sdk-responses-stream-response.sse"));

TEST(StreamReader, ApplyPatchArrivesAsAFreeformCall) {
  const std::string body = fixture("codex-responses-stream-apply-patch.sse");
  const Read whole = read(WireFormat::kResponses, body, body.size());
  ASSERT_TRUE(whole.turn.ok());
  ASSERT_EQ(whole.turn->tool_calls.size(), 1u);
  EXPECT_EQ(whole.turn->tool_calls[0].name, "apply_patch");
  EXPECT_TRUE(whole.turn->tool_calls[0].freeform);
  EXPECT_TRUE(whole.turn->tool_calls[0].arguments.starts_with("*** Begin Patch")) << whole.turn->tool_calls[0].arguments;
}

TEST(StreamReader, FailuresAndCutStreamsAreSessionErrors) {
  const Read failed = read(WireFormat::kResponses, fixture("codex-responses-stream-failed.sse"), 0);
  ASSERT_FALSE(failed.turn.ok());
  EXPECT_NE(failed.turn.status().message().find("The model crashed."), std::string::npos);
  const Read cut = read(WireFormat::kResponses, fixture("codex-responses-stream-no-completed.sse"), 0);
  ASSERT_FALSE(cut.turn.ok());
  EXPECT_NE(cut.turn.status().message().find("stream ended before"), std::string::npos);
  const std::string chat = fixture("sdk-chat-stream-tools-response.sse");
  EXPECT_FALSE(read(WireFormat::kChat, chat.substr(0, chat.find("\"finish_reason\":\"tool_calls\"") - 100), 0).turn.ok());
  EXPECT_FALSE(read(WireFormat::kChat, "data: {not json\n\n", 0).turn.ok());
  const Read error = read(WireFormat::kChat, "data: {\"error\": {\"message\": \"overloaded\"}}\n\n", 0);
  ASSERT_FALSE(error.turn.ok());
  EXPECT_NE(error.turn.status().message().find("overloaded"), std::string::npos);
}

}  // namespace
}  // namespace loom::agent
