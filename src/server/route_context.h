// What the route handlers share: the model, the backend, the options and the
// counters /metrics reports. Internal to the server library.
#pragma once

#include <array>
#include <atomic>
#include <string>

#include "server/http_library.h"
#include "server/key_accounts.h"
#include "server/server.h"

namespace loom::server {

struct Server::Counters {
  std::atomic<int64_t> requests{0};
  std::atomic<int64_t> errors{0};
  std::atomic<int64_t> active{0};      // generations running in a backend
  std::atomic<int64_t> in_flight{0};   // generation requests not yet fully answered
  std::atomic<int64_t> prompt_tokens{0};
  std::atomic<int64_t> completion_tokens{0};
  std::atomic<int64_t> cached_tokens{0};
  std::atomic<int64_t> cost_nano_usd{0};
  std::atomic<int64_t> generation_micros{0};  // wall time inside backends
  std::array<std::atomic<int64_t>, 600> responses_by_status{};  // HTTP status -> responses sent
};

struct RouteContext {
  const ServingModel& model;
  CompletionBackend& backend;
  const ServerOptions& options;
  Server::Counters& counters;
  const KeyAccounts& keys;
  const std::atomic<bool>& draining;  // shutting down: no new generations
  const std::atomic<bool>& stopping;  // shutting down: cancel running generations
};

// Writes the OpenAI error body and status for `status`.
void send_error(httplib::Response& response, const Status& status);
// A 429 with Retry-After.
void send_rate_limited(httplib::Response& response, const RateLimited& limited);
// POST /v1/chat/completions and /v1/responses.
void handle_generation(const RouteContext& context, Api api, const httplib::Request& request, httplib::Response& response);
// GET /metrics body (Prometheus text format).
std::string metrics_text(const Server::Counters& counters, const KeyAccounts& keys);
// A fresh id: prefix + 24 hex digits.
std::string random_id(std::string_view prefix);

}  // namespace loom::server
