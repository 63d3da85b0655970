// Qwen3 / Hermes output: `<think>...</think>` reasoning and
// `<tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>` calls.
#include "chat/output_parser_support.h"

namespace loom::chat {
namespace {

constexpr std::string_view kThinkOpen = "<think>";
constexpr std::string_view kThinkClose = "</think>";
constexpr std::string_view kCallOpen = "<tool_call>";
constexpr std::string_view kCallClose = "</tool_call>";

class HermesParser final : public OutputParser {
 public:
  explicit HermesParser(ParserOptions options)
      : OutputParser(std::move(options)), state_(options_.starts_in_reasoning ? State::kReasoning : State::kContent) {}

 private:
  enum class State { kContent, kReasoning, kCall };

  bool step(bool at_end) override {
    switch (state_) {
      case State::kReasoning:
        if (pass_text(TextKind::kReasoning, {kThinkClose}, at_end) < 0) return false;
        state_ = State::kContent;
        return true;
      case State::kContent: {
        const int marker = options_.parse_tool_calls ? pass_text(TextKind::kContent, {kThinkOpen, kCallOpen}, at_end)
                                                     : pass_text(TextKind::kContent, {kThinkOpen}, at_end);
        if (marker < 0) return false;
        state_ = marker == 0 ? State::kReasoning : State::kCall;
        return true;
      }
      case State::kCall:
        return step_call(at_end);
    }
    return false;
  }

  // buffer_ starts right after <tool_call>. The JSON is scanned first so that a
  // "</tool_call>" inside one of its strings does not end the call.
  bool step_call(bool at_end) {
    Cursor cursor(buffer_);
    std::string_view body;
    Match match = cursor.json_value(body);
    bool cut_short = false;
    if (match == Match::kYes) {
      cursor.skip_whitespace();
      match = cursor.literal(kCallClose);
      if (match == Match::kNeedMore && at_end) {  // generation stopped before the closing tag
        match = Match::kYes;
        cut_short = true;
      }
    }
    if (match == Match::kNeedMore && !at_end) return false;
    state_ = State::kContent;
    if (match != Match::kYes) {
      report_malformed(kCallOpen, match == Match::kNeedMore ? "unterminated <tool_call>"
                                                            : "malformed <tool_call>: expected {json}</tool_call>");
      return true;
    }
    Result<CallPayload> payload = parse_call_object(body);
    std::string why;
    if (!payload.ok()) {
      why = payload.status().message();
    } else if (emit_tool_call(payload->name, payload->arguments, payload->id, why)) {
      consume(cut_short ? buffer_.size() : cursor.pos());
      return true;
    }
    report_malformed(kCallOpen, str_cat("<tool_call>: ", why));
    return true;
  }

  State state_;
};

}  // namespace

std::unique_ptr<OutputParser> make_hermes_parser(ParserOptions options) {
  return std::make_unique<HermesParser>(std::move(options));
}

// As Qwen3's chat template writes an assistant turn (after "<|im_start|>assistant\n").
// kAlternate puts "arguments" before "name", as Hermes 2 Pro does.
std::string render_hermes(const AssistantTurn& turn, RenderStyle style) {
  std::string out;
  if (!turn.reasoning.empty()) out += str_cat(kThinkOpen, "\n", turn.reasoning, "\n", kThinkClose, "\n\n");
  out += turn.content;
  for (size_t index = 0; index < turn.tool_calls.size(); ++index) {
    const ToolCall& call = turn.tool_calls[index];
    if (index > 0 || !turn.content.empty()) out += "\n";
    if (style == RenderStyle::kAlternate)
      out += str_cat(kCallOpen, "\n{\"arguments\": ", call.arguments, ", \"name\": ", json_quote(call.name), "}\n", kCallClose);
    else
      out += str_cat(kCallOpen, "\n{\"name\": ", json_quote(call.name), ", \"arguments\": ", call.arguments, "}\n", kCallClose);
  }
  return out;
}

}  // namespace loom::chat
