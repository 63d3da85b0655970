// Mistral output: `[TOOL_CALLS][{"name": ..., "arguments": {...}}, ...]`
// (v3 tokenizers), `[TOOL_CALLS]name[ARGS]{...}` optionally with
// `[CALL_ID]id` (v11+ tokenizers), and `[THINK]...[/THINK]` reasoning (Magistral).
#include "chat/output_parser_support.h"

namespace loom::chat {
namespace {

constexpr std::string_view kToolCalls = "[TOOL_CALLS]";
constexpr std::string_view kArgs = "[ARGS]";
constexpr std::string_view kCallId = "[CALL_ID]";
constexpr std::string_view kThinkOpen = "[THINK]";
constexpr std::string_view kThinkClose = "[/THINK]";

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

// Reads `name` then optional `[CALL_ID]id`, then `[ARGS]{...}`.
Match read_named_call(Cursor& cursor, CallPayload& call, std::string_view& arguments) {
  std::string_view rest = cursor.rest();
  size_t length = 0;
  while (length < rest.size() && is_name_char(rest[length])) ++length;
  if (length == rest.size()) return Match::kNeedMore;
  if (length == 0) return Match::kNo;
  call.name = std::string(rest.substr(0, length));
  Cursor after_name(rest, length);
  Match match = after_name.literal(kCallId);
  if (match == Match::kNeedMore) return match;
  cursor = Cursor(rest, after_name.pos());
  if (match == Match::kYes) {
    std::string_view id_rest = cursor.rest();
    size_t id_length = 0;
    while (id_length < id_rest.size() && is_name_char(id_rest[id_length])) ++id_length;
    if (id_length == id_rest.size()) return Match::kNeedMore;
    call.id = std::string(id_rest.substr(0, id_length));
    cursor = Cursor(id_rest, id_length);
  }
  match = cursor.literal(kArgs);
  if (match != Match::kYes) return match;
  return cursor.json_value(arguments);
}

class MistralParser final : public OutputParser {
 public:
  explicit MistralParser(ParserOptions options)
      : OutputParser(std::move(options)), state_(options_.starts_in_reasoning ? State::kReasoning : State::kContent) {}

 private:
  enum class State { kContent, kReasoning, kCalls };

  bool step(bool at_end) override {
    switch (state_) {
      case State::kReasoning:
        if (pass_text(TextKind::kReasoning, {kThinkClose}, at_end) < 0) return false;
        state_ = State::kContent;
        return true;
      case State::kContent: {
        const int marker = options_.parse_tool_calls ? pass_text(TextKind::kContent, {kThinkOpen, kToolCalls}, at_end)
                                                     : pass_text(TextKind::kContent, {kThinkOpen}, at_end);
        if (marker < 0) return false;
        state_ = marker == 0 ? State::kReasoning : State::kCalls;
        return true;
      }
      case State::kCalls:
        return step_calls(at_end);
    }
    return false;
  }

  // buffer_ starts after [TOOL_CALLS]: a JSON array of calls, or one named call.
  bool step_calls(bool at_end) {
    Cursor cursor(buffer_);
    cursor.skip_whitespace();
    std::vector<CallPayload> calls;
    std::string why;
    Match match = Match::kNeedMore;
    if (!cursor.at_end() && cursor.rest().front() == '[') {
      std::string_view array;
      match = cursor.json_value(array);
      if (match == Match::kYes) {
        Result<std::vector<CallPayload>> parsed = parse_call_array(array);
        if (parsed.ok()) calls = std::move(*parsed);
        else why = parsed.status().message();
      }
    } else if (!cursor.at_end()) {
      CallPayload call;
      std::string_view arguments;
      Cursor named(cursor.rest());
      match = read_named_call(named, call, arguments);
      if (match == Match::kYes) {
        cursor = Cursor(buffer_, static_cast<size_t>(named.rest().data() - buffer_.data()));
        Result<std::string> checked = checked_arguments(arguments);
        if (checked.ok()) {
          call.arguments = std::move(*checked);
          calls.push_back(std::move(call));
        } else {
          why = str_cat("tool call \"", call.name, "\": ", checked.status().message());
        }
      }
    }
    if (match == Match::kNeedMore && !at_end) return false;
    state_ = State::kContent;
    if (match != Match::kYes) {
      report_malformed(kToolCalls, match == Match::kNeedMore ? "unterminated [TOOL_CALLS]" : "malformed [TOOL_CALLS]");
      return true;
    }
    for (const CallPayload& call : calls)
      if (!tool_allowed(call.name, why)) break;
    if (!why.empty()) {
      report_malformed(kToolCalls, str_cat("[TOOL_CALLS]: ", why));
      return true;
    }
    for (const CallPayload& call : calls) emit_tool_call(call.name, call.arguments, call.id, why);
    consume(cursor.pos());
    return true;
  }

  State state_;
};

}  // namespace

std::unique_ptr<OutputParser> make_mistral_parser(ParserOptions options) {
  return std::make_unique<MistralParser>(std::move(options));
}

std::string render_mistral(const AssistantTurn& turn, RenderStyle style) {
  std::string out;
  if (!turn.reasoning.empty()) out += str_cat(kThinkOpen, turn.reasoning, kThinkClose);
  out += turn.content;
  if (turn.tool_calls.empty()) return out;
  if (style == RenderStyle::kAlternate) {
    for (const ToolCall& call : turn.tool_calls) out += str_cat(kToolCalls, call.name, kArgs, call.arguments);
    return out;
  }
  out += kToolCalls;
  out += "[";
  for (size_t index = 0; index < turn.tool_calls.size(); ++index) {
    const ToolCall& call = turn.tool_calls[index];
    if (index > 0) out += ", ";
    out += str_cat("{\"name\": ", json_quote(call.name), ", \"arguments\": ", call.arguments, "}");
  }
  out += "]";
  return out;
}

}  // namespace loom::chat
