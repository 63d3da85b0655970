// Replay scripts: {"steps": [{"output": "<think>..</think>\n..."}, {"error": {...}}, ...]}
#include "server/replay_backend.h"

#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "text/detokenizer.h"

namespace loom::server {
namespace {

using nlohmann::json;

Result<StatusCode> status_code_for(const std::string& name) {
  static const std::pair<const char*, StatusCode> kCodes[] = {
      {"invalid_argument", StatusCode::kInvalidArgument}, {"out_of_range", StatusCode::kOutOfRange},
      {"not_found", StatusCode::kNotFound},               {"resource_exhausted", StatusCode::kResourceExhausted},
      {"unavailable", StatusCode::kUnavailable},          {"internal", StatusCode::kInternal},
  };
  for (const auto& [text, code] : kCodes)
    if (name == text) return code;
  return invalid_argument("replay script: unknown error status '", name, "'");
}

Result<ReplayStep> step_from_json(const json& entry, size_t index) {
  ReplayStep step;
  if (entry.is_string()) {
    step.output = entry.get<std::string>();
    return step;
  }
  if (!entry.is_object()) return invalid_argument("replay script: steps[", index, "] must be a string or an object");
  if (entry.contains("output")) {
    if (!entry["output"].is_string()) return invalid_argument("replay script: steps[", index, "].output must be a string");
    step.output = entry["output"].get<std::string>();
  }
  if (entry.contains("error")) {
    const json& error = entry["error"];
    if (!error.is_object()) return invalid_argument("replay script: steps[", index, "].error must be an object");
    const StatusCode code = TRY(status_code_for(error.value("status", "internal")));
    const std::string openai_code = error.value("code", "");
    const std::string message = error.value("message", "scripted failure");
    step.error = Status(code, openai_code.empty() ? message : str_cat("[", openai_code, "] ", message));
    step.error_after_tokens = error.value("after_tokens", 0);
  }
  return step;
}

}  // namespace

Result<std::unique_ptr<ReplayBackend>> ReplayBackend::from_json(const std::string& json_text,
                                                                const text::Tokenizer& tokenizer, int64_t context_length) {
  const json script = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (script.is_discarded()) return invalid_argument("replay script is not valid JSON");
  const json* steps = &script;
  if (script.is_object()) {
    if (!script.contains("steps")) return invalid_argument("replay script: expected {\"steps\": [...]}");
    steps = &script["steps"];
  }
  if (!steps->is_array()) return invalid_argument("replay script: steps must be an array");
  std::vector<ReplayStep> parsed;
  for (size_t index = 0; index < steps->size(); ++index) parsed.push_back(TRY(step_from_json((*steps)[index], index)));
  double delay_ms = 0;
  if (script.is_object() && script.contains("token_delay_ms")) {
    const json& delay = script["token_delay_ms"];
    if (!delay.is_number() || delay.get<double>() < 0 || delay.get<double>() > 60000)
      return invalid_argument("replay script: token_delay_ms must be a number of milliseconds (0 to 60000)");
    delay_ms = delay.get<double>();
  }
  auto backend = std::unique_ptr<ReplayBackend>(new ReplayBackend(std::move(parsed), tokenizer, context_length));
  backend->token_delay_ms_ = delay_ms;
  if (script.is_object() && script.contains("repeat")) {
    if (!script["repeat"].is_boolean()) return invalid_argument("replay script: repeat must be true or false");
    backend->repeat_ = script["repeat"].get<bool>() && !backend->steps_.empty();
  }
  return backend;
}

Result<std::unique_ptr<ReplayBackend>> ReplayBackend::from_file(const std::string& path, const text::Tokenizer& tokenizer,
                                                                int64_t context_length) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return not_found("cannot open replay script ", path);
  std::stringstream text;
  text << file.rdbuf();
  Result<std::unique_ptr<ReplayBackend>> backend = from_json(text.str(), tokenizer, context_length);
  if (!backend.ok()) return backend.status().with_context(path);
  return backend;
}

size_t ReplayBackend::steps_used() const {
  std::lock_guard lock(mutex_);
  return next_;
}

Result<BackendResult> ReplayBackend::generate(const BackendRequest& request, const TokenCallback& on_token,
                                              const std::atomic<bool>& cancelled) {
  ReplayStep step;
  {
    std::lock_guard lock(mutex_);
    if (next_ >= steps_.size() && !repeat_)
      return Status(StatusCode::kUnavailable, str_cat("replay script exhausted after ", steps_.size(), " responses"));
    step = steps_[next_++ % steps_.size()];
  }
  if (!step.error.ok() && step.error_after_tokens <= 0) return step.error;
  const std::vector<int32_t> ids = tokenizer_.encode(step.output, /*add_special=*/false);
  text::StreamingDetokenizer detokenizer(tokenizer_, text::SpecialTokens::kKeep);
  BackendResult result;
  int64_t emitted = 0;
  for (const int32_t id : ids) {
    if (token_delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(token_delay_ms_));
    if (cancelled.load()) return BackendResult{.finish = FinishReason::kCancelled};
    if (!step.error.ok() && emitted == step.error_after_tokens) return step.error;
    if (request.max_tokens > 0 && emitted == request.max_tokens) {
      result.finish = FinishReason::kLength;
      return result;
    }
    if (!on_token(runtime::TokenEvent{.token = id, .text = detokenizer.push(id)})) return result;
    ++emitted;
  }
  if (!step.error.ok()) return step.error;
  if (const std::string rest = detokenizer.flush(); !rest.empty()) on_token(runtime::TokenEvent{.token = -1, .text = rest});
  return result;
}

}  // namespace loom::server
