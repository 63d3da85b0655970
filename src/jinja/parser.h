// Parser: tokens -> Program. Operator precedence follows @huggingface/jinja so
// that chat templates mean the same thing here as in the reference engine.
#pragma once

#include <vector>

#include "base/status.h"
#include "jinja/ast.h"
#include "jinja/lexer.h"

namespace loom::jinja {

// `max_nesting` bounds how deeply blocks and expressions nest, so a hostile
// template cannot exhaust the stack (resource_exhausted when exceeded).
Result<Program> parse_tokens(std::vector<Token> tokens, int max_nesting);

}  // namespace loom::jinja
