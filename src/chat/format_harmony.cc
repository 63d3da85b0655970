// gpt-oss harmony output: messages `<|channel|>NAME<|message|>TEXT<|end|>`,
// later ones opened by `<|start|>assistant`; analysis = reasoning, final and
// commentary = content, a recipient `to=functions.NAME` (after the channel, or
// in the <|start|> header) makes the message a call ending with <|call|>.
#include "chat/output_parser_support.h"

namespace loom::chat {
namespace {

constexpr std::string_view kStart = "<|start|>";
constexpr std::string_view kChannel = "<|channel|>";
constexpr std::string_view kMessage = "<|message|>";
constexpr std::string_view kEnd = "<|end|>";
constexpr std::string_view kReturn = "<|return|>";
constexpr std::string_view kCall = "<|call|>";
constexpr std::string_view kConstrain = "<|constrain|>";
constexpr std::string_view kFunctionsPrefix = "functions.";

// The word at `pos`: up to whitespace or the next special token.
std::string_view word_at(std::string_view text, size_t pos) {
  size_t end = pos;
  while (end < text.size() && !is_json_space(text[end]) && text[end] != '<') ++end;
  return text.substr(pos, end - pos);
}

struct Header {
  std::string_view channel;
  std::string_view recipient;
};

Header parse_header(std::string_view text) {
  Header header;
  if (size_t channel = text.find(kChannel); channel != std::string_view::npos)
    header.channel = word_at(text, channel + kChannel.size());
  if (size_t to = text.find("to="); to != std::string_view::npos) header.recipient = word_at(text, to + 3);
  return header;
}

class HarmonyParser final : public OutputParser {
 public:
  explicit HarmonyParser(ParserOptions options)
      : OutputParser(std::move(options)), state_(options_.starts_in_reasoning ? State::kReasoning : State::kStart) {}

 private:
  // kStart: between messages. kHeader: buffer_ holds a header up to <|message|>.
  enum class State { kStart, kHeader, kReasoning, kContent, kCall };

  bool step(bool at_end) override {
    switch (state_) {
      case State::kStart: return step_start(at_end);
      case State::kHeader: return step_header(at_end);
      case State::kReasoning: return step_body(TextKind::kReasoning, at_end);
      case State::kContent: return step_body(TextKind::kContent, at_end);
      case State::kCall: return step_call(at_end);
    }
    return false;
  }

  bool step_start(bool at_end) {
    Cursor cursor(buffer_);
    cursor.skip_whitespace();
    consume(cursor.pos());
    if (buffer_.empty()) return false;
    bool need_more = false;
    for (std::string_view opener : {kStart, kChannel, std::string_view("to=")}) {
      const Match match = Cursor(buffer_).literal(opener);
      if (match == Match::kYes) {
        header_opening_ = opener == kStart ? kStart : "";
        if (opener == kStart) consume(kStart.size());
        state_ = State::kHeader;
        return true;
      }
      need_more = need_more || match == Match::kNeedMore;
    }
    if (need_more && !at_end) return false;
    header_opening_.clear();  // text without a header: content
    state_ = State::kContent;
    return true;
  }

  bool step_header(bool at_end) {
    size_t first = std::string::npos;
    std::string_view hit;
    for (std::string_view marker : {kMessage, kEnd, kReturn, kCall, kStart}) {
      const size_t found = buffer_.find(marker);
      if (found < first) {
        first = found;
        hit = marker;
      }
    }
    if (first == std::string::npos && !at_end) return false;
    if (hit != kMessage) {  // a header that never reaches <|message|>
      const size_t length = std::min(first, buffer_.size());
      report_malformed(header_opening_ + buffer_.substr(0, length), "harmony header without <|message|>");
      consume(length == buffer_.size() ? length : length + hit.size());
      state_ = hit == kStart ? State::kHeader : State::kStart;
      header_opening_ = hit == kStart ? kStart : "";
      return true;
    }
    const std::string header_text = buffer_.substr(0, first);
    raw_header_ = str_cat(header_opening_, header_text, kMessage);
    consume(first + kMessage.size());
    const Header header = parse_header(header_text);
    if (!header.recipient.empty()) {
      recipient_ = std::string(header.recipient);
      if (options_.parse_tool_calls) {
        state_ = State::kCall;
      } else {
        report_malformed(raw_header_, "tool call while tool calls are disabled");
        state_ = State::kContent;
      }
      return true;
    }
    state_ = header.channel == "analysis" ? State::kReasoning : State::kContent;
    return true;
  }

  bool step_body(TextKind kind, bool at_end) {
    const int marker = pass_text(kind, {kEnd, kReturn, kCall, kStart}, at_end);
    if (marker < 0) return false;
    if (marker == 3) {  // a new message without <|end|>
      header_opening_ = kStart;
      state_ = State::kHeader;
    } else {
      state_ = State::kStart;
    }
    return true;
  }

  // buffer_ holds the call's JSON arguments, then <|call|> (or <|end|>/<|return|>).
  bool step_call(bool at_end) {
    Cursor cursor(buffer_);
    std::string_view arguments;
    Match match = cursor.json_value(arguments);
    bool cut_short = false;
    if (match == Match::kYes) {
      cursor.skip_whitespace();
      match = Match::kNo;
      for (std::string_view end : {kCall, kEnd, kReturn}) {
        Cursor attempt = cursor;
        const Match end_match = attempt.literal(end);
        if (end_match == Match::kYes) {
          match = Match::kYes;
          cursor = attempt;
          break;
        }
        if (end_match == Match::kNeedMore) match = Match::kNeedMore;
      }
      if (match == Match::kNeedMore && at_end) {
        match = Match::kYes;
        cut_short = true;
      }
    }
    if (match == Match::kNeedMore && !at_end) return false;
    std::string why = match == Match::kNeedMore ? "unterminated harmony tool call" : "malformed harmony tool call";
    if (match == Match::kYes) {
      std::string_view name = recipient_;
      if (name.starts_with(kFunctionsPrefix)) name.remove_prefix(kFunctionsPrefix.size());
      Result<std::string> checked = checked_arguments(arguments);
      if (!checked.ok()) {
        why = str_cat("tool call \"", name, "\": ", checked.status().message());
      } else if (emit_tool_call(name, *checked, "", why)) {
        consume(cut_short ? buffer_.size() : cursor.pos());
        state_ = State::kStart;
        return true;
      }
    }
    report_malformed(raw_header_, why);
    state_ = State::kContent;  // the body follows as content, up to its end marker
    return true;
  }

  State state_;
  std::string header_opening_;  // "<|start|>" when the header began with it
  std::string raw_header_;      // the whole header text, for malformed calls
  std::string recipient_;
};

}  // namespace

std::unique_ptr<OutputParser> make_harmony_parser(ParserOptions options) {
  return std::make_unique<HarmonyParser>(std::move(options));
}

// What gpt-oss writes after the prompt's `<|start|>assistant`: analysis, then
// a commentary preamble and calls, or the final answer. kAlternate puts the
// recipient in the header, as the gpt-oss chat template renders history.
std::string render_harmony(const AssistantTurn& turn, RenderStyle style) {
  std::string out;
  bool first = true;
  auto open = [&](std::string_view header) {
    if (!first) out += str_cat(kStart, "assistant");
    first = false;
    out += header;
  };
  if (!turn.reasoning.empty()) {
    open(str_cat(kChannel, "analysis", kMessage));
    out += str_cat(turn.reasoning, kEnd);
  }
  if (turn.tool_calls.empty()) {
    if (!turn.content.empty() || first) {
      open(str_cat(kChannel, "final", kMessage));
      out += str_cat(turn.content, kReturn);
    }
    return out;
  }
  if (!turn.content.empty()) {
    open(str_cat(kChannel, "commentary", kMessage));
    out += str_cat(turn.content, kEnd);
  }
  for (const ToolCall& call : turn.tool_calls) {
    if (style == RenderStyle::kAlternate)
      open(str_cat(" to=", kFunctionsPrefix, call.name, kChannel, "commentary json", kMessage));
    else
      open(str_cat(kChannel, "commentary to=", kFunctionsPrefix, call.name, " ", kConstrain, "json", kMessage));
    out += str_cat(call.arguments, kCall);
  }
  return out;
}

}  // namespace loom::chat
