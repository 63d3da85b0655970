// Incremental parsers for what a model generates: decoded text pieces in,
// reasoning / content / tool-call events out, one parser per format family.
// The render side (tool calls -> the exact text a model would write) lives
// next to each parser; the replay server and the tests use it.
// Formats and the handling of malformed output: docs/chat-formats.md.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chat/family.h"
#include "chat/message.h"

namespace loom::chat {

struct ParseEvent {
  enum class Kind { kReasoningDelta, kContentDelta, kToolCallStart, kToolCallArgumentsDelta, kToolCallEnd };
  Kind kind = Kind::kContentDelta;
  int index = -1;    // tool-call events: the call's index within this output
  std::string text;  // deltas
  std::string id;    // kToolCallStart
  std::string name;  // kToolCallStart
  bool operator==(const ParseEvent&) const = default;
};

// The whole output once finished. Invariants: `reasoning` and `content` are the
// concatenation of their delta events; each call's `arguments` is the
// concatenation of its argument deltas and is a JSON object's text.
struct ParsedOutput {
  std::string reasoning;
  std::string content;
  std::vector<ToolCall> tool_calls;
  // One line per malformed construct that was kept as content instead.
  std::vector<std::string> errors;
  bool operator==(const ParsedOutput&) const = default;
};

struct ParserOptions {
  // The prompt already opened the reasoning block (Qwen3 / DeepSeek-R1 `<think>`,
  // Mistral `[THINK]`, harmony `<|channel|>analysis<|message|>`): output starts inside it.
  bool starts_in_reasoning = false;
  // False when the request has no tools: tool-call markup is then plain content.
  bool parse_tool_calls = true;
  // When non-empty, a call to any other name is malformed (kept as content).
  std::vector<std::string> tool_names;
  // Mixed into generated call ids so that two requests' ids differ.
  std::string id_seed;
};

class OutputParser {
 public:
  explicit OutputParser(ParserOptions options) : options_(std::move(options)) {}
  virtual ~OutputParser() = default;
  OutputParser(const OutputParser&) = delete;
  OutputParser& operator=(const OutputParser&) = delete;

  // Feeds the next decoded piece and appends the events it completes. Text that
  // could still be the start of a marker is held back until the next piece.
  void feed(std::string_view piece, std::vector<ParseEvent>& events);
  // End of generation: flushes what was held back; an unfinished construct
  // becomes content. Call once; feed() must not follow.
  void finish(std::vector<ParseEvent>& events);
  const ParsedOutput& result() const { return result_; }

 protected:
  // Consumes what it can of buffer_. Returns true after any progress, false
  // when nothing more can be done until more text arrives (or, at_end, when
  // the buffer is empty).
  virtual bool step(bool at_end) = 0;

  enum class TextKind { kReasoning, kContent };
  void emit_text(TextKind kind, std::string_view text);
  // Emits Start/ArgumentsDelta/End. Returns false (emitting nothing) when the
  // name is not among options_.tool_names; `why` then says so.
  bool emit_tool_call(std::string_view name, std::string_view arguments, std::string_view id, std::string& why);
  // The name check emit_tool_call makes, for formats that accept several calls
  // all or none.
  bool tool_allowed(std::string_view name, std::string& why) const;
  // A malformed construct: its opening text goes to content, the error is
  // recorded, and the caller re-reads the rest as content.
  void report_malformed(std::string_view opening_text, std::string_view why);
  void consume(size_t count) { buffer_.erase(0, count); }
  // Emits buffer_ text into `kind` up to the first of `markers`; on a marker,
  // consumes it and returns its index. Otherwise emits all but a held-back
  // tail that could begin a marker (nothing is held at_end) and returns -1.
  int pass_text(TextKind kind, const std::vector<std::string_view>& markers, bool at_end);

  const ParserOptions options_;
  std::string buffer_;

 private:
  // Drops leading and trailing whitespace of one kind of text while streaming:
  // leading whitespace is dropped, inner whitespace held until text follows.
  struct Trimmer {
    bool started = false;
    std::string pending;
    std::string push(std::string_view text);
  };

  std::vector<ParseEvent>* events_ = nullptr;
  ParsedOutput result_;
  Trimmer reasoning_trim_;
  Trimmer content_trim_;
  bool finished_ = false;
};

std::unique_ptr<OutputParser> make_output_parser(Family family, ParserOptions options = {});
// Parses a whole output at once (one feed, then finish).
ParsedOutput parse_output(Family family, std::string_view text, const ParserOptions& options = {});

// What an assistant turn holds, for rendering it back into model text.
struct AssistantTurn {
  std::string reasoning;
  std::string content;
  std::vector<ToolCall> tool_calls;  // arguments: a JSON object's text
};

// Each family has one alternate spelling that its parser also reads:
// hermes: "arguments" before "name" (Hermes 2 Pro);
// llama3: custom calls after <|python_tag|>; mistral: [TOOL_CALLS]name[ARGS]{...};
// deepseek: V3.1 calls without the ```json fence; harmony: recipient in the
// <|start|> header. kDefault is what the model is trained to write most often.
enum class RenderStyle { kDefault, kAlternate };

// The exact raw text a model of `family` would generate for `turn`. Families
// without a reasoning syntax (llama3, plain) drop `reasoning`; plain drops calls.
std::string render_output(Family family, const AssistantTurn& turn, RenderStyle style = RenderStyle::kDefault);

}  // namespace loom::chat
