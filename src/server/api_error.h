// The one mapping from loom::Status to an HTTP status and an OpenAI-shaped
// error body: {"error": {"message", "type", "param", "code"}}.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace loom::server {

struct ApiError {
  int http_status = 500;
  std::string type;     // invalid_request_error, authentication_error, not_found_error, server_error...
  std::string code;     // "" = null; e.g. context_length_exceeded, model_not_found
  std::string param;    // "" = null; the request field at fault
  std::string message;
};

// Messages may start with "param: " where param is a JSON path of the request
// ("messages[2].role: ..."); that path becomes `param`.
ApiError api_error_from_status(const Status& status);
nlohmann::json api_error_json(const ApiError& error);

// A status whose message carries the OpenAI error code: "[code] message".
// api_error_from_status turns the bracket into `code`.
Status context_length_exceeded(int64_t prompt_tokens, int64_t max_output_tokens, int64_t context_length);
Status model_not_found(const std::string& model);

}  // namespace loom::server
