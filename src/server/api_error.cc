// Status -> HTTP status + OpenAI error JSON, in one place.
#include "server/api_error.h"

#include <cctype>

namespace loom::server {
namespace {

struct StatusMapping {
  int http_status;
  const char* type;
};

StatusMapping mapping_for(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
    case StatusCode::kUnimplemented:
    case StatusCode::kFailedPrecondition:
      return {400, "invalid_request_error"};
    case StatusCode::kNotFound:
      return {404, "invalid_request_error"};
    case StatusCode::kUnauthenticated:
      return {401, "authentication_error"};
    case StatusCode::kPermissionDenied:
      return {403, "permission_error"};
    case StatusCode::kResourceExhausted:
      return {429, "rate_limit_error"};
    case StatusCode::kCancelled:
      return {499, "invalid_request_error"};
    case StatusCode::kUnavailable:
      return {503, "server_error"};
    case StatusCode::kDeadlineExceeded:
      return {504, "server_error"};
    default:
      return {500, "server_error"};
  }
}

// "[code] rest" -> code, rest.
void split_code(std::string& message, std::string& code) {
  if (message.size() < 3 || message[0] != '[') return;
  const size_t close = message.find(']');
  if (close == std::string::npos || close == 1) return;
  for (size_t i = 1; i < close; ++i) {
    const char c = message[i];
    if (!(std::islower(static_cast<unsigned char>(c)) || c == '_' || std::isdigit(static_cast<unsigned char>(c)))) return;
  }
  code = message.substr(1, close - 1);
  message.erase(0, close + 1);
  while (!message.empty() && message[0] == ' ') message.erase(0, 1);
}

// A leading JSON path names the parameter: "messages[0].role must be ..." or
// "temperature: ...". Only the first word is considered.
std::string leading_param(const std::string& message) {
  const size_t space = message.find(' ');
  if (space == std::string::npos || space == 0 || space > 80) return "";
  std::string path = message.substr(0, space);
  const std::string_view rest = std::string_view(message).substr(space + 1);
  const bool colon = path.back() == ':';
  if (colon) path.pop_back();
  if (path.empty()) return "";
  for (const char c : path) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '[' || c == ']')) return "";
  }
  if (colon || rest.starts_with("must ") || rest.starts_with("is ") || rest.starts_with("has ")) return path;
  return "";
}

}  // namespace

ApiError api_error_from_status(const Status& status) {
  const StatusMapping mapping = mapping_for(status.code());
  ApiError error;
  error.http_status = mapping.http_status;
  error.type = mapping.type;
  error.message = status.message();
  split_code(error.message, error.code);
  if (error.code == "request_too_large") error.http_status = 413;
  if (error.code == "model_not_found") error.param = "model";
  if (error.param.empty() && (error.http_status == 400 || error.http_status == 404)) error.param = leading_param(error.message);
  if (error.code.empty() && status.code() == StatusCode::kUnauthenticated) error.code = "invalid_api_key";
  if (error.code.empty() && error.http_status >= 500) error.code = "server_error";
  return error;
}

nlohmann::json api_error_json(const ApiError& error) {
  const auto or_null = [](const std::string& text) { return text.empty() ? nlohmann::json() : nlohmann::json(text); };
  return {{"error",
           {{"message", error.message}, {"type", error.type}, {"param", or_null(error.param)}, {"code", or_null(error.code)}}}};
}

Status context_length_exceeded(int64_t prompt_tokens, int64_t max_output_tokens, int64_t context_length) {
  return out_of_range("[context_length_exceeded] This model's maximum context length is ", context_length,
                      " tokens. However, your messages resulted in ", prompt_tokens, " tokens",
                      max_output_tokens > 0 ? str_cat(" (plus ", max_output_tokens, " requested output tokens)") : "",
                      ". Please reduce the length of the messages.");
}

Status model_not_found(const std::string& model) {
  return not_found("[model_not_found] The model '", model, "' does not exist");
}

}  // namespace loom::server
