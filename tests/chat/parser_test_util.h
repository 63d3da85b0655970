// Helpers for the output-parser tests: feeding a parser in pieces and
// comparing event streams with adjacent deltas coalesced.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "chat/output_parser.h"

namespace loom::chat::test_util {

struct ParseRun {
  ParsedOutput result;
  std::vector<ParseEvent> events;  // coalesced
};

// Merges adjacent deltas of the same kind (and the same call index).
inline std::vector<ParseEvent> coalesce(const std::vector<ParseEvent>& events) {
  std::vector<ParseEvent> out;
  for (const ParseEvent& event : events) {
    const bool delta = event.kind == ParseEvent::Kind::kReasoningDelta ||
                       event.kind == ParseEvent::Kind::kContentDelta ||
                       event.kind == ParseEvent::Kind::kToolCallArgumentsDelta;
    if (delta && !out.empty() && out.back().kind == event.kind && out.back().index == event.index) {
      out.back().text += event.text;
      continue;
    }
    out.push_back(event);
  }
  return out;
}

// Feeds `text` cut at `cuts` (sorted byte offsets), then finishes.
inline ParseRun run_pieces(Family family, std::string_view text, const std::vector<size_t>& cuts,
                      const ParserOptions& options = {}) {
  auto parser = make_output_parser(family, options);
  std::vector<ParseEvent> events;
  size_t begin = 0;
  for (size_t cut : cuts) {
    parser->feed(text.substr(begin, cut - begin), events);
    begin = cut;
  }
  parser->feed(text.substr(begin), events);
  parser->finish(events);
  return {parser->result(), coalesce(events)};
}

inline ParseRun run_whole(Family family, std::string_view text, const ParserOptions& options = {}) {
  return run_pieces(family, text, {}, options);
}

inline std::string describe(const ParsedOutput& output) {
  std::string out = "reasoning=[" + output.reasoning + "] content=[" + output.content + "]";
  for (const ToolCall& call : output.tool_calls) out += " call{" + call.id + "," + call.name + "," + call.arguments + "}";
  for (const std::string& error : output.errors) out += " error{" + error + "}";
  return out;
}

inline const std::vector<Family>& all_families() {
  static const std::vector<Family> kFamilies = {Family::kPlain, Family::kHermes, Family::kLlama3,
                                                Family::kMistral, Family::kDeepSeek, Family::kHarmony};
  return kFamilies;
}

}  // namespace loom::chat::test_util
