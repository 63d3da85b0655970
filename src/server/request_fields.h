// Typed accessors for request JSON, shared by the request parsers. Errors name
// the field ("path" + "key"), which api_error turns into `param`.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "server/request.h"

namespace loom::server {

// The member, or nullptr when absent or null.
const nlohmann::json* field(const nlohmann::json& object, std::string_view key);
Status read_string(const nlohmann::json& object, std::string_view key, std::string_view path, std::string& out);
Status read_bool(const nlohmann::json& object, std::string_view key, std::string_view path, bool& out);
Status read_number(const nlohmann::json& object, std::string_view key, double min, double max, double& out);
Status read_positive_int(const nlohmann::json& object, std::string_view key, int64_t& out);
Status read_sampling(const nlohmann::json& body, const RequestLimits& limits, SamplingParams& sampling);
Status read_model(const nlohmann::json& body, std::string& model);
// Chat Completions `logprobs` (bool) and `top_logprobs` (0..20, needs logprobs).
Status read_logprobs(const nlohmann::json& body, SamplingParams& sampling);

}  // namespace loom::server
