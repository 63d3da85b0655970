// Server: the HTTP front of loom serve. Routes /health, /v1/models, /tokenize,
// /v1/chat/completions, /v1/responses and /metrics over cpp-httplib; checks
// API keys and body size; maps every failure to OpenAI error JSON.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "server/backend.h"
#include "server/generation.h"
#include "server/serving_model.h"

namespace httplib {
class Server;
}

namespace loom::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                      // 0: any free port (see Server::port)
  size_t max_body_bytes = 16u << 20;    // larger bodies: 413
  std::vector<std::string> api_keys;    // empty: no authentication
  Prices prices;
  RequestLimits limits;
  int http_threads = 16;
};

// Reads one key per line; blank lines and lines starting with '#' are skipped.
Result<std::vector<std::string>> load_api_keys(const std::string& path);

class Server {
 public:
  // `model` and `backend` must outlive the server.
  Server(const ServingModel& model, CompletionBackend& backend, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the socket; afterwards port() is the bound port.
  Status bind();
  int port() const { return port_; }
  // Serves until stop(); returns after in-flight requests ended.
  Status serve();
  // Thread-safe and signal-thread safe: cancels running generations and stops serving.
  void stop();

  struct Counters;

 private:
  void install_routes();

  const ServingModel& model_;
  CompletionBackend& backend_;
  ServerOptions options_;
  std::unique_ptr<httplib::Server> http_;
  std::unique_ptr<Counters> counters_;
  std::atomic<bool> stopping_{false};
  int port_ = 0;
};

}  // namespace loom::server
