// API keys: the key file, token buckets, per-key rate limits (429 with
// Retry-After), per-key body limits (413) and the per-key totals in /metrics.
#include <gtest/gtest.h>

#include "server/api_keys.h"
#include "server/key_accounts.h"
#include "server/token_bucket.h"
#include "server_fixture.h"

namespace loom::server {
namespace {

using nlohmann::json;
using testing::RunningServer;
using Clock = TokenBucket::Clock;

TEST(ApiKeyFile, NamesLimitsAndDefaults) {
  auto keys = parse_api_keys("# team keys\n\nsk-alice name=alice rpm=60 tpm=1000 max_body_kb=4\n  sk-bob  \n", "keys.txt");
  ASSERT_TRUE(keys.ok()) << keys.status().to_string();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].secret, "sk-alice");
  EXPECT_EQ((*keys)[0].name, "alice");
  EXPECT_EQ((*keys)[0].limits.requests_per_minute, 60);
  EXPECT_EQ((*keys)[0].limits.tokens_per_minute, 1000);
  EXPECT_EQ((*keys)[0].limits.max_body_bytes, 4096u);
  EXPECT_EQ((*keys)[1].secret, "sk-bob");
  EXPECT_EQ((*keys)[1].name, "key-2");
  EXPECT_EQ((*keys)[1].limits.requests_per_minute, 0);
}

TEST(ApiKeyFile, RejectsMistakes) {
  for (const char* text : {"", "# only a comment\n", "sk-a rpm=-1\n", "sk-a rpm=ten\n", "sk-a colour=red\n", "sk-a name=\"x y\"\n",
                           "sk-a name=same\nsk-b name=same\n", "sk-a\nsk-a\n", "sk-a rpm\n"}) {
    EXPECT_FALSE(parse_api_keys(text, "keys.txt").ok()) << text;
  }
}

TEST(TokenBucket, BurstThenSteadyRate) {
  const Clock::time_point start{};
  TokenBucket bucket(60, start);  // one per second, bursts of 60
  for (int request = 0; request < 60; ++request) EXPECT_EQ(bucket.take(1, start), 0) << request;
  EXPECT_NEAR(bucket.take(1, start), 1.0, 1e-9);  // empty: one second until the next
  EXPECT_NEAR(bucket.take(1, start + std::chrono::milliseconds(250)), 0.75, 1e-9);
  EXPECT_EQ(bucket.take(1, start + std::chrono::seconds(1)), 0);
  // Charges may overdraw; the debt delays the next take.
  bucket.charge(30, start + std::chrono::seconds(1));
  EXPECT_NEAR(bucket.take(1, start + std::chrono::seconds(1)), 31.0, 1e-9);
  // Refill stops at the capacity.
  EXPECT_EQ(bucket.take(60, start + std::chrono::hours(1)), 0);
  EXPECT_NEAR(bucket.take(1, start + std::chrono::hours(1)), 1.0, 1e-9);
}

TEST(KeyAccounts, AuthenticatesByBearerKey) {
  KeyAccounts keys({{.secret = "sk-a", .name = "a"}, {.secret = "sk-b", .name = "b"}});
  EXPECT_TRUE(keys.authentication_required());
  EXPECT_EQ((*keys.authenticate("Bearer sk-b"))->name(), "b");
  EXPECT_EQ(keys.authenticate("Bearer sk-c").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(keys.authenticate("sk-a").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(keys.authenticate("").status().code(), StatusCode::kUnauthenticated);
  KeyAccounts open({});
  EXPECT_FALSE(open.authentication_required());
  EXPECT_EQ((*open.authenticate(""))->name(), "anonymous");
}

const std::string kChat = R"({"model": "m", "messages": [{"role": "user", "content": "hi"}]})";

httplib::Headers bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

TEST(RateLimits, RequestsPerMinuteGive429WithRetryAfter) {
  ServerOptions options;
  options.api_keys = {{.secret = "sk-slow", .name = "slow", .limits = {.requests_per_minute = 2}},
                      {.secret = "sk-free", .name = "free"}};
  RunningServer server(R"({"steps": ["one", "two", "three", "four"]})", options);
  httplib::Client client = server.client();
  for (int request = 0; request < 2; ++request) {
    auto ok = client.Post("/v1/chat/completions", bearer("sk-slow"), kChat, "application/json");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200) << ok->body;
  }
  auto limited = client.Post("/v1/chat/completions", bearer("sk-slow"), kChat, "application/json");
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  const json error = json::parse(limited->body)["error"];
  EXPECT_EQ(error["code"], "rate_limit_exceeded");
  EXPECT_EQ(error["type"], "rate_limit_error");
  EXPECT_NE(error["message"].get<std::string>().find("'slow'"), std::string::npos);
  // Two per minute: the next request is admitted 30 s after the bucket emptied.
  ASSERT_TRUE(limited->has_header("Retry-After"));
  const int retry_after = std::stoi(limited->get_header_value("Retry-After"));
  EXPECT_GE(retry_after, 29);
  EXPECT_LE(retry_after, 30);
  // Another key is not affected, and the refused request used no script step.
  auto other = client.Post("/v1/chat/completions", bearer("sk-free"), kChat, "application/json");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
  EXPECT_EQ(server.backend().steps_used(), 3u);
}

TEST(RateLimits, TokensPerMinuteCountPromptAndCompletion) {
  const std::string prompt_text = R"([{"role": "user", "content": "hi"}])";
  // The prompt's real token count, from the tokenizer, decides the limit.
  ServerOptions probe_options;
  RunningServer probe(R"({"steps": ["x"]})", probe_options);
  auto probe_response = probe.client().Post("/v1/chat/completions", kChat, "application/json");
  ASSERT_TRUE(probe_response);
  const int64_t prompt_tokens = json::parse(probe_response->body)["usage"]["prompt_tokens"];
  const std::string answer = "a b c d e f g h i j k l m n o p";
  const int64_t answer_tokens = static_cast<int64_t>(testing::qwen3_tokenizer().encode(answer, false).size());

  // Room for two prompts and one answer: the first request fits, its answer
  // is charged afterwards, and the second prompt no longer fits.
  ServerOptions options;
  options.api_keys = {{.secret = "sk-t", .name = "tokens", .limits = {.tokens_per_minute = 2 * prompt_tokens + answer_tokens - 1}}};
  RunningServer server(json{{"steps", {answer, answer}}}.dump(), options);
  httplib::Client client = server.client();
  auto first = client.Post("/v1/chat/completions", bearer("sk-t"), kChat, "application/json");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200) << first->body;
  auto second = client.Post("/v1/chat/completions", bearer("sk-t"), kChat, "application/json");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 429) << second->body;
  EXPECT_EQ(json::parse(second->body)["error"]["code"], "rate_limit_exceeded");
  EXPECT_TRUE(second->has_header("Retry-After"));
  EXPECT_EQ(server.backend().steps_used(), 1u);
}

TEST(RateLimits, PromptLargerThanAMinuteOfTokensIsRefused) {
  ServerOptions options;
  options.api_keys = {{.secret = "sk-t", .name = "tiny", .limits = {.tokens_per_minute = 3}}};
  RunningServer server(R"({"steps": ["x"]})", options);
  auto response = server.client().Post("/v1/chat/completions", bearer("sk-t"), kChat, "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 429);
  EXPECT_NE(json::parse(response->body)["error"]["message"].get<std::string>().find("Request too large"), std::string::npos);
}

TEST(RateLimits, PerKeyBodyLimitIs413) {
  ServerOptions options;
  options.api_keys = {{.secret = "sk-small", .name = "small", .limits = {.max_body_bytes = 200}}, {.secret = "sk-big", .name = "big"}};
  RunningServer server(R"({"steps": ["ok"]})", options);
  const json body = {{"model", "m"}, {"messages", {{{"role", "user"}, {"content", std::string(400, 'x')}}}}};
  httplib::Client client = server.client();
  auto small = client.Post("/v1/chat/completions", bearer("sk-small"), body.dump(), "application/json");
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 413);
  EXPECT_EQ(json::parse(small->body)["error"]["code"], "request_too_large");
  auto big = client.Post("/v1/chat/completions", bearer("sk-big"), body.dump(), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 200);
}

// The value of `name{key="label"}` in a Prometheus text body; -1 if absent.
double metric(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

TEST(Metrics, TotalsPerKeyNameAndResponsesByStatus) {
  ServerOptions options;
  options.prices = {.input = 2, .cached_input = 1, .output = 10};
  options.api_keys = {{.secret = "sk-secret-alice", .name = "alice"}, {.secret = "sk-secret-bob", .name = "bob"}};
  RunningServer server(R"({"steps": ["first answer", "second answer here"]})", options);
  httplib::Client client = server.client();
  client.set_keep_alive(true);  // one connection: each response is counted before the next request is read
  int64_t prompt = 0, completion = 0;
  double cost = 0;
  for (int request = 0; request < 2; ++request) {
    auto response = client.Post("/v1/chat/completions", bearer("sk-secret-alice"), kChat, "application/json");
    ASSERT_TRUE(response);
    ASSERT_EQ(response->status, 200);
    const json usage = json::parse(response->body)["usage"];
    prompt += usage["prompt_tokens"].get<int64_t>();
    completion += usage["completion_tokens"].get<int64_t>();
    cost += usage["cost"].get<double>();
  }
  auto bad = client.Post("/v1/chat/completions", bearer("sk-secret-bob"), "{", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  auto unauthorized = client.Get("/v1/models");
  ASSERT_TRUE(unauthorized);
  EXPECT_EQ(unauthorized->status, 401);

  auto metrics = client.Get("/metrics", bearer("sk-secret-bob"));
  ASSERT_TRUE(metrics);
  ASSERT_EQ(metrics->status, 200);
  const std::string& text = metrics->body;
  EXPECT_EQ(text.find("sk-secret"), std::string::npos) << "a secret leaked into /metrics";
  EXPECT_EQ(metric(text, R"(loom_key_requests_total{key="alice"})"), 2);
  EXPECT_EQ(metric(text, R"(loom_key_requests_total{key="bob"})"), 1);
  EXPECT_EQ(metric(text, R"(loom_key_prompt_tokens_total{key="alice"})"), static_cast<double>(prompt));
  EXPECT_EQ(metric(text, R"(loom_key_completion_tokens_total{key="alice"})"), static_cast<double>(completion));
  EXPECT_EQ(metric(text, R"(loom_key_completion_tokens_total{key="bob"})"), 0);
  EXPECT_NEAR(metric(text, R"(loom_key_cost_usd_total{key="alice"})"), cost, 1e-8);
  EXPECT_NEAR(cost, (prompt * 2.0 + completion * 10.0) / 1e6, 1e-12);
  EXPECT_EQ(metric(text, R"(loom_http_responses_total{status="200"})"), 2);
  EXPECT_EQ(metric(text, R"(loom_http_responses_total{status="400"})"), 1);
  EXPECT_EQ(metric(text, R"(loom_http_responses_total{status="401"})"), 1);
}

}  // namespace
}  // namespace loom::server
