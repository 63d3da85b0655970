// HttpBackend: a ModelBackend talking to any OpenAI-compatible endpoint
// (loom serve, or a hosted model) over HTTP or HTTPS; with `stream`, the
// answer comes as server-sent events and reasoning and content are handed to
// the request's stream callback as they arrive.
#pragma once

#include <chrono>
#include <string>

#include "agent/backend.h"
#include "agent/wire_format.h"

namespace loom::agent {

struct HttpBackendOptions {
  std::string base_url{};  // e.g. http://127.0.0.1:8080/v1
  std::string api_key{};   // sent as "Authorization: Bearer ..." when set
  std::string model{};
  WireFormat wire = WireFormat::kChat;
  std::chrono::seconds timeout{600};  // between bytes received
  bool stream = false;                 // ask for SSE when the request has a stream callback
};

class HttpBackend : public ModelBackend {
 public:
  static Result<std::unique_ptr<HttpBackend>> create(HttpBackendOptions options);

  Result<ModelTurn> complete(const ModelRequest& request) override;
  std::string describe() const override;

 private:
  HttpBackend(HttpBackendOptions options, std::string origin, std::string path_prefix)
      : options_(std::move(options)), origin_(std::move(origin)), path_prefix_(std::move(path_prefix)) {}
  HttpBackendOptions options_;
  std::string origin_;       // scheme://host:port
  std::string path_prefix_;  // "/v1"
};

}  // namespace loom::agent
