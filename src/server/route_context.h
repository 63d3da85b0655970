// What the route handlers share: the model, the backend, the options and the
// counters /metrics reports. Internal to the server library.
#pragma once

#include <atomic>
#include <string>

#include "server/http_library.h"
#include "server/server.h"

namespace loom::server {

struct Server::Counters {
  std::atomic<int64_t> requests{0};
  std::atomic<int64_t> errors{0};
  std::atomic<int64_t> active{0};
  std::atomic<int64_t> prompt_tokens{0};
  std::atomic<int64_t> completion_tokens{0};
  std::atomic<int64_t> cached_tokens{0};
  std::atomic<int64_t> cost_micro_usd{0};
  std::atomic<int64_t> generation_micros{0};  // wall time inside backends
};

struct RouteContext {
  const ServingModel& model;
  CompletionBackend& backend;
  const ServerOptions& options;
  Server::Counters& counters;
  const std::atomic<bool>& stopping;
};

// Writes the OpenAI error body and status for `status`.
void send_error(httplib::Response& response, const Status& status);
// POST /v1/chat/completions and /v1/responses.
void handle_generation(const RouteContext& context, Api api, const httplib::Request& request, httplib::Response& response);
// A fresh id: prefix + 24 hex digits.
std::string random_id(std::string_view prefix);

}  // namespace loom::server
