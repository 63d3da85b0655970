// HTTP setup: routes, authentication, body limits, error bodies, /metrics.
#include "server/server.h"

#include <cmath>
#include <mutex>
#include <random>
#include <thread>

#include "chat/message.h"
#include "server/api_error.h"
#include "server/route_context.h"

namespace loom::server {
namespace {

using nlohmann::json;

void send_json(httplib::Response& response, const json& body) {
  response.set_content(chat::dump_json(body), "application/json");
}

// A model's entry in /v1/models: what clients may ask of it, reasoning
// included (style, and per effort whether thinking is on and its budget).
json model_json(const ServingModel& model) {
  const bool tools = model.family() != chat::Family::kPlain;
  const nlohmann::ordered_json reasoning = reasoning::effort_metadata(model.reasoning_style(), model.reasoning().budgets);
  return {{"id", model.id()},
          {"object", "model"},
          {"created", 0},
          {"owned_by", "loom"},
          {"context_length", model.context_length()},
          {"capabilities",
           {{"chat_completions", true},
            {"responses", true},
            {"tools", tools},
            {"parallel_tool_calls", tools},
            {"context_length", model.context_length()},
            {"reasoning", reasoning["reasoning_style"]},
            {"reasoning_efforts", reasoning["efforts"]},
            {"reasoning_budget_sentence", reasoning["budget_sentence"]},
            {"output_format", chat::family_name(model.family())}}}};
}

}  // namespace

std::string random_id(std::string_view prefix) {
  static std::mutex mutex;
  static std::mt19937_64 generator{std::random_device{}()};
  std::lock_guard lock(mutex);
  char digits[25];
  std::snprintf(digits, sizeof digits, "%016llx%08llx", static_cast<unsigned long long>(generator()),
                static_cast<unsigned long long>(generator() & 0xffffffffu));
  return str_cat(prefix, digits);
}

void send_error(httplib::Response& response, const Status& status) {
  const ApiError error = api_error_from_status(status);
  response.status = error.http_status;
  send_json(response, api_error_json(error));
}

void send_rate_limited(httplib::Response& response, const RateLimited& limited) {
  send_error(response, limited.status);
  response.set_header("Retry-After", std::to_string(std::max<int64_t>(1, static_cast<int64_t>(std::ceil(limited.retry_after_seconds)))));
}

Server::Server(const ServingModel& model, CompletionBackend& backend, ServerOptions options)
    : model_(model), backend_(backend), options_(std::move(options)), http_(std::make_unique<httplib::Server>()),
      counters_(std::make_unique<Counters>()), keys_(std::make_unique<KeyAccounts>(options_.api_keys)) {
  install_routes();
}

Server::~Server() { stop(); }

void Server::install_routes() {
  httplib::Server& http = *http_;
  const int threads = options_.http_threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http.set_payload_max_length(options_.max_body_bytes);
  http.set_keep_alive_timeout(30);
  http.set_keep_alive_max_count(1000);  // clients keep their connection (httplib's default closes after 5 requests)
  http.set_read_timeout(60, 0);
  http.set_write_timeout(60, 0);

  http.set_pre_routing_handler([this](const httplib::Request& request, httplib::Response& response) {
    if (request.path == "/health") return httplib::Server::HandlerResponse::Unhandled;
    if (Result<KeyAccount*> account = keys_->authenticate(request.get_header_value("Authorization")); !account.ok()) {
      send_error(response, account.status());
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http.set_logger([this](const httplib::Request&, const httplib::Response& response) {
    if (response.status >= 0 && static_cast<size_t>(response.status) < counters_->responses_by_status.size())
      counters_->responses_by_status[static_cast<size_t>(response.status)]++;
  });
  // Statuses httplib sets itself (404 route, 413 body, 400 bad HTTP) get an OpenAI body too.
  http.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
    if (!response.body.empty()) return;
    Status status;
    if (response.status == 404) status = not_found("[unknown_url] Unknown request URL: ", request.method, " ", request.path);
    else if (response.status == 413) status = invalid_argument("[request_too_large] The request body is too large.");
    else if (response.status == 405) status = invalid_argument("[method_not_allowed] Method not allowed: ", request.method, " ", request.path);
    else status = invalid_argument("The request could not be read (HTTP ", response.status, ").");
    const int http_status = response.status;
    send_error(response, status);
    response.status = http_status;
  });

  http.Get("/health", [](const httplib::Request&, httplib::Response& response) { send_json(response, {{"status", "ok"}}); });
  http.Get("/v1/models", [this](const httplib::Request&, httplib::Response& response) {
    send_json(response, {{"object", "list"}, {"data", json::array({model_json(model_)})}});
  });
  http.Get(R"(/v1/models/(.+))", [this](const httplib::Request& request, httplib::Response& response) {
    const std::string requested = request.matches[1];
    if (Status status = model_.check_model(requested); !status.ok()) return send_error(response, status);
    json model = model_json(model_);
    model["id"] = requested;
    send_json(response, model);
  });
  http.Post("/tokenize", [this](const httplib::Request& request, httplib::Response& response) {
    Result<json> body = parse_body(request.body);
    if (!body.ok()) return send_error(response, body.status());
    const auto found = body->find("content");
    if (found == body->end() || !found->is_string()) return send_error(response, invalid_argument("content must be a string"));
    const bool add_special = body->value("add_special", false);
    const std::vector<int32_t> ids = model_.tokenizer().encode(found->get<std::string>(), add_special);
    send_json(response, {{"tokens", ids}, {"count", ids.size()}});
  });
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics_text(*counters_, *keys_) + backend_.metrics_text(), "text/plain; version=0.0.4");
  });
  auto context = std::make_shared<RouteContext>(RouteContext{model_, backend_, options_, *counters_, *keys_, draining_, stopping_});
  http.Post("/v1/chat/completions", [context](const httplib::Request& request, httplib::Response& response) {
    handle_generation(*context, Api::kChatCompletions, request, response);
  });
  http.Post("/v1/responses", [context](const httplib::Request& request, httplib::Response& response) {
    handle_generation(*context, Api::kResponses, request, response);
  });
}

Status Server::bind() {
  if (options_.port == 0) {
    port_ = http_->bind_to_any_port(options_.host);
    if (port_ < 0) return Status(StatusCode::kUnavailable, str_cat("cannot bind ", options_.host));
    return {};
  }
  if (!http_->bind_to_port(options_.host, options_.port))
    return Status(StatusCode::kUnavailable, str_cat("cannot bind ", options_.host, ":", options_.port));
  port_ = options_.port;
  return {};
}

Status Server::serve() {
  if (!http_->listen_after_bind() && !stopping_.load())
    return Status(StatusCode::kUnavailable, "the HTTP server stopped unexpectedly");
  return {};
}

void Server::shutdown(std::chrono::milliseconds grace) {
  draining_.store(true);
  if (http_) http_->stop();
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (counters_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stopping_.store(true);
}

}  // namespace loom::server
