// A brief load test: 32 concurrent streaming clients on loopback against the
// replay backend. Zero failed requests; every stream carries exactly one whole
// scripted answer (nothing lost, nothing interleaved between streams). Prints
// p50/p99 time to first token and aggregate tokens/s. The long variant is
// bench/server_load_bench.cc.
#include <set>

#include <gtest/gtest.h>

#include "load_driver.h"
#include "server_fixture.h"

namespace loom::server {
namespace {

using nlohmann::json;
using testing::RunningServer;

std::string expected_answer(int answer) {
  std::string text = "answer-" + std::to_string(answer) + ":";
  for (int word = 0; word < 40; ++word) text += " w" + std::to_string(answer) + "_" + std::to_string(word);
  return text;
}

TEST(LoadTest, ThirtyTwoConcurrentStreams) {
  constexpr int kClients = 32;
  constexpr int kRounds = 2;
  json steps = json::array();
  for (int answer = 0; answer < kClients * kRounds; ++answer)
    steps.push_back("<think>\nAnswer " + std::to_string(answer) + " needs thought.\n</think>\n\n" + expected_answer(answer));
  ServerOptions options;
  options.http_threads = kClients + 4;
  RunningServer server(json{{"steps", steps}}.dump(), options);

  const testing::LoadReport report = testing::run_load(server.port(), {.clients = kClients, .rounds = kRounds});
  EXPECT_EQ(report.failures, 0);
  EXPECT_EQ(report.streams, kClients * kRounds);
  std::set<int> answers_seen;
  for (const auto& records : report.clients) {
    for (const testing::StreamRecord& record : records) {
      ASSERT_TRUE(record.ok) << record.failure;
      // The whole answer of one step, and only words of that step.
      int answer = -1;
      ASSERT_EQ(std::sscanf(record.content.c_str(), "answer-%d:", &answer), 1) << record.content;
      EXPECT_EQ(record.content, expected_answer(answer));
      EXPECT_TRUE(answers_seen.insert(answer).second) << "answer " << answer << " delivered twice";
      EXPECT_GT(record.completion_tokens, 0);
      EXPECT_GE(record.first_token_ms, 0);
    }
  }
  EXPECT_EQ(answers_seen.size(), static_cast<size_t>(kClients * kRounds));
  std::printf("[load] %d clients x %d streams in %.2f s: TTFT p50 %.1f ms, p99 %.1f ms, %.0f tokens/s aggregate\n", kClients,
              kRounds, report.seconds, report.ttft_p50_ms, report.ttft_p99_ms, report.tokens_per_second);
}

}  // namespace
}  // namespace loom::server
