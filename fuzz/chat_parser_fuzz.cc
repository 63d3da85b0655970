// Fuzzes the chat output parsers and the message model: any text, any split,
// must give the same result as the whole text, lose no byte of content, and
// never crash. Input: byte 0 picks the family and options, bytes 1-2 a split
// point, the rest is the model output (also tried as a `messages` array).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "chat/message.h"
#include "chat/output_parser.h"

namespace {

using loom::chat::ParsedOutput;
using loom::chat::ParseEvent;

ParsedOutput run(loom::chat::Family family, std::string_view text, size_t cut,
                 const loom::chat::ParserOptions& options, std::vector<ParseEvent>& events) {
  auto parser = loom::chat::make_output_parser(family, options);
  parser->feed(text.substr(0, cut), events);
  parser->feed(text.substr(cut), events);
  parser->finish(events);
  return parser->result();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const uint8_t selector = data[0];
  const size_t split_seed = static_cast<size_t>(data[1]) << 8 | data[2];
  const std::string_view text(reinterpret_cast<const char*>(data + 3), size - 3);

  constexpr loom::chat::Family kFamilies[] = {loom::chat::Family::kPlain,   loom::chat::Family::kHermes,
                                              loom::chat::Family::kLlama3,  loom::chat::Family::kMistral,
                                              loom::chat::Family::kDeepSeek, loom::chat::Family::kHarmony};
  const loom::chat::Family family = kFamilies[selector % 6];
  loom::chat::ParserOptions options;
  options.starts_in_reasoning = (selector & 0x08) != 0;
  options.parse_tool_calls = (selector & 0x10) == 0;
  if (selector & 0x20) options.tool_names = {"a", "get_weather"};

  std::vector<ParseEvent> whole_events;
  std::vector<ParseEvent> split_events;
  const ParsedOutput whole = run(family, text, text.size(), options, whole_events);
  const ParsedOutput split = run(family, text, text.empty() ? 0 : split_seed % (text.size() + 1), options, split_events);
  if (!(whole == split)) std::abort();

  std::string content;
  for (const ParseEvent& event : split_events)
    if (event.kind == ParseEvent::Kind::kContentDelta) content += event.text;
  if (content != split.content) std::abort();

  (void)loom::chat::parse_messages(text);
  return 0;
}
