// Grammar pieces for the inside of JSON strings: escaped characters, character
// sets, the `pattern` regex subset and the supported `format`s.
#pragma once

#include <string_view>
#include <vector>

#include "sample/grammar.h"

namespace loom::sample {

// Sorted, merged, non-overlapping code point ranges.
using CodepointSet = std::vector<CodepointRange>;
CodepointSet normalize(CodepointSet set);
CodepointSet complement(const CodepointSet& set);  // over [0, 0x10FFFF]

// One JSON-encoded string character from `set`: characters that need no escape
// as themselves, and `"`, `\`, newline, tab, carriage return in escaped form.
GrammarBuilder::Expr json_char_in(GrammarBuilder& builder, const CodepointSet& set);

// The inside of a JSON string (between the quotes) whose decoded value matches
// `pattern` as ECMAScript `RegExp(pattern).test` would: unanchored ends match any
// prefix/suffix. Supported: literals, escapes (\d \w \s and negations, \uXXXX),
// classes, `.`, groups ((...) and (?:...)), `|`, `* + ? {n} {n,} {n,m}` (lazy
// forms too). Lookaround, backreferences, \b and inner anchors are unimplemented.
Result<GrammarBuilder::Expr> regex_string_content(GrammarBuilder& builder, std::string_view pattern);

// The inside of a JSON string for `format`: date, time, date-time, uuid, email,
// ipv4. Returns -1 for other formats (callers treat them as annotations).
GrammarBuilder::Expr format_string_content(GrammarBuilder& builder, std::string_view format);

}  // namespace loom::sample
