// Graceful shutdown: streams in flight finish when they can within the grace
// period, are cancelled cleanly (an error event, then the end of the stream)
// when they cannot, and no new connection is accepted meanwhile.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "server_fixture.h"

namespace loom::server {
namespace {

using nlohmann::json;
using testing::RunningServer;
using testing::sse_payloads;
using namespace std::chrono_literals;

std::string words(int count) {
  std::string text = "answer:";
  for (int word = 0; word < count; ++word) text += " w" + std::to_string(word);
  return text;
}

// A streaming request on its own thread; `started` turns true at the first bytes.
class StreamInFlight {
 public:
  StreamInFlight(RunningServer& server, std::string path, std::string body)
      : thread_([this, &server, path = std::move(path), body = std::move(body)] {
          httplib::Client client = server.client();
          httplib::Request request;
          request.method = "POST";
          request.path = path;
          request.body = body;
          request.set_header("Content-Type", "application/json");
          request.content_receiver = [this](const char* data, size_t length, uint64_t, uint64_t) {
            received_.append(data, length);
            started_.store(true);
            return true;
          };
          auto response = client.send(request);
          status_ = response ? response->status : -1;
        }) {}

  void wait_started() {
    while (!started_.load()) std::this_thread::sleep_for(1ms);
  }
  // The whole body once the stream ended.
  const std::string& finish() {
    thread_.join();
    return received_;
  }
  int status() const { return status_; }

 private:
  std::string received_;
  std::atomic<bool> started_{false};
  int status_ = 0;
  std::thread thread_;
};

const std::string kChatStream = R"({"model": "m", "stream": true, "messages": [{"role": "user", "content": "go"}]})";

TEST(GracefulShutdown, InFlightStreamFinishesWithinGrace) {
  // About 40 tokens at 5 ms each: well inside the grace period.
  RunningServer server(json{{"steps", {words(20)}}, {"token_delay_ms", 5}}.dump());
  StreamInFlight stream(server, "/v1/chat/completions", kChatStream);
  stream.wait_started();
  const auto start = std::chrono::steady_clock::now();
  server.server().shutdown(20s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  const std::string& body = stream.finish();
  EXPECT_EQ(stream.status(), 200);
  bool done = false;
  std::string content;
  std::string finish_reason;
  for (const json& chunk : sse_payloads(body, &done)) {
    ASSERT_FALSE(chunk.contains("error")) << body;
    const json& choice = chunk["choices"][0];
    if (choice["delta"].contains("content")) content += choice["delta"]["content"].get<std::string>();
    if (choice["finish_reason"].is_string()) finish_reason = choice["finish_reason"];
  }
  EXPECT_TRUE(done);
  EXPECT_EQ(content, words(20));
  EXPECT_EQ(finish_reason, "stop");
  // The listening socket is closed: a new connection is refused.
  httplib::Client late = server.client();
  late.set_connection_timeout(1, 0);
  EXPECT_FALSE(late.Get("/health"));
}

TEST(GracefulShutdown, StreamsPastTheGraceAreCancelledWithAnErrorEvent) {
  // About 4,000 tokens at 5 ms each: far longer than the grace period.
  RunningServer server(json{{"steps", {words(2000), words(2000)}}, {"token_delay_ms", 5}}.dump());
  StreamInFlight chat(server, "/v1/chat/completions", kChatStream);
  StreamInFlight responses(server, "/v1/responses", R"({"model": "m", "input": "go", "stream": true})");
  chat.wait_started();
  responses.wait_started();
  const auto start = std::chrono::steady_clock::now();
  server.server().shutdown(100ms);
  const std::string& chat_body = chat.finish();
  const std::string& responses_body = responses.finish();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);

  bool done = false;
  const std::vector<json> chunks = sse_payloads(chat_body, &done);
  ASSERT_FALSE(chunks.empty());
  EXPECT_TRUE(done) << "the stream must end with [DONE]";
  ASSERT_TRUE(chunks.back().contains("error")) << chunks.back().dump();
  EXPECT_EQ(chunks.back()["error"]["type"], "server_error");

  const std::vector<json> events = sse_payloads(responses_body);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back()["type"], "response.failed");
  EXPECT_EQ(events.back()["response"]["status"], "failed");
  EXPECT_EQ(events.back()["response"]["error"]["code"], "server_error");
  for (size_t index = 0; index < events.size(); ++index) EXPECT_EQ(events[index]["sequence_number"], index);
}

TEST(GracefulShutdown, NonStreamingRequestPastTheGraceGets503) {
  RunningServer server(json{{"steps", {words(2000)}}, {"token_delay_ms", 5}}.dump());
  int status = 0;
  std::string body;
  std::thread request([&] {
    auto response = server.client().Post("/v1/chat/completions", R"({"model": "m", "messages": [{"role": "user", "content": "go"}]})",
                                         "application/json");
    if (response) status = response->status, body = response->body;
  });
  // Wait until the generation runs (the replay step is taken), then shut down.
  while (server.backend().steps_used() == 0) std::this_thread::sleep_for(1ms);
  server.server().shutdown(50ms);
  request.join();
  EXPECT_EQ(status, 503) << body;
  EXPECT_EQ(json::parse(body, nullptr, false)["error"]["type"], "server_error");
}

}  // namespace
}  // namespace loom::server
