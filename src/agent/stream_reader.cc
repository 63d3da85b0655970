// Server-sent events -> ModelTurn, for Chat Completions chunks and Responses
// events.
#include "agent/stream_reader.h"

namespace loom::agent {
namespace {

using nlohmann::json;

std::string string_at(const json& object, const char* key) {
  if (!object.is_object()) return {};
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

Status stream_error(const json& error) {
  const std::string message = error.is_object() ? string_at(error, "message") : error.dump();
  return Status(StatusCode::kUnavailable, str_cat("the model endpoint returned an error: ", message));
}

}  // namespace

Status StreamReader::feed(std::string_view bytes) {
  pending_.append(bytes);
  size_t start = 0;
  while (true) {
    const size_t end = pending_.find('\n', start);
    if (end == std::string::npos) break;
    std::string_view line(pending_.data() + start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {  // a blank line ends the event
      if (!event_data_.empty()) {
        const std::string data = std::move(event_data_);
        event_data_.clear();
        TRY(on_event(data));
      }
      continue;
    }
    if (!line.starts_with("data:")) continue;  // event:, id:, retry:, comments
    line.remove_prefix(5);
    if (line.starts_with(" ")) line.remove_prefix(1);
    if (!event_data_.empty()) event_data_ += '\n';
    event_data_.append(line);
  }
  pending_.erase(0, start);
  return {};
}

Status StreamReader::on_event(std::string_view data) {
  if (data == "[DONE]") {
    if (format_ == WireFormat::kChat) done_ = true;
    return {};
  }
  const json event = json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (event.is_discarded() || !event.is_object())
    return invalid_argument("the model endpoint streamed an event that is not a JSON object: ", data.substr(0, 200));
  return format_ == WireFormat::kChat ? on_chat_chunk(event) : on_responses_event(event);
}

void StreamReader::delta(TurnDelta::Kind kind, const std::string& text) {
  if (text.empty()) return;
  (kind == TurnDelta::Kind::kReasoning ? turn_.reasoning : turn_.content) += text;
  if (on_delta_) on_delta_({.kind = kind, .text = text});
}

Status StreamReader::on_chat_chunk(const json& chunk) {
  if (auto error = chunk.find("error"); error != chunk.end() && !error->is_null()) return stream_error(*error);
  if (auto usage = chunk.find("usage"); usage != chunk.end() && usage->is_object()) {
    // The same fields as a whole response: parse them the same way.
    const json whole = {{"choices", json::array({json::object()})}, {"usage", *usage}};
    turn_.usage = TRY(parse_chat_response(whole.dump())).usage;
  }
  auto choices = chunk.find("choices");
  if (choices == chunk.end() || !choices->is_array() || choices->empty() || !(*choices)[0].is_object()) return {};
  const json& choice = (*choices)[0];
  if (const std::string finish = string_at(choice, "finish_reason"); !finish.empty()) {
    turn_.finish_reason = finish;
    done_ = true;
  }
  const json delta_object = choice.value("delta", json::object());
  if (!delta_object.is_object()) return {};
  std::string reasoning = string_at(delta_object, "reasoning_content");
  if (reasoning.empty()) reasoning = string_at(delta_object, "reasoning");
  delta(TurnDelta::Kind::kReasoning, reasoning);
  delta(TurnDelta::Kind::kContent, string_at(delta_object, "content"));
  if (auto calls = delta_object.find("tool_calls"); calls != delta_object.end() && calls->is_array()) {
    for (const json& call : *calls) {
      if (!call.is_object()) continue;
      const int64_t index = call.value("index", json(0)).is_number_integer() ? call["index"].get<int64_t>()
                                                                             : static_cast<int64_t>(chat_calls_.size());
      ModelToolCall& target = chat_calls_[index];
      if (const std::string id = string_at(call, "id"); !id.empty()) target.call_id = id;
      const json function = call.value("function", json::object());
      if (const std::string name = string_at(function, "name"); !name.empty()) target.name = name;
      target.arguments += string_at(function, "arguments");
    }
  }
  return {};
}

Status StreamReader::on_responses_event(const json& event) {
  const std::string type = string_at(event, "type");
  if (type == "response.reasoning_text.delta" || type == "response.reasoning_summary_text.delta") {
    if (on_delta_) on_delta_({.kind = TurnDelta::Kind::kReasoning, .text = string_at(event, "delta")});
  } else if (type == "response.output_text.delta") {
    if (on_delta_) on_delta_({.kind = TurnDelta::Kind::kContent, .text = string_at(event, "delta")});
  } else if (type == "response.completed" || type == "response.incomplete") {
    final_response_ = event.value("response", json::object());
    done_ = true;
  } else if (type == "response.failed") {
    const json response = event.value("response", json::object());
    return stream_error(response.is_object() ? response.value("error", json()) : json());
  } else if (type == "error") {
    return stream_error(event.contains("error") ? event["error"] : event);
  }
  return {};
}

Result<ModelTurn> StreamReader::finish() {
  TRY(feed("\n\n"));  // an event not followed by a blank line
  if (!done_) return Status(StatusCode::kUnavailable, "the model endpoint's stream ended before the response was complete");
  if (format_ == WireFormat::kResponses) {
    // The final response object holds the whole turn, as a non-streamed answer would.
    ModelTurn turn = TRY(parse_responses_response(final_response_->dump()));
    turn.streamed = true;
    return turn;
  }
  for (auto& [index, call] : chat_calls_) turn_.tool_calls.push_back(std::move(call));
  turn_.streamed = true;
  return turn_;
}

}  // namespace loom::agent
