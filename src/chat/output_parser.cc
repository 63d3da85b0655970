// OutputParser's shared machinery (event emission, hold-back of possible
// markers, whitespace trimming), the plain family, and the family dispatch.
#include "chat/output_parser.h"

#include <algorithm>

#include "chat/output_parser_support.h"

namespace loom::chat {

std::string OutputParser::Trimmer::push(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (is_json_space(c)) {
      if (started) pending.push_back(c);
      continue;
    }
    out += pending;
    pending.clear();
    out.push_back(c);
    started = true;
  }
  return out;
}

void OutputParser::feed(std::string_view piece, std::vector<ParseEvent>& events) {
  CHECK(!finished_);
  events_ = &events;
  buffer_.append(piece);
  while (step(/*at_end=*/false)) {
  }
  events_ = nullptr;
}

void OutputParser::finish(std::vector<ParseEvent>& events) {
  CHECK(!finished_);
  events_ = &events;
  while (step(/*at_end=*/true)) {
  }
  if (!buffer_.empty()) {  // a parser that stopped early still loses no byte
    result_.errors.push_back("internal: unparsed output kept as content");
    emit_text(TextKind::kContent, buffer_);
    buffer_.clear();
  }
  finished_ = true;
  events_ = nullptr;
}

void OutputParser::emit_text(TextKind kind, std::string_view text) {
  if (text.empty()) return;
  const bool reasoning = kind == TextKind::kReasoning;
  std::string out = (reasoning ? reasoning_trim_ : content_trim_).push(text);
  if (out.empty()) return;
  (reasoning ? result_.reasoning : result_.content) += out;
  const ParseEvent::Kind event_kind = reasoning ? ParseEvent::Kind::kReasoningDelta : ParseEvent::Kind::kContentDelta;
  events_->push_back(ParseEvent{event_kind, -1, std::move(out), "", ""});
}

bool OutputParser::emit_tool_call(std::string_view name, std::string_view arguments, std::string_view id,
                                  std::string& why) {
  if (!tool_allowed(name, why)) return false;
  const size_t index = result_.tool_calls.size();
  ToolCall call;
  call.id = id.empty() ? generated_call_id(options_.id_seed, index, name, arguments) : std::string(id);
  call.name = name;
  call.arguments = arguments;
  const int event_index = static_cast<int>(index);
  events_->push_back(ParseEvent{ParseEvent::Kind::kToolCallStart, event_index, "", call.id, call.name});
  events_->push_back(ParseEvent{ParseEvent::Kind::kToolCallArgumentsDelta, event_index, call.arguments, "", ""});
  events_->push_back(ParseEvent{ParseEvent::Kind::kToolCallEnd, event_index, "", "", ""});
  result_.tool_calls.push_back(std::move(call));
  return true;
}

bool OutputParser::tool_allowed(std::string_view name, std::string& why) const {
  const auto& names = options_.tool_names;
  if (names.empty() || std::find(names.begin(), names.end(), name) != names.end()) return true;
  why = str_cat("unknown tool \"", name, "\"");
  return false;
}

void OutputParser::report_malformed(std::string_view opening_text, std::string_view why) {
  result_.errors.push_back(std::string(why));
  emit_text(TextKind::kContent, opening_text);
}

int OutputParser::pass_text(TextKind kind, const std::vector<std::string_view>& markers, bool at_end) {
  size_t first = std::string::npos;
  int which = -1;
  for (size_t index = 0; index < markers.size(); ++index) {
    const size_t found = buffer_.find(markers[index]);
    if (found < first) {
      first = found;
      which = static_cast<int>(index);
    }
  }
  if (which >= 0) {
    emit_text(kind, std::string_view(buffer_).substr(0, first));
    consume(first + markers[which].size());
    return which;
  }
  const size_t held = at_end ? 0 : held_tail_length(buffer_, markers);
  emit_text(kind, std::string_view(buffer_).substr(0, buffer_.size() - held));
  consume(buffer_.size() - held);
  return -1;
}

namespace {

// No markup: everything the model writes is the answer.
class PlainParser final : public OutputParser {
 public:
  using OutputParser::OutputParser;

 private:
  bool step(bool at_end) override {
    pass_text(TextKind::kContent, {}, at_end);
    return false;
  }
};

}  // namespace

std::unique_ptr<OutputParser> make_plain_parser(ParserOptions options) {
  return std::make_unique<PlainParser>(std::move(options));
}

std::unique_ptr<OutputParser> make_output_parser(Family family, ParserOptions options) {
  switch (family) {
    case Family::kPlain: return make_plain_parser(std::move(options));
    case Family::kHermes: return make_hermes_parser(std::move(options));
    case Family::kLlama3: return make_llama3_parser(std::move(options));
    case Family::kMistral: return make_mistral_parser(std::move(options));
    case Family::kDeepSeek: return make_deepseek_parser(std::move(options));
    case Family::kHarmony: return make_harmony_parser(std::move(options));
  }
  return make_plain_parser(std::move(options));
}

ParsedOutput parse_output(Family family, std::string_view text, const ParserOptions& options) {
  std::unique_ptr<OutputParser> parser = make_output_parser(family, options);
  std::vector<ParseEvent> events;
  parser->feed(text, events);
  parser->finish(events);
  return parser->result();
}

std::string render_output(Family family, const AssistantTurn& turn, RenderStyle style) {
  switch (family) {
    case Family::kPlain: return turn.content;
    case Family::kHermes: return render_hermes(turn, style);
    case Family::kLlama3: return render_llama3(turn, style);
    case Family::kMistral: return render_mistral(turn, style);
    case Family::kDeepSeek: return render_deepseek(turn, style);
    case Family::kHarmony: return render_harmony(turn, style);
  }
  return turn.content;
}

}  // namespace loom::chat
