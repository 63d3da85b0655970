// Request fields shared by Chat Completions and Responses: the body itself,
// effort, sampling parameters, and typed accessors that name the bad field.
#include "server/request.h"

#include "base/utf8.h"
#include "server/request_fields.h"

namespace loom::server {
Result<nlohmann::json> parse_body(std::string_view text) {
  if (const size_t bad = first_invalid_utf8(text); bad != std::string_view::npos)
    return invalid_argument("[invalid_encoding] The request body is not valid UTF-8 (byte ", bad, ")");
  nlohmann::json body = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded())
    return invalid_argument("[invalid_json] We could not parse the JSON body of your request. Expected a JSON object.");
  if (!body.is_object()) return invalid_argument("[invalid_json] The request body must be a JSON object.");
  return body;
}

Result<reasoning::Effort> parse_request_effort(std::string_view text, std::string_view param) {
  Result<reasoning::Effort> effort = reasoning::parse_effort(text);
  if (effort.ok()) return effort;
  return invalid_argument(param, ": Invalid value '", text,
                          "'. Supported values are: 'none', 'minimal', 'low', 'medium', 'high', 'xhigh' and 'auto'.");
}

const nlohmann::json* field(const nlohmann::json& object, std::string_view key) {
  const auto found = object.find(key);
  if (found == object.end() || found->is_null()) return nullptr;
  return &*found;
}

Status read_string(const nlohmann::json& object, std::string_view key, std::string_view path, std::string& out) {
  const nlohmann::json* value = field(object, key);
  if (value == nullptr) return {};
  if (!value->is_string()) return invalid_argument(path, key, " must be a string");
  out = value->get<std::string>();
  return {};
}

Status read_bool(const nlohmann::json& object, std::string_view key, std::string_view path, bool& out) {
  const nlohmann::json* value = field(object, key);
  if (value == nullptr) return {};
  if (!value->is_boolean()) return invalid_argument(path, key, " must be a boolean");
  out = value->get<bool>();
  return {};
}

Status read_number(const nlohmann::json& object, std::string_view key, double min, double max, double& out) {
  const nlohmann::json* value = field(object, key);
  if (value == nullptr) return {};
  if (!value->is_number()) return invalid_argument(key, " must be a number");
  const double number = value->get<double>();
  if (!(number >= min && number <= max)) return invalid_argument(key, " must be between ", min, " and ", max);
  out = number;
  return {};
}

Status read_positive_int(const nlohmann::json& object, std::string_view key, int64_t& out) {
  const nlohmann::json* value = field(object, key);
  if (value == nullptr) return {};
  if (!value->is_number_integer()) return invalid_argument(key, " must be an integer");
  const int64_t number = value->get<int64_t>();
  if (number < 1) return invalid_argument(key, " must be at least 1");
  out = number;
  return {};
}

Status read_sampling(const nlohmann::json& body, const RequestLimits& limits, SamplingParams& sampling) {
  TRY(read_number(body, "temperature", 0.0, 2.0, sampling.temperature));
  TRY(read_number(body, "top_p", 0.0, 1.0, sampling.top_p));
  if (const nlohmann::json* seed = field(body, "seed")) {
    if (!seed->is_number_integer()) return invalid_argument("seed must be an integer");
    sampling.seed = seed->is_number_unsigned() ? seed->get<uint64_t>() : static_cast<uint64_t>(seed->get<int64_t>());
  }
  if (const nlohmann::json* stop = field(body, "stop")) {
    if (stop->is_string()) {
      sampling.stop.push_back(stop->get<std::string>());
    } else if (stop->is_array()) {
      if (stop->size() > limits.max_stop) return invalid_argument("stop must have at most ", limits.max_stop, " entries");
      for (const auto& entry : *stop) {
        if (!entry.is_string()) return invalid_argument("stop must be a string or an array of strings");
        sampling.stop.push_back(entry.get<std::string>());
      }
    } else {
      return invalid_argument("stop must be a string or an array of strings");
    }
  }
  return {};
}

Status read_logprobs(const nlohmann::json& body, SamplingParams& sampling) {
  TRY(read_bool(body, "logprobs", "", sampling.logprobs));
  if (const nlohmann::json* top = field(body, "top_logprobs")) {
    if (!top->is_number_integer()) return invalid_argument("top_logprobs must be an integer");
    const int64_t count = top->get<int64_t>();
    if (count < 0 || count > 20) return invalid_argument("top_logprobs must be between 0 and 20");
    if (count > 0 && !sampling.logprobs) return invalid_argument("top_logprobs: logprobs must be true when top_logprobs is set");
    sampling.top_logprobs = static_cast<int32_t>(count);
  }
  return {};
}

Status read_model(const nlohmann::json& body, std::string& model) {
  const nlohmann::json* value = field(body, "model");
  if (value == nullptr) return invalid_argument("model: you must provide a model parameter");
  if (!value->is_string()) return invalid_argument("model must be a string");
  model = value->get<std::string>();
  if (model.empty()) return invalid_argument("model: you must provide a model parameter");
  return {};
}

}  // namespace loom::server
