// HTTP transport of the OpenAI wire formats, on cpp-httplib (the Debian build,
// compiled with OpenSSL, so https:// endpoints work too).
#include "agent/http_backend.h"

#define CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_ZLIB_SUPPORT
#define CPPHTTPLIB_BROTLI_SUPPORT
#include <httplib.h>

namespace loom::agent {

Result<std::unique_ptr<HttpBackend>> HttpBackend::create(HttpBackendOptions options) {
  const std::string& url = options.base_url;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return invalid_argument("--base-url must start with http:// or https://: ", url);
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https")
    return invalid_argument("--base-url must start with http:// or https://: ", url);
  const size_t path_start = url.find('/', scheme_end + 3);
  std::string origin = path_start == std::string::npos ? url : url.substr(0, path_start);
  std::string prefix = path_start == std::string::npos ? std::string() : url.substr(path_start);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (origin.size() <= scheme_end + 3) return invalid_argument("--base-url has no host: ", url);
  if (options.model.empty()) return invalid_argument("an HTTP backend needs --model NAME");
  return std::unique_ptr<HttpBackend>(new HttpBackend(std::move(options), std::move(origin), std::move(prefix)));
}

std::string HttpBackend::describe() const {
  return str_cat(options_.model, " at ", options_.base_url, " (",
                 options_.wire == WireFormat::kChat ? "chat completions" : "responses", ")");
}

Result<ModelTurn> HttpBackend::complete(const ModelRequest& request) {
  const nlohmann::json body = options_.wire == WireFormat::kChat ? chat_request_json(request, options_.model)
                                                                 : responses_request_json(request, options_.model);
  httplib::Client client(origin_);
  if (!client.is_valid()) return invalid_argument("cannot use the endpoint ", origin_);
  client.set_connection_timeout(std::chrono::seconds(10));
  client.set_read_timeout(options_.timeout);
  client.set_write_timeout(std::chrono::seconds(60));
  httplib::Headers headers;
  if (!options_.api_key.empty()) headers.emplace("Authorization", "Bearer " + options_.api_key);
  const std::string path = path_prefix_ + std::string(wire_format_path(options_.wire));
  auto response = client.Post(path, headers, body.dump(), "application/json");
  if (!response) {
    return Status(StatusCode::kUnavailable,
                  str_cat("POST ", origin_, path, " failed: ", httplib::to_string(response.error())));
  }
  if (response->status < 200 || response->status >= 300) {
    return Status(StatusCode::kUnavailable,
                  str_cat("POST ", origin_, path, " answered HTTP ", response->status, ": ",
                          response->body.substr(0, 500)));
  }
  return options_.wire == WireFormat::kChat ? parse_chat_response(response->body)
                                            : parse_responses_response(response->body);
}

}  // namespace loom::agent
