// Lexer: template source -> tokens. Applies trim_blocks / lstrip_blocks and the
// `-` whitespace markers exactly as Hugging Face's chat-template environment
// does, and remembers each token's line:column in the original source.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace loom::jinja {

struct Position {
  int line = 0;    // 1-based
  int column = 0;  // 1-based, in code points
};

enum class TokenKind : uint8_t {
  kText,            // literal text between tags
  kOpenStatement,   // {%
  kCloseStatement,  // %}
  kOpenExpression,  // {{
  kCloseExpression, // }}
  kName,
  kString,
  kInteger,
  kFloat,
  kOperator,        // punctuation and operators; text holds it: "(", "**", "=="...
  kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;  // text, name, decoded string literal, operator
  int64_t integer = 0;
  double number = 0;
  Position position;
};

struct LexOptions {
  bool trim_blocks = true;    // drop the first newline after a block tag
  bool lstrip_blocks = true;  // drop spaces and tabs before a block tag at line start
};

// Tokens end with one kEnd. Errors carry "line:column".
Result<std::vector<Token>> tokenize(std::string_view source, const LexOptions& options);

std::string describe(const Token& token);

}  // namespace loom::jinja
