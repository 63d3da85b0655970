// A brief load test: 32 concurrent streaming clients on loopback against the
// replay backend. Zero failed requests; every stream carries exactly one whole
// scripted answer (nothing lost, nothing interleaved between streams). Prints
// p50/p99 time to first token and aggregate tokens/s.
#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "server_fixture.h"

namespace loom::server {
namespace {

using nlohmann::json;
using testing::RunningServer;
using testing::sse_payloads;

TEST(LoadTest, ThirtyTwoConcurrentStreams) {
  constexpr int kClients = 32;
  constexpr int kRounds = 2;
  json steps = json::array();
  for (int answer = 0; answer < kClients * kRounds; ++answer) {
    std::string text = "<think>\nAnswer " + std::to_string(answer) + " needs thought.\n</think>\n\nanswer-" + std::to_string(answer) + ":";
    for (int word = 0; word < 40; ++word) text += " w" + std::to_string(answer) + "_" + std::to_string(word);
    steps.push_back(text);
  }
  ServerOptions options;
  options.http_threads = kClients + 4;
  RunningServer server(json{{"steps", steps}}.dump(), options);

  struct ClientResult {
    std::vector<std::string> contents;
    std::vector<double> first_token_ms;
    int64_t tokens = 0;
    int failures = 0;
  };
  std::vector<ClientResult> results(kClients);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  for (int client_index = 0; client_index < kClients; ++client_index) {
    clients.emplace_back([&, client_index] {
      ClientResult& result = results[client_index];
      httplib::Client client = server.client();
      const std::string body = R"({"model": "m", "stream": true, "stream_options": {"include_usage": true},
                                   "messages": [{"role": "user", "content": "go"}]})";
      for (int round = 0; round < kRounds; ++round) {
        const auto sent = std::chrono::steady_clock::now();
        std::string received;
        double first_ms = -1;
        httplib::Request request;
        request.method = "POST";
        request.path = "/v1/chat/completions";
        request.body = body;
        request.set_header("Content-Type", "application/json");
        request.content_receiver = [&](const char* data, size_t length, uint64_t, uint64_t) {
          if (first_ms < 0 && std::string_view(data, length).find("\"content\":\"answer") != std::string_view::npos)
            first_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent).count();
          received.append(data, length);
          return true;
        };
        auto response = client.send(request);
        if (!response || response->status != 200) {
          ++result.failures;
          continue;
        }
        std::string content;
        bool done = false;
        for (const json& chunk : sse_payloads(received, &done)) {
          if (chunk.contains("usage") && chunk["usage"].is_object()) result.tokens += chunk["usage"]["completion_tokens"].get<int64_t>();
          if (!chunk["choices"].empty() && chunk["choices"][0]["delta"].contains("content"))
            content += chunk["choices"][0]["delta"]["content"].get<std::string>();
        }
        if (!done) ++result.failures;
        result.contents.push_back(content);
        result.first_token_ms.push_back(first_ms);
      }
    });
  }
  for (std::thread& client : clients) client.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::set<int> answers_seen;
  std::vector<double> first_token_ms;
  int64_t tokens = 0;
  for (const ClientResult& result : results) {
    EXPECT_EQ(result.failures, 0);
    tokens += result.tokens;
    for (double ms : result.first_token_ms) first_token_ms.push_back(ms);
    for (const std::string& content : result.contents) {
      // The whole answer of one step, and only words of that step.
      int answer = -1;
      ASSERT_EQ(std::sscanf(content.c_str(), "answer-%d:", &answer), 1) << content;
      std::string expected = "answer-" + std::to_string(answer) + ":";
      for (int word = 0; word < 40; ++word) expected += " w" + std::to_string(answer) + "_" + std::to_string(word);
      EXPECT_EQ(content, expected);
      EXPECT_TRUE(answers_seen.insert(answer).second) << "answer " << answer << " delivered twice";
    }
  }
  EXPECT_EQ(answers_seen.size(), static_cast<size_t>(kClients * kRounds));
  std::sort(first_token_ms.begin(), first_token_ms.end());
  const auto percentile = [&](double p) { return first_token_ms[static_cast<size_t>(p * (first_token_ms.size() - 1))]; };
  std::printf("[load] %d clients x %d streams in %.2f s: TTFT p50 %.1f ms, p99 %.1f ms, %.0f tokens/s aggregate\n", kClients,
              kRounds, seconds, percentile(0.5), percentile(0.99), static_cast<double>(tokens) / seconds);
}

}  // namespace
}  // namespace loom::server
