// The GBNF-like grammar text format (see docs/grammar.md) parsed into a GrammarBuilder.
#pragma once

#include <string_view>

#include "sample/grammar.h"

namespace loom::sample {

// Adds the rules of `text` to `builder`. Errors name the line and column.
Status parse_grammar_into(std::string_view text, GrammarBuilder& builder);

// Parses a whole grammar whose start rule is `root_rule`.
Result<Grammar> parse_grammar(std::string_view text, std::string_view root_rule = "root");

}  // namespace loom::sample
