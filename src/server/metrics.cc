// GET /metrics: the Prometheus text exposition of the server's counters, the
// per-key usage totals (labelled with the key's name, never its secret) and
// the responses sent per HTTP status.
#include "server/prometheus.h"
#include "server/route_context.h"

namespace loom::server {
namespace {

void key_metric(Exposition& out, const KeyAccounts& keys, std::string_view name, std::string_view help,
                const std::atomic<int64_t> KeyAccount::Totals::*member, double scale = 1.0) {
  out.metric(name, "counter", help);
  for (const auto& account : keys.accounts()) {
    const int64_t value = (account->totals().*member).load();
    if (scale == 1.0) out.sample(name, value, "key", account->name());
    else out.sample(name, static_cast<double>(value) * scale, "key", account->name());
  }
}

}  // namespace

std::string metrics_text(const Server::Counters& counters, const KeyAccounts& keys) {
  Exposition out;
  out.metric("loom_requests_total", "counter", "Generation requests received");
  out.sample("loom_requests_total", counters.requests.load());
  out.metric("loom_request_errors_total", "counter", "Generation requests that failed");
  out.sample("loom_request_errors_total", counters.errors.load());
  out.metric("loom_requests_active", "gauge", "Generations running in the backend");
  out.sample("loom_requests_active", counters.active.load());
  out.metric("loom_requests_in_flight", "gauge", "Generation requests not yet fully answered");
  out.sample("loom_requests_in_flight", counters.in_flight.load());
  out.metric("loom_prompt_tokens_total", "counter", "Prompt tokens of finished generations");
  out.sample("loom_prompt_tokens_total", counters.prompt_tokens.load());
  out.metric("loom_cached_prompt_tokens_total", "counter", "Prompt tokens reused from the cache");
  out.sample("loom_cached_prompt_tokens_total", counters.cached_tokens.load());
  out.metric("loom_completion_tokens_total", "counter", "Generated tokens");
  out.sample("loom_completion_tokens_total", counters.completion_tokens.load());
  out.metric("loom_generation_seconds_total", "counter", "Wall time spent generating");
  out.sample("loom_generation_seconds_total", static_cast<double>(counters.generation_micros.load()) / 1e6);
  out.metric("loom_cost_usd_total", "counter", "Cost of finished generations at the configured prices");
  out.sample("loom_cost_usd_total", static_cast<double>(counters.cost_nano_usd.load()) / 1e9);

  out.metric("loom_http_responses_total", "counter", "HTTP responses sent, by status");
  for (size_t status = 0; status < counters.responses_by_status.size(); ++status) {
    const int64_t count = counters.responses_by_status[status].load();
    if (count > 0) out.sample("loom_http_responses_total", count, "status", std::to_string(status));
  }

  using Totals = KeyAccount::Totals;
  key_metric(out, keys, "loom_key_requests_total", "Generation requests per API key", &Totals::requests);
  key_metric(out, keys, "loom_key_rate_limited_total", "Requests refused with 429 per API key", &Totals::rate_limited);
  key_metric(out, keys, "loom_key_prompt_tokens_total", "Prompt tokens per API key", &Totals::prompt_tokens);
  key_metric(out, keys, "loom_key_cached_prompt_tokens_total", "Cached prompt tokens per API key", &Totals::cached_tokens);
  key_metric(out, keys, "loom_key_completion_tokens_total", "Generated tokens per API key", &Totals::completion_tokens);
  key_metric(out, keys, "loom_key_cost_usd_total", "Cost per API key at the configured prices", &Totals::cost_nano_usd, 1e-9);
  return out.text();
}

}  // namespace loom::server
