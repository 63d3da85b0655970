// The Responses event sequence, following the captured hosted-API streams:
// each item is added, filled with deltas that carry item_id and output_index,
// then done; response.completed repeats the whole response with usage.
#include "server/responses_writer.h"

#include "chat/message.h"

namespace loom::server {
namespace {

using nlohmann::json;

json text_format_json(const GenerationRequest& request) {
  switch (request.response_format) {
    case ResponseFormat::kJsonObject: return {{"type", "json_object"}};
    case ResponseFormat::kJsonSchema: return {{"type", "json_schema"}, {"schema", request.json_schema}};
    default: return {{"type", "text"}};
  }
}

json tool_choice_json(const chat::ToolChoice& choice) {
  switch (choice.mode) {
    case chat::ToolChoiceMode::kNone: return "none";
    case chat::ToolChoiceMode::kRequired: return "required";
    case chat::ToolChoiceMode::kNamed: return {{"type", "function"}, {"name", choice.name}};
    default: return "auto";
  }
}

// A custom tool's freeform input travels inside the call's {"input": ...}.
std::string freeform_input(const std::string& arguments) {
  const json parsed = json::parse(arguments, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.contains("input") && parsed["input"].is_string()) return parsed["input"].get<std::string>();
  return arguments;
}

json message_item(const std::string& id, const std::string& text, std::string_view status, json logprobs = json::array()) {
  json content = json::array();
  if (status == "completed")
    content.push_back({{"type", "output_text"}, {"text", text}, {"annotations", json::array()}, {"logprobs", std::move(logprobs)}});
  return {{"id", id}, {"type", "message"}, {"status", status}, {"role", "assistant"}, {"content", std::move(content)}};
}

json reasoning_item(const std::string& id, const std::string& text, bool done) {
  json content = json::array();
  if (done) content.push_back({{"type", "reasoning_text"}, {"text", text}});
  return {{"id", id}, {"type", "reasoning"}, {"summary", json::array()}, {"content", std::move(content)}};
}

json call_item(const std::string& id, const chat::ToolCall& call, bool freeform, bool done) {
  if (freeform)
    return {{"id", id}, {"type", "custom_tool_call"}, {"status", done ? "completed" : "in_progress"},
            {"call_id", call.id}, {"name", call.name}, {"input", done ? freeform_input(call.arguments) : ""}};
  return {{"id", id}, {"type", "function_call"}, {"status", done ? "completed" : "in_progress"},
          {"arguments", done ? call.arguments : ""}, {"call_id", call.id}, {"name", call.name}};
}

std::string id_suffix(const ResponseIdentity& identity) {
  const size_t underscore = identity.id.find('_');
  return underscore == std::string::npos ? identity.id : identity.id.substr(underscore + 1);
}

}  // namespace

json response_usage_json(const Usage& usage) {
  return {{"input_tokens", usage.prompt_tokens},
          {"input_tokens_details", {{"cached_tokens", usage.cached_tokens}}},
          {"output_tokens", usage.completion_tokens},
          {"output_tokens_details", {{"reasoning_tokens", usage.reasoning_tokens}}},
          {"total_tokens", usage.prompt_tokens + usage.completion_tokens},
          {"cost", usage.cost_usd}};
}

json response_json(const ResponseIdentity& identity, const GenerationRequest& request, std::string_view status, json output,
                   const GenerationOutcome* outcome) {
  const auto or_null = [](const std::string& text) { return text.empty() ? json() : json(text); };
  std::optional<reasoning::Effort> effort = request.effort;
  if (outcome != nullptr && outcome->effort.used) effort = outcome->effort.used;
  const json effort_json = effort ? json(std::string(reasoning::effort_name(*effort))) : json();
  return {{"id", identity.id},
          {"object", "response"},
          {"created_at", identity.created},
          {"status", status},
          {"background", false},
          {"error", nullptr},
          {"incomplete_details", nullptr},
          {"instructions", or_null(request.instructions)},
          {"max_output_tokens", request.max_output_tokens > 0 ? json(request.max_output_tokens) : json()},
          {"model", identity.model},
          {"output", std::move(output)},
          {"parallel_tool_calls", request.parallel_tool_calls},
          {"previous_response_id", nullptr},
          {"reasoning", {{"effort", effort_json}, {"summary", or_null(request.reasoning_summary)}}},
          {"store", request.store},
          {"temperature", request.sampling.temperature},
          {"text", {{"format", text_format_json(request)}}},
          {"tool_choice", tool_choice_json(request.tool_choice)},
          {"tools", json::array()},
          {"top_p", request.sampling.top_p},
          {"truncation", "disabled"},
          {"usage", outcome ? response_usage_json(outcome->usage) : json()},
          {"user", nullptr},
          {"metadata", request.metadata}};
}

json response_output_items(const ResponseIdentity& identity, const GenerationRequest& request, const chat::ParsedOutput& output,
                           std::span<const TokenLogprob> logprobs) {
  const std::string suffix = id_suffix(identity);
  json items = json::array();
  if (!output.reasoning.empty()) items.push_back(reasoning_item(str_cat("rs_", suffix, "_0"), output.reasoning, true));
  if (!output.content.empty())
    items.push_back(message_item(str_cat("msg_", suffix, "_", items.size()), output.content, "completed", content_logprobs_json(logprobs)));
  for (const chat::ToolCall& call : output.tool_calls) {
    const bool freeform = request.freeform_tools.contains(call.name);
    items.push_back(call_item(str_cat(freeform ? "ctc_" : "fc_", suffix, "_", items.size()), call, freeform, true));
  }
  return items;
}

std::string ResponsesStreamWriter::item_id(std::string_view prefix) const {
  return str_cat(prefix, id_suffix(identity_), "_", done_items_.size());
}

void ResponsesStreamWriter::emit(std::vector<std::string>& frames, json event) {
  event["sequence_number"] = sequence_++;
  frames.push_back(str_cat("event: ", event["type"].get<std::string>(), "\ndata: ", chat::dump_json(event), "\n\n"));
}

std::vector<std::string> ResponsesStreamWriter::start() {
  std::vector<std::string> frames;
  emit(frames, {{"type", "response.created"}, {"response", response_json(identity_, request_, "in_progress", json::array(), nullptr)}});
  emit(frames, {{"type", "response.in_progress"}, {"response", response_json(identity_, request_, "in_progress", json::array(), nullptr)}});
  return frames;
}

void ResponsesStreamWriter::open_item(std::vector<std::string>& frames, ItemKind kind, const chat::ParseEvent* start) {
  open_ = kind;
  text_.clear();
  logprobs_ = json::array();
  const size_t index = done_items_.size();
  switch (kind) {
    case ItemKind::kReasoning:
      item_ = reasoning_item(item_id("rs_"), "", false);
      emit(frames, {{"type", "response.output_item.added"}, {"output_index", index}, {"item", item_}});
      emit(frames, {{"type", "response.content_part.added"}, {"item_id", item_["id"]}, {"output_index", index},
                    {"content_index", 0}, {"part", {{"type", "reasoning_text"}, {"text", ""}}}});
      break;
    case ItemKind::kMessage:
      item_ = message_item(item_id("msg_"), "", "in_progress");
      emit(frames, {{"type", "response.output_item.added"}, {"output_index", index}, {"item", item_}});
      emit(frames, {{"type", "response.content_part.added"}, {"item_id", item_["id"]}, {"output_index", index}, {"content_index", 0},
                    {"part", {{"type", "output_text"}, {"text", ""}, {"annotations", json::array()}, {"logprobs", json::array()}}}});
      break;
    case ItemKind::kFunctionCall:
    case ItemKind::kCustomToolCall: {
      const chat::ToolCall call{.id = start->id, .name = start->name, .arguments = ""};
      const bool freeform = kind == ItemKind::kCustomToolCall;
      item_ = call_item(item_id(freeform ? "ctc_" : "fc_"), call, freeform, false);
      // A custom call's input is only known once its JSON wrapper is complete.
      if (!freeform) emit(frames, {{"type", "response.output_item.added"}, {"output_index", index}, {"item", item_}});
      break;
    }
    case ItemKind::kNone:
      break;
  }
}

void ResponsesStreamWriter::close_item(std::vector<std::string>& frames) {
  const size_t index = done_items_.size();
  const json id = item_.is_object() ? item_["id"] : json();
  switch (open_) {
    case ItemKind::kNone:
      return;
    case ItemKind::kReasoning:
      emit(frames, {{"type", "response.reasoning_text.done"}, {"item_id", id}, {"output_index", index}, {"content_index", 0}, {"text", text_}});
      emit(frames, {{"type", "response.content_part.done"}, {"item_id", id}, {"output_index", index}, {"content_index", 0},
                    {"part", {{"type", "reasoning_text"}, {"text", text_}}}});
      item_ = reasoning_item(id, text_, true);
      break;
    case ItemKind::kMessage: {
      const json part = {{"type", "output_text"}, {"text", text_}, {"annotations", json::array()}, {"logprobs", logprobs_}};
      emit(frames, {{"type", "response.output_text.done"}, {"item_id", id}, {"output_index", index}, {"content_index", 0},
                    {"text", text_}, {"logprobs", logprobs_}});
      emit(frames, {{"type", "response.content_part.done"}, {"item_id", id}, {"output_index", index}, {"content_index", 0}, {"part", part}});
      item_ = message_item(id, text_, "completed", logprobs_);
      break;
    }
    case ItemKind::kFunctionCall:
      emit(frames, {{"type", "response.function_call_arguments.done"}, {"item_id", id}, {"output_index", index}, {"arguments", text_}});
      item_["status"] = "completed";
      item_["arguments"] = text_;
      break;
    case ItemKind::kCustomToolCall: {
      const std::string input = freeform_input(text_);
      emit(frames, {{"type", "response.output_item.added"}, {"output_index", index}, {"item", item_}});
      emit(frames, {{"type", "response.custom_tool_call_input.delta"}, {"item_id", id}, {"output_index", index}, {"delta", input}});
      emit(frames, {{"type", "response.custom_tool_call_input.done"}, {"item_id", id}, {"output_index", index}, {"input", input}});
      item_["status"] = "completed";
      item_["input"] = input;
      break;
    }
  }
  emit(frames, {{"type", "response.output_item.done"}, {"output_index", index}, {"item", item_}});
  done_items_.push_back(std::move(item_));
  item_ = json();
  open_ = ItemKind::kNone;
}

std::vector<std::string> ResponsesStreamWriter::events(const std::vector<chat::ParseEvent>& events,
                                                       std::span<const TokenLogprob> logprobs) {
  std::vector<std::string> frames;
  // The tokens' entries ride on the first text delta they produced.
  json pending_logprobs = content_logprobs_json(logprobs);
  for (const chat::ParseEvent& event : events) {
    using Kind = chat::ParseEvent::Kind;
    const size_t index = done_items_.size();
    switch (event.kind) {
      case Kind::kReasoningDelta:
      case Kind::kContentDelta: {
        const bool reasoning = event.kind == Kind::kReasoningDelta;
        const ItemKind wanted = reasoning ? ItemKind::kReasoning : ItemKind::kMessage;
        if (open_ != wanted) {
          close_item(frames);
          open_item(frames, wanted, nullptr);
        }
        text_ += event.text;
        json delta = {{"type", reasoning ? "response.reasoning_text.delta" : "response.output_text.delta"},
                      {"item_id", item_["id"]}, {"output_index", done_items_.size()}, {"content_index", 0}, {"delta", event.text}};
        if (!reasoning) {
          for (const json& entry : pending_logprobs) logprobs_.push_back(entry);
          delta["logprobs"] = std::move(pending_logprobs);
          pending_logprobs = json::array();
        }
        emit(frames, std::move(delta));
        break;
      }
      case Kind::kToolCallStart:
        close_item(frames);
        open_item(frames, request_.freeform_tools.contains(event.name) ? ItemKind::kCustomToolCall : ItemKind::kFunctionCall, &event);
        break;
      case Kind::kToolCallArgumentsDelta:
        text_ += event.text;
        if (open_ == ItemKind::kFunctionCall)
          emit(frames, {{"type", "response.function_call_arguments.delta"}, {"item_id", item_["id"]}, {"output_index", index}, {"delta", event.text}});
        break;
      case Kind::kToolCallEnd:
        close_item(frames);
        break;
    }
  }
  return frames;
}

std::vector<std::string> ResponsesStreamWriter::finish(const GenerationOutcome& outcome) {
  std::vector<std::string> frames;
  close_item(frames);
  json response = response_json(identity_, request_, "completed", done_items_, &outcome);
  if (outcome.finish == FinishReason::kLength) {
    response["status"] = "incomplete";
    response["incomplete_details"] = {{"reason", "max_output_tokens"}};
    emit(frames, {{"type", "response.incomplete"}, {"response", std::move(response)}});
  } else {
    emit(frames, {{"type", "response.completed"}, {"response", std::move(response)}});
  }
  return frames;
}

std::vector<std::string> ResponsesStreamWriter::failed(const std::string& code, const std::string& message) {
  std::vector<std::string> frames;
  json response = response_json(identity_, request_, "failed", done_items_, nullptr);
  response["error"] = {{"code", code}, {"message", message}};
  emit(frames, {{"type", "response.failed"}, {"response", std::move(response)}});
  return frames;
}

}  // namespace loom::server
