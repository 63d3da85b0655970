// HTTP transport of the OpenAI wire formats, on cpp-httplib (the Debian build,
// compiled with OpenSSL, so https:// endpoints work too).
#include "agent/http_backend.h"

#include "agent/stream_reader.h"

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
  nlohmann::json body = options_.wire == WireFormat::kChat ? chat_request_json(request, options_.model)
                                                           : responses_request_json(request, options_.model);
  const bool stream = options_.stream && request.stream;
  if (stream) {
    body["stream"] = true;
    if (options_.wire == WireFormat::kChat) body["stream_options"] = {{"include_usage", true}};
  }
  httplib::Client client(origin_);
  if (!client.is_valid()) return invalid_argument("cannot use the endpoint ", origin_);
  client.set_connection_timeout(std::chrono::seconds(10));
  client.set_read_timeout(options_.timeout);
  client.set_write_timeout(std::chrono::seconds(60));
  const std::string path = path_prefix_ + std::string(wire_format_path(options_.wire));
  httplib::Request post;
  post.method = "POST";
  post.path = path;
  post.body = body.dump();
  post.set_header("Content-Type", "application/json");
  if (!options_.api_key.empty()) post.set_header("Authorization", "Bearer " + options_.api_key);
  if (stream) post.set_header("Accept", "text/event-stream");

  // The body is read as it arrives: events go to the reader while the status
  // is a success, anything else is kept for the error message.
  StreamReader reader(options_.wire, request.stream);
  Status stream_status;
  int status = 0;
  std::string kept;
  post.response_handler = [&](const httplib::Response& response) {
    status = response.status;
    return true;
  };
  post.content_receiver = [&](const char* data, size_t length, uint64_t, uint64_t) {
    if (!stream || status < 200 || status >= 300) {
      kept.append(data, length);
      return true;
    }
    stream_status = reader.feed(std::string_view(data, length));
    return stream_status.ok();
  };
  auto response = client.send(post);
  if (!stream_status.ok()) return stream_status;
  if (!response) {
    return Status(StatusCode::kUnavailable,
                  str_cat("POST ", origin_, path, " failed: ", httplib::to_string(response.error())));
  }
  if (status < 200 || status >= 300) {
    return Status(StatusCode::kUnavailable,
                  str_cat("POST ", origin_, path, " answered HTTP ", status, ": ", kept.substr(0, 500)));
  }
  if (stream) return reader.finish();
  return options_.wire == WireFormat::kChat ? parse_chat_response(kept) : parse_responses_response(kept);
}

}  // namespace loom::agent
