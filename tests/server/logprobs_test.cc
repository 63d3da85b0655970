// logprobs: Chat Completions `logprobs`/`top_logprobs` and Responses
// `include: ["message.output_text.logprobs"]`, streamed and not. A scripted
// backend with known values checks the plumbing (which token, which value,
// which chunk); a random-weight model served by the real engine is checked
// against a generator run outside the server. The replay backend has no
// log-probabilities and reports none.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "model/test_model.h"
#include "runtime/engine.h"
#include "runtime/generator.h"
#include "server/model_backend.h"
#include "text/detokenizer.h"
#include "server_fixture.h"

namespace loom::server {
namespace {

using nlohmann::json;
using testing::RunningServer;
using testing::ServeThread;
using testing::sse_payloads;

// Emits the tokens of `text`; token i has log-probability -(i + 1) / 16 and two
// alternatives: itself and token 0 at -8.
class KnownLogprobBackend : public CompletionBackend {
 public:
  KnownLogprobBackend(const text::Tokenizer& tokenizer, std::string text) : tokenizer_(tokenizer), text_(std::move(text)) {}

  Result<BackendResult> generate(const BackendRequest& request, const TokenCallback& on_token,
                                 const std::atomic<bool>& cancelled) override {
    const std::vector<int32_t> ids = tokenizer_.encode(text_, false);
    text::StreamingDetokenizer detokenizer(tokenizer_, text::SpecialTokens::kKeep);
    for (size_t index = 0; index < ids.size(); ++index) {
      sample::StepLogprobs step{.chosen = {ids[index], expected_logprob(index)}};
      if (request.sampling.top_logprobs > 0) step.top = {{ids[index], expected_logprob(index)}, {0, -8.0f}};
      runtime::TokenEvent event{.token = ids[index], .text = detokenizer.push(ids[index])};
      if (request.sampling.logprobs) event.logprobs = &step;
      if (!on_token(event)) break;
    }
    if (const std::string rest = detokenizer.flush(); !rest.empty()) on_token(runtime::TokenEvent{.token = -1, .text = rest});
    return BackendResult{};
  }
  int64_t context_length() const override { return 32768; }

  static float expected_logprob(size_t index) { return -static_cast<float>(index + 1) / 16.0f; }

 private:
  const text::Tokenizer& tokenizer_;
  std::string text_;
};

// A Server on a free port around any backend.
class ServerAround {
 public:
  ServerAround(const text::Tokenizer& tokenizer, CompletionBackend& backend) {
    model_ = std::make_unique<ServingModel>(*ServingModel::create(tokenizer, {.id = "loom-test"}));
    ServerOptions options;
    options.port = 0;
    server_ = std::make_unique<Server>(*model_, backend, options);
    serve_thread_ = std::make_unique<ServeThread>(*server_);
  }
  json post(const std::string& path, const json& body) {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(60, 0);
    auto response = client.Post(path, body.dump(), "application/json");
    if (!response) return json();
    raw_ = response->body;
    return body.value("stream", false) ? json(raw_) : json::parse(raw_, nullptr, false);
  }
  std::string get(const std::string& path) {
    httplib::Client client("127.0.0.1", server_->port());
    auto response = client.Get(path);
    return response ? response->body : std::string();
  }

 private:
  std::unique_ptr<ServingModel> model_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<ServeThread> serve_thread_;
  std::string raw_;
};

const std::string kAnswer = "<think>\nShort.\n</think>\n\nHello world, caf\xc3\xa9 \xe4\xbd\xa0\xe5\xa5\xbd.";
const json kMessages = json::array({{{"role", "user"}, {"content", "hi"}}});

std::string entry_bytes(const json& entry) {
  std::string bytes;
  for (const json& byte : entry["bytes"]) bytes.push_back(static_cast<char>(byte.get<int>()));
  return bytes;
}

// The entries must be consecutive tokens of the scripted answer, ending at its
// last token, with the scripted values, and spell out (at least) the content.
void expect_answer_logprobs(const json& entries, const std::string& content, bool with_top) {
  const std::vector<int32_t> ids = testing::qwen3_tokenizer().encode(kAnswer, false);
  ASSERT_TRUE(entries.is_array());
  ASSERT_FALSE(entries.empty());
  ASSERT_LE(entries.size(), ids.size());
  const size_t first = ids.size() - entries.size();
  std::string spelled;
  for (size_t index = 0; index < entries.size(); ++index) {
    const json& entry = entries[index];
    const size_t token = first + index;
    EXPECT_FLOAT_EQ(entry["logprob"].get<float>(), KnownLogprobBackend::expected_logprob(token));
    EXPECT_EQ(entry_bytes(entry), testing::qwen3_tokenizer().token_bytes(ids[token]));
    EXPECT_TRUE(entry["token"].is_string());
    ASSERT_TRUE(entry["top_logprobs"].is_array());
    EXPECT_EQ(entry["top_logprobs"].size(), with_top ? 2u : 0u);
    if (with_top) {
      EXPECT_EQ(entry["top_logprobs"][0]["token"], entry["token"]);
      EXPECT_FLOAT_EQ(entry["top_logprobs"][1]["logprob"].get<float>(), -8.0f);
      EXPECT_EQ(entry_bytes(entry["top_logprobs"][1]), testing::qwen3_tokenizer().token_bytes(0));
    }
    spelled += entry_bytes(entry);
  }
  // Neither reasoning nor the markup that closes it is content.
  EXPECT_EQ(spelled, content);
}

TEST(Logprobs, ChatCompletionReportsContentTokens) {
  KnownLogprobBackend backend(testing::qwen3_tokenizer(), kAnswer);
  ServerAround server(testing::qwen3_tokenizer(), backend);
  const json body = server.post("/v1/chat/completions", {{"model", "m"}, {"messages", kMessages}, {"logprobs", true}, {"top_logprobs", 2}});
  const json& choice = body["choices"][0];
  const std::string content = choice["message"]["content"];
  EXPECT_EQ(content, "Hello world, caf\xc3\xa9 \xe4\xbd\xa0\xe5\xa5\xbd.");
  ASSERT_TRUE(choice["logprobs"].is_object()) << body.dump();
  EXPECT_TRUE(choice["logprobs"]["refusal"].is_null());
  expect_answer_logprobs(choice["logprobs"]["content"], content, true);

  // Not asked for: null, as the hosted API answers.
  const json plain = server.post("/v1/chat/completions", {{"model", "m"}, {"messages", kMessages}});
  EXPECT_TRUE(plain["choices"][0]["logprobs"].is_null());
}

TEST(Logprobs, ChatStreamCarriesEntriesOnContentChunks) {
  KnownLogprobBackend backend(testing::qwen3_tokenizer(), kAnswer);
  ServerAround server(testing::qwen3_tokenizer(), backend);
  const json raw = server.post("/v1/chat/completions", {{"model", "m"}, {"messages", kMessages}, {"logprobs", true}, {"stream", true}});
  std::string content;
  json entries = json::array();
  for (const json& chunk : sse_payloads(raw.get<std::string>())) {
    if (chunk["choices"].empty()) continue;
    const json& choice = chunk["choices"][0];
    if (choice["logprobs"].is_object()) {
      EXPECT_TRUE(choice["delta"].contains("content")) << "entries on a chunk without content: " << chunk.dump();
      for (const json& entry : choice["logprobs"]["content"]) entries.push_back(entry);
    }
    if (choice["delta"].contains("content")) content += choice["delta"]["content"].get<std::string>();
  }
  expect_answer_logprobs(entries, content, false);
}

TEST(Logprobs, ResponsesIncludeOutputTextLogprobs) {
  KnownLogprobBackend backend(testing::qwen3_tokenizer(), kAnswer);
  ServerAround server(testing::qwen3_tokenizer(), backend);
  const json request = {{"model", "m"}, {"input", "hi"}, {"include", {"message.output_text.logprobs"}}, {"top_logprobs", 2}};
  const json body = server.post("/v1/responses", request);
  const json& message = body["output"].back();
  ASSERT_EQ(message["type"], "message") << body.dump();
  const json& part = message["content"][0];
  expect_answer_logprobs(part["logprobs"], part["text"], true);

  json streamed = request;
  streamed["stream"] = true;
  const json raw = server.post("/v1/responses", streamed);
  json deltas = json::array();
  json done;
  std::string text;
  for (const json& event : sse_payloads(raw.get<std::string>())) {
    if (event["type"] == "response.output_text.delta") {
      text += event["delta"].get<std::string>();
      for (const json& entry : event["logprobs"]) deltas.push_back(entry);
    }
    if (event["type"] == "response.output_text.done") done = event["logprobs"];
  }
  expect_answer_logprobs(deltas, text, true);
  EXPECT_EQ(done, deltas);
  EXPECT_EQ(deltas, part["logprobs"]);
}

TEST(Logprobs, ReplayBackendReportsNone) {
  RunningServer server(R"({"steps": ["Hello.", "Hello."]})");
  auto chat = server.client().Post("/v1/chat/completions",
                                   json{{"model", "m"}, {"messages", kMessages}, {"logprobs", true}, {"top_logprobs", 3}}.dump(),
                                   "application/json");
  ASSERT_TRUE(chat);
  ASSERT_EQ(chat->status, 200) << chat->body;
  EXPECT_TRUE(json::parse(chat->body)["choices"][0]["logprobs"].is_null());
  auto responses = server.client().Post(
      "/v1/responses", json{{"model", "m"}, {"input", "hi"}, {"include", {"message.output_text.logprobs"}}}.dump(), "application/json");
  ASSERT_TRUE(responses);
  ASSERT_EQ(responses->status, 200) << responses->body;
  EXPECT_EQ(json::parse(responses->body)["output"].back()["content"][0]["logprobs"], json::array());
}

// The real engine: a random-weight Llama with a synthetic vocabulary (plain
// output, so every token is content). Greedy decoding, so each token is the
// most likely one; the server's entries must equal a generator run on the
// same prompt outside the server.
TEST(Logprobs, RealEngineMatchesTheGenerator) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("loom_logprobs_" + std::to_string(::getpid()) + ".gguf")).string();
  ASSERT_TRUE(model::write_test_model({.architecture = "llama", .shape = "tiny", .type = "f32", .seed = 7}, path).ok());
  auto loaded = model::Model::load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  auto tokenizer = text::Tokenizer::from_gguf((*loaded)->file());
  ASSERT_TRUE(tokenizer.ok());
  ThreadPool pool(2);
  ServingModel serving = *ServingModel::create(**tokenizer, {.id = "tiny", .context_length = 512});
  auto engine = runtime::Engine::create(**loaded, **tokenizer, pool, {.context = 512, .kv_type = tensor::DType::kF32});
  ASSERT_TRUE(engine.ok()) << engine.status().to_string();
  ModelBackend backend(**engine, serving.family());
  constexpr int kTokens = 12;
  json entries;
  std::string content;
  std::string metrics;
  int64_t prompt_tokens = 0;
  std::string finish_reason;
  {
    ServerAround server(**tokenizer, backend);
    const json body = server.post("/v1/chat/completions", {{"model", "tiny"}, {"messages", kMessages}, {"temperature", 0},
                                                           {"max_tokens", kTokens}, {"logprobs", true}, {"top_logprobs", 5}});
    ASSERT_TRUE(body["choices"][0]["logprobs"].is_object()) << body.dump();
    entries = body["choices"][0]["logprobs"]["content"];
    content = body["choices"][0]["message"]["content"];
    prompt_tokens = body["usage"]["prompt_tokens"];
    finish_reason = body["choices"][0]["finish_reason"];
    // The engine publishes its gauges after the step that finished the
    // request, which may be just after the answer went out.
    for (int attempt = 0; attempt < 100; ++attempt) {
      metrics = server.get("/metrics");
      if (metrics.find("\nloom_engine_running_sequences 0\n") != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  // The engine's gauges on /metrics account for this one request: its prompt
  // prefilled, then one decode step per generated token fed back: all of them
  // after an end-of-generation token, all but the last when the token budget
  // ran out (the last one is never fed); nothing left running or waiting.
  const auto metric = [&](const std::string& name) -> double {
    const size_t at = metrics.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    return std::stod(metrics.substr(at + name.size() + 2));
  };
  EXPECT_EQ(metric("loom_engine_prefill_tokens_total"), static_cast<double>(prompt_tokens)) << metrics;
  const size_t fed = finish_reason == "length" ? entries.size() - 1 : entries.size();
  EXPECT_EQ(metric("loom_engine_decode_tokens_total"), static_cast<double>(fed)) << metrics;
  EXPECT_EQ(metric("loom_engine_running_sequences"), 0) << metrics;
  EXPECT_EQ(metric("loom_engine_waiting_sequences"), 0) << metrics;
  EXPECT_GT(metric("loom_engine_kv_blocks_total"), 0) << metrics;
  EXPECT_GT(metric("loom_engine_steps_total"), 0) << metrics;
  ASSERT_FALSE(entries.empty());
  std::string spelled;
  for (const json& entry : entries) {
    spelled += entry_bytes(entry);
    ASSERT_EQ(entry["top_logprobs"].size(), 5u);
    EXPECT_FLOAT_EQ(entry["top_logprobs"][0]["logprob"].get<float>(), entry["logprob"].get<float>());
    double mass = 0;
    for (size_t rank = 0; rank < 5; ++rank) {
      const double logprob = entry["top_logprobs"][rank]["logprob"];
      EXPECT_LE(logprob, 0.0);
      if (rank > 0) {
        EXPECT_LE(logprob, entry["top_logprobs"][rank - 1]["logprob"].get<double>());
      }
      mass += std::exp(logprob);
    }
    EXPECT_LE(mass, 1.0 + 1e-5);
  }
  // The output parser drops leading whitespace from the content.
  ASSERT_GE(spelled.size(), content.size());
  EXPECT_EQ(spelled.substr(spelled.size() - content.size()), content);
  EXPECT_EQ(spelled.substr(0, spelled.size() - content.size()).find_first_not_of(" \n"), std::string::npos) << spelled;

  // The same prompt through a fresh generator.
  GenerationRequest request;
  request.messages = *chat::messages_from_json(kMessages);
  const PreparedPrompt prompt = *serving.prepare(request, "id");
  auto fresh = runtime::Generator::create(**loaded, **tokenizer, pool, tensor::DType::kF32, 512);
  ASSERT_TRUE(fresh.ok());
  runtime::GenerationParams params{.sampling = {.temperature = 0, .logprobs = true, .top_logprobs = 5}, .max_tokens = kTokens};
  std::vector<sample::StepLogprobs> expected;
  auto result = fresh->generate(prompt.ids, params, nullptr, nullptr, [&](const runtime::TokenEvent& event) {
    if (event.token >= 0 && event.logprobs) expected.push_back(*event.logprobs);
    return true;
  });
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(entries.size(), expected.size());
  for (size_t index = 0; index < expected.size(); ++index) {
    EXPECT_EQ(entry_bytes(entries[index]), (*tokenizer)->token_bytes(expected[index].chosen.token)) << index;
    EXPECT_NEAR(entries[index]["logprob"].get<double>(), expected[index].chosen.logprob, 1e-5) << index;
    for (size_t rank = 0; rank < 5; ++rank)
      EXPECT_EQ(entry_bytes(entries[index]["top_logprobs"][rank]), (*tokenizer)->token_bytes(expected[index].top[rank].token));
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace loom::server
