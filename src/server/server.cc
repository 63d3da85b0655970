// HTTP setup: routes, authentication, body limits, error bodies, /metrics.
#include "server/server.h"

#include <fstream>
#include <mutex>
#include <random>

#include "chat/message.h"
#include "server/api_error.h"
#include "server/model_backend.h"
#include "server/route_context.h"

namespace loom::server {
namespace {

using nlohmann::json;

void send_json(httplib::Response& response, const json& body) {
  response.set_content(chat::dump_json(body), "application/json");
}

json model_json(const ServingModel& model) {
  const bool reasoning = model.supports_reasoning();
  json efforts = reasoning ? json::array({"none", "minimal", "low", "medium", "high"}) : json::array();
  return {{"id", model.id()},
          {"object", "model"},
          {"created", 0},
          {"owned_by", "loom"},
          {"context_length", model.context_length()},
          {"capabilities",
           {{"chat_completions", true},
            {"responses", true},
            {"tools", model.family() != chat::Family::kPlain},
            {"parallel_tool_calls", model.family() != chat::Family::kPlain},
            {"reasoning", reasoning},
            {"reasoning_efforts", efforts},
            {"output_format", chat::family_name(model.family())}}}};
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

Status check_api_key(const std::vector<std::string>& keys, const httplib::Request& request) {
  if (keys.empty()) return {};
  const std::string header = request.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0)
    return Status(StatusCode::kUnauthenticated, "You didn't provide an API key. Provide it as Authorization: Bearer KEY.");
  const std::string_view key = std::string_view(header).substr(kBearer.size());
  bool found = false;
  for (const std::string& candidate : keys) found |= constant_time_equal(candidate, key);
  if (!found) return Status(StatusCode::kUnauthenticated, "Incorrect API key provided.");
  return {};
}

std::string metrics_text(const Server::Counters& counters) {
  const double seconds = static_cast<double>(counters.generation_micros.load()) / 1e6;
  return str_cat("# TYPE loom_requests_total counter\nloom_requests_total ", counters.requests.load(),
                 "\n# TYPE loom_request_errors_total counter\nloom_request_errors_total ", counters.errors.load(),
                 "\n# TYPE loom_requests_active gauge\nloom_requests_active ", counters.active.load(),
                 "\n# TYPE loom_prompt_tokens_total counter\nloom_prompt_tokens_total ", counters.prompt_tokens.load(),
                 "\n# TYPE loom_cached_prompt_tokens_total counter\nloom_cached_prompt_tokens_total ", counters.cached_tokens.load(),
                 "\n# TYPE loom_completion_tokens_total counter\nloom_completion_tokens_total ", counters.completion_tokens.load(),
                 "\n# TYPE loom_generation_seconds_total counter\nloom_generation_seconds_total ", seconds,
                 "\n# TYPE loom_cost_usd_total counter\nloom_cost_usd_total ",
                 static_cast<double>(counters.cost_micro_usd.load()) / 1e6, "\n");
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

Result<std::vector<std::string>> load_api_keys(const std::string& path) {
  std::ifstream file(path);
  if (!file) return not_found("cannot open API key file ", path);
  std::vector<std::string> keys;
  std::string line;
  while (std::getline(file, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    size_t start = 0;
    while (start < line.size() && (line[start] == ' ' || line[start] == '\t')) ++start;
    line.erase(0, start);
    if (line.empty() || line[0] == '#') continue;
    keys.push_back(line);
  }
  if (keys.empty()) return invalid_argument("API key file ", path, " holds no keys");
  return keys;
}

Server::Server(const ServingModel& model, CompletionBackend& backend, ServerOptions options)
    : model_(model), backend_(backend), options_(std::move(options)), http_(std::make_unique<httplib::Server>()),
      counters_(std::make_unique<Counters>()) {
  install_routes();
}

Server::~Server() { stop(); }

void Server::install_routes() {
  httplib::Server& http = *http_;
  const int threads = options_.http_threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http.set_payload_max_length(options_.max_body_bytes);
  http.set_keep_alive_timeout(30);
  http.set_read_timeout(60, 0);
  http.set_write_timeout(60, 0);

  http.set_pre_routing_handler([this](const httplib::Request& request, httplib::Response& response) {
    if (request.path == "/health") return httplib::Server::HandlerResponse::Unhandled;
    if (Status status = check_api_key(options_.api_keys, request); !status.ok()) {
      send_error(response, status);
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
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
    std::string text = metrics_text(*counters_);
    // The batching engine behind a model backend adds its own gauges.
    if (const auto* engine = dynamic_cast<const ModelBackend*>(&backend_)) text += engine->metrics_text();
    response.set_content(text, "text/plain; version=0.0.4");
  });
  auto context = std::make_shared<RouteContext>(RouteContext{model_, backend_, options_, *counters_, stopping_});
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

void Server::stop() {
  stopping_.store(true);
  if (http_) http_->stop();
}

}  // namespace loom::server
