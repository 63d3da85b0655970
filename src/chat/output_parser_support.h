// Pieces the per-family output parsers share: a cursor that reads markup
// which may still be incomplete, a JSON extent scanner, call-object parsing
// and deterministic call ids. Internal to src/chat/.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "chat/output_parser.h"

namespace loom::chat {

// A read against text that may be cut short: kNeedMore means "could still
// match once more text arrives".
enum class Match { kYes, kNeedMore, kNo };

bool is_json_space(char c);

// Scans one JSON object or array starting at `pos` (no leading whitespace).
// kYes: `end` is one past its closing bracket. Only the bracket structure and
// strings are checked here; values are validated by nlohmann afterwards.
Match scan_json_extent(std::string_view text, size_t pos, size_t& end);

class Cursor {
 public:
  explicit Cursor(std::string_view text, size_t pos = 0) : text_(text), pos_(pos) {}
  size_t pos() const { return pos_; }
  bool at_end() const { return pos_ >= text_.size(); }
  std::string_view rest() const { return text_.substr(pos_); }
  void skip_whitespace();
  Match literal(std::string_view expected);
  // The JSON object or array at the cursor (after whitespace).
  Match json_value(std::string_view& value);
  // Everything up to `marker`, then past it.
  Match until(std::string_view marker, std::string_view& before);

 private:
  std::string_view text_;
  size_t pos_;
};

// Length of the longest tail of `text` that is a proper prefix of a marker.
size_t held_tail_length(std::string_view text, const std::vector<std::string_view>& markers);

struct CallPayload {
  std::string name;
  std::string arguments;  // a JSON object's text
  std::string id;         // "" when the output carried none
};

// `{"name": ..., "arguments"|"parameters": {...}|"<json text>", "id"?: ...}`.
// Arguments keep the model's own spelling (whitespace, key order, numbers).
Result<CallPayload> parse_call_object(std::string_view json_text);
// A JSON array of call objects (Mistral's [TOOL_CALLS][...]).
Result<std::vector<CallPayload>> parse_call_array(std::string_view json_text);
// Checks that `text` is one JSON object; returns it without outer whitespace.
Result<std::string> checked_arguments(std::string_view text);

// "call_" + 24 hex digits of a hash of (seed, index, name, arguments):
// deterministic, so replays and split-invariance tests see the same ids.
std::string generated_call_id(std::string_view seed, size_t index, std::string_view name, std::string_view arguments);

// Minimal JSON string literal for renderers ("a\"b").
std::string json_quote(std::string_view text);

// The per-family parsers and renderers (format_*.cc).
std::unique_ptr<OutputParser> make_plain_parser(ParserOptions options);
std::unique_ptr<OutputParser> make_hermes_parser(ParserOptions options);
std::unique_ptr<OutputParser> make_llama3_parser(ParserOptions options);
std::unique_ptr<OutputParser> make_mistral_parser(ParserOptions options);
std::unique_ptr<OutputParser> make_deepseek_parser(ParserOptions options);
std::unique_ptr<OutputParser> make_harmony_parser(ParserOptions options);
std::string render_hermes(const AssistantTurn& turn, RenderStyle style);
std::string render_llama3(const AssistantTurn& turn, RenderStyle style);
std::string render_mistral(const AssistantTurn& turn, RenderStyle style);
std::string render_deepseek(const AssistantTurn& turn, RenderStyle style);
std::string render_harmony(const AssistantTurn& turn, RenderStyle style);

}  // namespace loom::chat
