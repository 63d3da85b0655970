// Server: the HTTP front of loom serve. Routes /health, /v1/models, /tokenize,
// /v1/chat/completions, /v1/responses and /metrics over cpp-httplib; checks
// API keys, per-key limits and body size; maps every failure to OpenAI error
// JSON; shuts down gracefully (in-flight generations get a bounded time to end).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "server/api_keys.h"
#include "server/backend.h"
#include "server/generation.h"
#include "server/serving_model.h"

namespace httplib {
class Server;
}

namespace loom::server {

class KeyAccounts;

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                      // 0: any free port (see Server::port)
  size_t max_body_bytes = 16u << 20;    // larger bodies: 413
  std::vector<ApiKey> api_keys;         // empty: no authentication
  Prices prices;
  RequestLimits limits;
  int http_threads = 16;
};

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
  // Serves until stop() or shutdown(); returns after in-flight requests ended.
  Status serve();
  // Graceful shutdown, for SIGINT/SIGTERM: stops accepting connections, answers
  // new requests on open connections with 503, lets in-flight generations run
  // for up to `grace`, then cancels the rest (their streams end with an error
  // event). Blocks until they ended or were cancelled; thread-safe.
  void shutdown(std::chrono::milliseconds grace);
  // shutdown() without grace: cancels running generations at once.
  void stop() { shutdown(std::chrono::milliseconds(0)); }

  struct Counters;

 private:
  void install_routes();

  const ServingModel& model_;
  CompletionBackend& backend_;
  ServerOptions options_;
  std::unique_ptr<httplib::Server> http_;
  std::unique_ptr<Counters> counters_;
  std::unique_ptr<KeyAccounts> keys_;
  std::atomic<bool> draining_{false};   // no new generations
  std::atomic<bool> stopping_{false};   // cancels running generations
  int port_ = 0;
};

}  // namespace loom::server
