// DeepSeek V3 / R1 output: `<think>...</think>` reasoning and
// <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\n{...}\n```<｜tool▁call▁end｜>...<｜tool▁calls▁end｜>
// (V3.1 drops the type and the fence: <｜tool▁call▁begin｜>NAME<｜tool▁sep｜>{...}<｜tool▁call▁end｜>).
#include "chat/output_parser_support.h"

namespace loom::chat {
namespace {

constexpr std::string_view kThinkOpen = "<think>";
constexpr std::string_view kThinkClose = "</think>";
constexpr std::string_view kCallsBegin = "<｜tool▁calls▁begin｜>";
constexpr std::string_view kCallsEnd = "<｜tool▁calls▁end｜>";
constexpr std::string_view kCallBegin = "<｜tool▁call▁begin｜>";
constexpr std::string_view kCallEnd = "<｜tool▁call▁end｜>";
constexpr std::string_view kSeparator = "<｜tool▁sep｜>";
constexpr std::string_view kEndOfSentence = "<｜end▁of▁sentence｜>";

struct RawCall {
  std::string_view name;
  std::string_view arguments;
};

// Reads one call after <｜tool▁call▁begin｜>, up to and including its end marker.
Match read_call(Cursor& cursor, RawCall& call) {
  std::string_view header;
  Match match = cursor.until(kSeparator, header);
  // A header running past the call's end is malformed however the text goes on.
  if (match == Match::kNeedMore && cursor.rest().find(kCallEnd) != std::string_view::npos) return Match::kNo;
  if (match != Match::kYes) return match;
  if (header.find(kCallEnd) != std::string_view::npos) return Match::kNo;
  if (cursor.at_end()) return Match::kNeedMore;
  if (cursor.rest().front() == '{') {  // V3.1: the header is the name
    call.name = header;
  } else {  // V3: the header is the call type ("function"), the name ends the line
    match = cursor.until("\n", call.name);
    if (match != Match::kYes) return match;
    match = cursor.literal("```");
    if (match == Match::kNeedMore) return match;
    if (match == Match::kYes && cursor.literal("json") == Match::kNeedMore) return Match::kNeedMore;
  }
  match = cursor.json_value(call.arguments);
  if (match != Match::kYes) return match;
  cursor.skip_whitespace();
  if (cursor.literal("```") == Match::kNeedMore) return Match::kNeedMore;
  cursor.skip_whitespace();
  return cursor.literal(kCallEnd);
}

class DeepSeekParser final : public OutputParser {
 public:
  explicit DeepSeekParser(ParserOptions options)
      : OutputParser(std::move(options)), state_(options_.starts_in_reasoning ? State::kReasoning : State::kContent) {}

 private:
  enum class State { kContent, kReasoning, kCalls, kCall };

  bool step(bool at_end) override {
    switch (state_) {
      case State::kReasoning:
        if (pass_text(TextKind::kReasoning, {kThinkClose}, at_end) < 0) return false;
        state_ = State::kContent;
        return true;
      case State::kContent: {
        const int marker = options_.parse_tool_calls
                               ? pass_text(TextKind::kContent, {kThinkOpen, kEndOfSentence, kCallsBegin, kCallBegin}, at_end)
                               : pass_text(TextKind::kContent, {kThinkOpen, kEndOfSentence}, at_end);
        if (marker < 0) return false;
        static constexpr State kNext[] = {State::kReasoning, State::kContent, State::kCalls, State::kCall};
        state_ = kNext[marker];
        return true;
      }
      case State::kCalls:
        return step_between_calls(at_end);
      case State::kCall:
        return step_call(at_end);
    }
    return false;
  }

  // Inside the calls block: whitespace, then another call or the block's end.
  bool step_between_calls(bool at_end) {
    Cursor cursor(buffer_);
    cursor.skip_whitespace();
    consume(cursor.pos());
    if (buffer_.empty()) return false;
    const Match call = Cursor(buffer_).literal(kCallBegin);
    const Match end = Cursor(buffer_).literal(kCallsEnd);
    if (call == Match::kYes) {
      consume(kCallBegin.size());
      state_ = State::kCall;
      return true;
    }
    if (end == Match::kYes) {
      consume(kCallsEnd.size());
      state_ = State::kContent;
      return true;
    }
    if ((call == Match::kNeedMore || end == Match::kNeedMore) && !at_end) return false;
    state_ = State::kContent;  // text after the calls: content
    return true;
  }

  bool step_call(bool at_end) {
    Cursor cursor(buffer_);
    RawCall call;
    Match match = read_call(cursor, call);
    bool cut_short = false;
    if (match == Match::kNeedMore && at_end && !call.arguments.empty()) {  // end markers cut off
      match = Match::kYes;
      cut_short = true;
    }
    if (match == Match::kNeedMore && !at_end) return false;
    std::string why = match == Match::kNeedMore ? "unterminated tool call" : "malformed tool call";
    if (match == Match::kYes) {
      Result<std::string> arguments = checked_arguments(call.arguments);
      std::string name(call.name);
      while (!name.empty() && is_json_space(name.back())) name.pop_back();
      if (!arguments.ok()) {
        why = str_cat("tool call \"", name, "\": ", arguments.status().message());
      } else if (emit_tool_call(name, *arguments, "", why)) {
        consume(cut_short ? buffer_.size() : cursor.pos());
        state_ = State::kCalls;
        return true;
      }
    }
    report_malformed(kCallBegin, why);
    state_ = State::kContent;
    return true;
  }

  State state_;
};

}  // namespace

std::unique_ptr<OutputParser> make_deepseek_parser(ParserOptions options) {
  return std::make_unique<DeepSeekParser>(std::move(options));
}

// The calls as DeepSeek V3's chat template writes them (calls joined by "\n");
// kAlternate is the V3.1 spelling.
std::string render_deepseek(const AssistantTurn& turn, RenderStyle style) {
  std::string out;
  if (!turn.reasoning.empty()) out += str_cat(kThinkOpen, "\n", turn.reasoning, "\n", kThinkClose, "\n\n");
  out += turn.content;
  if (turn.tool_calls.empty()) return out;
  out += kCallsBegin;
  for (size_t index = 0; index < turn.tool_calls.size(); ++index) {
    const ToolCall& call = turn.tool_calls[index];
    if (index > 0) out += "\n";
    if (style == RenderStyle::kAlternate)
      out += str_cat(kCallBegin, call.name, kSeparator, call.arguments, kCallEnd);
    else
      out += str_cat(kCallBegin, "function", kSeparator, call.name, "\n```json\n", call.arguments, "\n```", kCallEnd);
  }
  out += kCallsEnd;
  return out;
}

}  // namespace loom::chat
