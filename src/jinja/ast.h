// The syntax tree the parser builds and the interpreter walks: expressions
// (Expr) and statements (Stmt), each with its position in the source.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "jinja/lexer.h"
#include "jinja/value.h"

namespace loom::jinja {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;

enum class ExprKind : uint8_t {
  kLiteral,      // literal
  kName,         // name
  kList,         // children: items
  kTuple,        // children: items (a list at run time)
  kDict,         // children: key0, value0, key1, value1...
  kUnary,        // name: "-" or "+"; children[0]
  kNot,          // children[0]
  kAnd,          // children[0], children[1]
  kOr,           // children[0], children[1]
  kBinary,       // name: operator ("+", "==", "in", "not in"...); children[0], children[1]
  kConditional,  // children: then, condition, else (else may be null: undefined)
  kAttribute,    // children[0].name
  kSubscript,    // children[0][children[1]]
  kSlice,        // children: object, start, stop, step (each may be null)
  kCall,         // children[0](arguments)
  kFilter,       // children[0] | name(arguments); children[0] is null in a filter block
  kTest,         // children[0] is [not] name(arguments)
};

struct Argument {
  enum class Kind : uint8_t { kPositional, kKeyword, kSpread, kKeywordSpread };
  Kind kind = Kind::kPositional;
  std::string name;  // kKeyword
  ExprPtr value;
};

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  Position position;
  std::string name;
  Value literal;
  std::vector<ExprPtr> children;
  std::vector<Argument> arguments;
  bool negated = false;  // kTest: `is not`
};

struct Parameter {
  std::string name;
  ExprPtr default_value;  // may be null
};

enum class StmtKind : uint8_t {
  kText,         // text
  kOutput,       // {{ expr }}
  kIf,           // expr, body, else_body (an elif is a nested kIf in else_body)
  kFor,          // target in expr [if condition]: body, else_body
  kSet,          // target = expr
  kSetBlock,     // {% set target %}body{% endset %}
  kMacro,        // name(parameters): body
  kCallBlock,    // {% call(parameters) expr %}body{% endcall %}
  kFilterBlock,  // {% filter expr %}body{% endfilter %}; expr is a kFilter (chain) whose innermost operand is null
  kBreak,
  kContinue,
};

struct Stmt {
  StmtKind kind = StmtKind::kText;
  Position position;
  std::string text;
  std::string name;
  ExprPtr expr;
  ExprPtr target;     // kName, kTuple of kName, or kAttribute
  ExprPtr condition;  // kFor's inline filter
  std::vector<Parameter> parameters;
  std::vector<StmtPtr> body;
  std::vector<StmtPtr> else_body;
};

struct Program {
  std::vector<StmtPtr> body;
};

}  // namespace loom::jinja
