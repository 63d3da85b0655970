// Llama 3.1+ output: custom tools as JSON, `{"name": ..., "parameters": {...}}`,
// either as the whole message or after `<|python_tag|>` (several separated by
// ';' or newlines); built-in tools after <|python_tag|> as
// `brave_search.call(query="...")`, or raw code for code_interpreter; a call
// message ends with <|eom_id|> (or <|eot_id|>, or the end of generation).
#include <nlohmann/json.hpp>

#include "chat/output_parser_support.h"

namespace loom::chat {
namespace {

using nlohmann::json;

constexpr std::string_view kPythonTag = "<|python_tag|>";
constexpr std::string_view kEndOfMessage = "<|eom_id|>";
constexpr std::string_view kEndOfTurn = "<|eot_id|>";
constexpr std::string_view kCodeInterpreter = "code_interpreter";

bool is_identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool is_builtin(std::string_view name) {
  return name == "brave_search" || name == "wolfram_alpha" || name == kCodeInterpreter;
}

// JSON call objects separated by whitespace or ';', and nothing else.
Result<std::vector<CallPayload>> parse_json_calls(std::string_view body) {
  std::vector<CallPayload> calls;
  Cursor cursor(body);
  while (true) {
    while (!cursor.at_end() && (is_json_space(cursor.rest().front()) || cursor.rest().front() == ';'))
      cursor = Cursor(body, cursor.pos() + 1);
    if (cursor.at_end()) break;
    std::string_view object;
    if (cursor.json_value(object) != Match::kYes) return invalid_argument("not a sequence of JSON tool calls");
    calls.push_back(TRY(parse_call_object(object)));
  }
  if (calls.empty()) return invalid_argument("no tool call");
  return calls;
}

// A Python literal: "..." / '...' with backslash escapes, or a number,
// True/False/None. Advances `pos`.
Result<json> parse_python_value(std::string_view text, size_t& pos) {
  if (pos >= text.size()) return invalid_argument("missing argument value");
  const char quote = text[pos];
  if (quote == '"' || quote == '\'') {
    std::string value;
    for (++pos; pos < text.size(); ++pos) {
      char c = text[pos];
      if (c == quote) {
        ++pos;
        return json(value);
      }
      if (c == '\\' && pos + 1 < text.size()) {
        c = text[++pos];
        if (c == 'n') c = '\n';
        else if (c == 't') c = '\t';
      }
      value.push_back(c);
    }
    return invalid_argument("unterminated string argument");
  }
  size_t end = pos;
  while (end < text.size() && text[end] != ',' && text[end] != ')' && !is_json_space(text[end])) ++end;
  std::string_view literal = text.substr(pos, end - pos);
  pos = end;
  if (literal == "True") return json(true);
  if (literal == "False") return json(false);
  if (literal == "None") return json(nullptr);
  json number = json::parse(literal, nullptr, /*allow_exceptions=*/false);
  if (number.is_discarded() || !number.is_number()) return invalid_argument("unsupported argument value \"", literal, "\"");
  return number;
}

// `name.call(key="value", ...)`: the built-in tools' Python-call syntax.
Result<CallPayload> parse_builtin_call(std::string_view body) {
  const size_t open = body.find(".call(");
  if (open == std::string_view::npos || open == 0) return invalid_argument("not a built-in call");
  CallPayload call;
  call.name = std::string(body.substr(0, open));
  for (char c : call.name)
    if (!is_identifier_char(c)) return invalid_argument("not a built-in call");
  json arguments = json::object();
  size_t pos = open + 6;
  while (true) {
    while (pos < body.size() && (is_json_space(body[pos]) || body[pos] == ',')) ++pos;
    if (pos >= body.size()) return invalid_argument("unterminated built-in call");
    if (body[pos] == ')') break;
    size_t key_end = pos;
    while (key_end < body.size() && is_identifier_char(body[key_end])) ++key_end;
    if (key_end == pos || key_end >= body.size() || body[key_end] != '=')
      return invalid_argument("malformed built-in call arguments");
    std::string key(body.substr(pos, key_end - pos));
    pos = key_end + 1;
    arguments[key] = TRY(parse_python_value(body, pos));
  }
  for (++pos; pos < body.size(); ++pos)
    if (!is_json_space(body[pos])) return invalid_argument("text after a built-in call");
  call.arguments = dump_json(arguments);
  return call;
}

class Llama3Parser final : public OutputParser {
 public:
  using OutputParser::OutputParser;

 private:
  // kStart: the beginning of a message, where a bare JSON call may begin.
  enum class State { kStart, kContent, kBareCalls, kPython };

  bool step(bool at_end) override {
    switch (state_) {
      case State::kStart: return step_start(at_end);
      case State::kContent: {
        const int marker = options_.parse_tool_calls
                               ? pass_text(TextKind::kContent, {kEndOfMessage, kEndOfTurn, kPythonTag}, at_end)
                               : pass_text(TextKind::kContent, {kEndOfMessage, kEndOfTurn}, at_end);
        if (marker < 0) return false;
        state_ = marker == 2 ? State::kPython : State::kStart;
        return true;
      }
      case State::kBareCalls: return step_calls(at_end, "");
      case State::kPython: return step_calls(at_end, kPythonTag);
    }
    return false;
  }

  bool step_start(bool at_end) {
    Cursor cursor(buffer_);
    cursor.skip_whitespace();
    if (cursor.at_end()) {
      if (at_end) consume(buffer_.size());
      return false;
    }
    if (options_.parse_tool_calls) {
      if (cursor.rest().front() == '{') {
        state_ = State::kBareCalls;
        return true;
      }
      const Match tag = cursor.literal(kPythonTag);
      if (tag == Match::kYes) {
        consume(cursor.pos());
        state_ = State::kPython;
        return true;
      }
      if (tag == Match::kNeedMore && !at_end) return false;
    }
    state_ = State::kContent;
    return true;
  }

  // Collects one call message up to <|eom_id|>, <|eot_id|> (or, for bare calls,
  // <|python_tag|>), then reads it all or none: `opening` goes back to content
  // with the message when it does not parse.
  bool step_calls(bool at_end, std::string_view opening) {
    std::vector<std::string_view> ends = {kEndOfMessage, kEndOfTurn};
    if (opening.empty()) ends.push_back(kPythonTag);
    size_t end = std::string::npos;
    for (std::string_view marker : ends) end = std::min(end, buffer_.find(marker));
    if (end == std::string::npos && !at_end) return false;
    const std::string_view body = std::string_view(buffer_).substr(0, std::min(end, buffer_.size()));
    Result<std::vector<CallPayload>> calls = parse_body(body, opening.empty());
    std::string why = calls.ok() ? "" : calls.status().message();
    if (calls.ok())
      for (const CallPayload& call : *calls)
        if (!tool_allowed(call.name, why)) break;
    if (!why.empty()) {
      report_malformed(opening, str_cat(opening.empty() ? "JSON message" : opening, ": ", why));
      state_ = State::kContent;
      return true;
    }
    for (const CallPayload& call : *calls) emit_tool_call(call.name, call.arguments, "", why);
    consume(body.size());
    state_ = State::kStart;
    return true;
  }

  static Result<std::vector<CallPayload>> parse_body(std::string_view body, bool bare) {
    size_t first = 0;
    while (first < body.size() && is_json_space(body[first])) ++first;
    if (bare || (first < body.size() && body[first] == '{')) return parse_json_calls(body);
    Result<CallPayload> builtin = parse_builtin_call(body.substr(first));
    if (builtin.ok()) return std::vector<CallPayload>{std::move(*builtin)};
    size_t last = body.size();
    while (last > first && is_json_space(body[last - 1])) --last;
    if (last == first) return invalid_argument("empty tool call");
    CallPayload code;
    code.name = kCodeInterpreter;
    code.arguments = dump_json(json{{"code", std::string(body.substr(first, last - first))}});
    return std::vector<CallPayload>{std::move(code)};
  }

  State state_ = State::kStart;
};

std::string render_builtin(const ToolCall& call) {
  json arguments = json::parse(call.arguments, nullptr, /*allow_exceptions=*/false);
  if (call.name == kCodeInterpreter && arguments.is_object() && arguments.contains("code") &&
      arguments["code"].is_string())
    return arguments["code"].get<std::string>();
  std::string out = call.name + ".call(";
  if (arguments.is_object()) {
    bool first = true;
    for (const auto& [key, value] : arguments.items()) {
      if (!first) out += ", ";
      first = false;
      out += key + "=";
      if (value.is_string()) {
        out += "\"";
        for (char c : value.get<std::string>()) {
          if (c == '"' || c == '\\') out += '\\';
          out += c;
        }
        out += "\"";
      } else {
        out += dump_json(value);
      }
    }
  }
  return out + ")";
}

}  // namespace

std::unique_ptr<OutputParser> make_llama3_parser(ParserOptions options) {
  return std::make_unique<Llama3Parser>(std::move(options));
}

// Custom calls as the Llama 3.1 template writes them (kAlternate, or after
// content: behind <|python_tag|>); built-in calls behind <|python_tag|>, each
// closed by <|eom_id|>. Llama 3.1 has no reasoning syntax.
std::string render_llama3(const AssistantTurn& turn, RenderStyle style) {
  std::string out = turn.content;
  std::string custom;
  std::string builtin;
  for (const ToolCall& call : turn.tool_calls) {
    if (is_builtin(call.name)) {
      builtin += str_cat(kPythonTag, render_builtin(call), kEndOfMessage);
      continue;
    }
    if (!custom.empty()) custom += "; ";
    custom += str_cat("{\"name\": ", json_quote(call.name), ", \"parameters\": ", call.arguments, "}");
  }
  if (!custom.empty()) {
    out += (style == RenderStyle::kAlternate || !turn.content.empty()) ? str_cat(kPythonTag, custom) : custom;
    if (!builtin.empty()) out += kEndOfMessage;
  }
  return out + builtin;
}

}  // namespace loom::chat
