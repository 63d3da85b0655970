// Concurrent streaming clients against a running server, for the brief load
// test (tests/server/load_test.cc) and the long benchmark
// (bench/server_load_bench.cc): each client thread sends streaming Chat
// Completions one after another and records what its streams carried, when
// the first generated token arrived, and the usage the server reported.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/http_library.h"

namespace loom::server::testing {

struct LoadOptions {
  int clients = 32;
  int rounds = 0;        // > 0: streams per client; 0: until `seconds` elapsed
  double seconds = 0;
  std::string body = R"({"model": "m", "stream": true, "stream_options": {"include_usage": true},
                         "messages": [{"role": "user", "content": "go"}]})";
};

struct StreamRecord {
  bool ok = false;             // HTTP 200 and the stream ended with [DONE]
  std::string content;         // concatenated content deltas
  double first_token_ms = -1;  // first non-empty content or reasoning delta
  int64_t completion_tokens = 0;
  std::string failure;         // why ok is false
};

struct LoadReport {
  std::vector<std::vector<StreamRecord>> clients;  // per client, in order
  double seconds = 0;
  int failures = 0;
  int64_t streams = 0;
  int64_t completion_tokens = 0;
  double ttft_p50_ms = 0;
  double ttft_p99_ms = 0;
  double tokens_per_second = 0;  // aggregate completion tokens / wall time
};

// Whether `text` holds a delta with generated text: "content":"x or
// "reasoning_content":"x with x not the closing quote (the opening chunk
// carries "content":"").
inline bool has_generated_text(std::string_view text) {
  constexpr std::string_view kKey = "content\":\"";
  for (size_t at = text.find(kKey); at != std::string_view::npos; at = text.find(kKey, at + 1))
    if (at + kKey.size() < text.size() && text[at + kKey.size()] != '"') return true;
  return false;
}

inline StreamRecord stream_once(httplib::Client& client, const std::string& body) {
  StreamRecord record;
  const auto sent = std::chrono::steady_clock::now();
  std::string received;
  httplib::Request request;
  request.method = "POST";
  request.path = "/v1/chat/completions";
  request.body = body;
  request.set_header("Content-Type", "application/json");
  request.content_receiver = [&](const char* data, size_t length, uint64_t, uint64_t) {
    // Look at the new bytes with a little overlap, in case a key was split.
    const size_t from = received.size() > 32 ? received.size() - 32 : 0;
    received.append(data, length);
    if (record.first_token_ms < 0 && has_generated_text(std::string_view(received).substr(from)))
      record.first_token_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent).count();
    return true;
  };
  auto response = client.send(request);
  if (!response) {
    record.failure = "no response: " + httplib::to_string(response.error()) + " after " +
                     std::to_string(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent).count()) +
                     " ms, " + std::to_string(received.size()) + " bytes";
    return record;
  }
  if (response->status != 200) {
    record.failure = "HTTP " + std::to_string(response->status) + ": " + received + response->body;
    return record;
  }
  size_t line_start = 0;
  bool done = false;
  while (line_start < received.size()) {
    size_t line_end = received.find('\n', line_start);
    if (line_end == std::string::npos) line_end = received.size();
    const std::string_view line = std::string_view(received).substr(line_start, line_end - line_start);
    line_start = line_end + 1;
    if (!line.starts_with("data: ")) continue;
    const std::string_view data = line.substr(6);
    if (data == "[DONE]") {
      done = true;
      continue;
    }
    const nlohmann::json chunk = nlohmann::json::parse(data, nullptr, false);
    if (!chunk.is_object() || chunk.contains("error")) {
      record.failure = "bad chunk: " + std::string(data);
      return record;
    }
    if (chunk.contains("usage") && chunk["usage"].is_object())
      record.completion_tokens += chunk["usage"]["completion_tokens"].get<int64_t>();
    if (chunk.contains("choices") && !chunk["choices"].empty()) {
      const nlohmann::json& delta = chunk["choices"][0]["delta"];
      if (delta.contains("content") && delta["content"].is_string()) record.content += delta["content"].get<std::string>();
    }
  }
  record.ok = done;
  if (!done) record.failure = "no [DONE]";
  return record;
}

inline LoadReport run_load(int port, const LoadOptions& options) {
  LoadReport report;
  report.clients.resize(static_cast<size_t>(options.clients));
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::duration<double>(options.seconds);
  std::vector<std::thread> threads;
  for (int client_index = 0; client_index < options.clients; ++client_index) {
    threads.emplace_back([&, client_index] {
      httplib::Client client("127.0.0.1", port);
      client.set_read_timeout(120, 0);
      // Connect before the measurement, as a client's connection pool does:
      // 32 simultaneous connects can overflow the listen backlog (httplib
      // listens with 5), and a dropped handshake is the network's failure,
      // not the server's. GET /health is idempotent, so it may be retried.
      client.set_keep_alive(true);
      for (int attempt = 0; attempt < 5 && !client.Get("/health"); ++attempt) {}
      std::vector<StreamRecord>& records = report.clients[static_cast<size_t>(client_index)];
      for (int round = 0; options.rounds > 0 ? round < options.rounds : std::chrono::steady_clock::now() < deadline; ++round)
        records.push_back(stream_once(client, options.body));
    });
  }
  for (std::thread& thread : threads) thread.join();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::vector<double> first_token_ms;
  for (const std::vector<StreamRecord>& records : report.clients) {
    for (const StreamRecord& record : records) {
      ++report.streams;
      if (!record.ok) ++report.failures;
      report.completion_tokens += record.completion_tokens;
      if (record.first_token_ms >= 0) first_token_ms.push_back(record.first_token_ms);
    }
  }
  std::sort(first_token_ms.begin(), first_token_ms.end());
  const auto percentile = [&](double p) {
    return first_token_ms.empty() ? 0.0 : first_token_ms[static_cast<size_t>(p * static_cast<double>(first_token_ms.size() - 1))];
  };
  report.ttft_p50_ms = percentile(0.5);
  report.ttft_p99_ms = percentile(0.99);
  report.tokens_per_second = static_cast<double>(report.completion_tokens) / report.seconds;
  return report;
}

}  // namespace loom::server::testing
