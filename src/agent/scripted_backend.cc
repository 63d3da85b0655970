// Script replay and request expectations.
#include "agent/scripted_backend.h"

#include <fstream>
#include <sstream>

namespace loom::agent {

using nlohmann::json;

std::string request_text(const ModelRequest& request) {
  std::string text;
  for (const Item& item : request.items) {
    text += str_cat("[", item_kind_name(item.kind), "] ", item.reasoning, item.text);
    for (const ModelToolCall& call : item.tool_calls) text += str_cat(" <", call.name, " ", call.arguments, ">");
    text += "\n";
  }
  return text;
}

namespace {

// A string field, or `fallback` when absent or not a string (no exceptions).
std::string string_or(const json& object, const char* key, std::string fallback = {}) {
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : fallback;
}

}  // namespace

Result<ModelTurn> turn_from_script(const json& turn, size_t index) {
  if (!turn.is_object()) return invalid_argument("script turn ", index, " is not an object");
  ModelTurn result;
  result.content = string_or(turn, "content");
  result.reasoning = string_or(turn, "reasoning");
  if (auto calls = turn.find("tool_calls"); calls != turn.end()) {
    if (!calls->is_array()) return invalid_argument("script turn ", index, ": tool_calls must be an array");
    for (size_t call_index = 0; call_index < calls->size(); ++call_index) {
      const json& call = (*calls)[call_index];
      if (!call.is_object()) return invalid_argument("script turn ", index, ": a tool call must be an object");
      ModelToolCall parsed{.call_id = string_or(call, "id", str_cat("call_", index, "_", call_index)),
                           .name = string_or(call, "name")};
      if (call.contains("input")) {
        parsed.arguments = string_or(call, "input");
        parsed.freeform = true;
      } else if (call.contains("arguments_text")) {
        parsed.arguments = string_or(call, "arguments_text");
      } else {
        parsed.arguments = call.value("arguments", json::object()).dump();
      }
      result.tool_calls.push_back(std::move(parsed));
    }
  }
  if (auto usage = turn.find("usage"); usage != turn.end()) result.usage = usage_from_json(*usage);
  result.finish_reason = result.tool_calls.empty() ? "stop" : "tool_calls";
  return result;
}

Result<std::unique_ptr<ScriptedBackend>> ScriptedBackend::create(json turns) {
  if (!turns.is_array()) return invalid_argument("a script's turns must be an array");
  for (size_t index = 0; index < turns.size(); ++index) TRY(turn_from_script(turns[index], index));
  return std::unique_ptr<ScriptedBackend>(new ScriptedBackend(std::move(turns)));
}

Result<std::unique_ptr<ScriptedBackend>> ScriptedBackend::from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot open script ", path);
  std::ostringstream text;
  text << in.rdbuf();
  json script = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (script.is_discarded()) return invalid_argument(path, " is not valid JSON");
  if (script.is_object() && script.contains("turns")) return create(script["turns"]);
  return create(std::move(script));
}

Result<ModelTurn> ScriptedBackend::complete(const ModelRequest& request) {
  std::lock_guard lock(mutex_);
  requests_.push_back(request);
  if (next_ >= turns_.size())
    return out_of_range("the script has no turn ", next_ + 1, " (it has ", turns_.size(), ")");
  const size_t index = next_++;
  const json& turn = turns_[index];
  const std::string purpose = string_or(turn, "purpose", "turn");
  const std::string sent = request.purpose == RequestPurpose::kSummarize ? "summarize" : "turn";
  if (purpose != sent) mismatches_.push_back(str_cat("turn ", index + 1, ": expected a ", purpose, " request, got ", sent));
  const std::string text = request_text(request);
  for (const auto& expected : turn.value("expect_in_request", json::array())) {
    if (expected.is_string() && text.find(expected.get<std::string>()) == std::string::npos)
      mismatches_.push_back(str_cat("turn ", index + 1, ": the request lacks '", expected.get<std::string>(), "'"));
  }
  for (const auto& unexpected : turn.value("expect_not_in_request", json::array())) {
    if (unexpected.is_string() && text.find(unexpected.get<std::string>()) != std::string::npos)
      mismatches_.push_back(str_cat("turn ", index + 1, ": the request contains '", unexpected.get<std::string>(), "'"));
  }
  ModelTurn result = TRY(turn_from_script(turn, index));
  if (!turn.contains("usage")) {
    // Without scripted usage, count as a server would, roughly.
    result.usage.input_tokens = estimate_tokens(request.items);
    result.usage.output_tokens = estimate_tokens(result.content) + estimate_tokens(result.reasoning);
    for (const ModelToolCall& call : result.tool_calls) result.usage.output_tokens += estimate_tokens(call.arguments);
  }
  return result;
}

size_t ScriptedBackend::turns_used() const {
  std::lock_guard lock(mutex_);
  return next_;
}

std::vector<std::string> ScriptedBackend::mismatches() const {
  std::lock_guard lock(mutex_);
  return mismatches_;
}

std::vector<ModelRequest> ScriptedBackend::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

}  // namespace loom::agent
