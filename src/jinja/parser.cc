// Recursive-descent parser for the Jinja subset chat templates use.
#include "jinja/parser.h"

#include <initializer_list>
#include <string_view>

namespace loom::jinja {
namespace {

class Parser {
 public:
  Parser(std::vector<Token> tokens, int max_nesting) : tokens_(std::move(tokens)), max_nesting_(max_nesting) {}

  Result<Program> parse_program() {
    Program program;
    program.body = TRY(parse_block({}));
    if (peek().kind != TokenKind::kEnd) return error(peek(), "unexpected " + describe(peek()));
    return program;
  }

 private:
  // Depth guard: one per nested block or expression level.
  struct Nest {
    explicit Nest(Parser& parser) : parser_(parser) { ++parser_.depth_; }
    ~Nest() { --parser_.depth_; }
    Parser& parser_;
  };
  Status check_depth(const Token& at) {
    if (depth_ > max_nesting_) {
      return resource_exhausted("template nesting exceeds max_nesting (", max_nesting_, ") at ", at.position.line,
                                ":", at.position.column);
    }
    return {};
  }

  const Token& peek(size_t ahead = 0) const {
    const size_t index = std::min(current_ + ahead, tokens_.size() - 1);
    return tokens_[index];
  }
  const Token& next() {
    const Token& token = tokens_[current_];
    if (current_ + 1 < tokens_.size()) ++current_;
    return token;
  }
  bool is_op(std::string_view op, size_t ahead = 0) const {
    return peek(ahead).kind == TokenKind::kOperator && peek(ahead).text == op;
  }
  bool is_name(std::string_view name, size_t ahead = 0) const {
    return peek(ahead).kind == TokenKind::kName && peek(ahead).text == name;
  }
  // `{% name` where name is one of `names`.
  bool at_statement(std::initializer_list<std::string_view> names) const {
    if (peek().kind != TokenKind::kOpenStatement || peek(1).kind != TokenKind::kName) return false;
    for (std::string_view name : names) {
      if (peek(1).text == name) return true;
    }
    return false;
  }

  static Status error(const Token& at, const std::string& message) {
    return invalid_argument("template syntax error at ", at.position.line, ":", at.position.column, ": ", message);
  }
  Status expect_op(std::string_view op) {
    if (!is_op(op)) return error(peek(), "expected '" + std::string(op) + "', got " + describe(peek()));
    next();
    return {};
  }
  Status expect_kind(TokenKind kind, const char* what) {
    if (peek().kind != kind) return error(peek(), std::string("expected ") + what + ", got " + describe(peek()));
    next();
    return {};
  }
  Result<std::string> expect_name(const char* what) {
    if (peek().kind != TokenKind::kName) return error(peek(), std::string("expected ") + what + ", got " + describe(peek()));
    return next().text;
  }
  Status expect_end_tag(std::string_view name) {
    if (!at_statement({name})) return error(peek(), "expected '{% " + std::string(name) + " %}', got " + describe(peek()));
    next();
    next();
    return expect_kind(TokenKind::kCloseStatement, "'%}'");
  }

  static ExprPtr make(ExprKind kind, const Token& at) {
    auto expr = std::make_unique<Expr>();
    expr->kind = kind;
    expr->position = at.position;
    return expr;
  }

  // ---- statements ----

  // Parses until end of input or a `{% name %}` with name in `terminators`.
  Result<std::vector<StmtPtr>> parse_block(std::initializer_list<std::string_view> terminators) {
    Nest nest(*this);
    TRY(check_depth(peek()));
    std::vector<StmtPtr> body;
    while (peek().kind != TokenKind::kEnd) {
      if (terminators.size() > 0 && at_statement(terminators)) return body;
      const Token& token = peek();
      auto stmt = std::make_unique<Stmt>();
      stmt->position = token.position;
      if (token.kind == TokenKind::kText) {
        stmt->kind = StmtKind::kText;
        stmt->text = next().text;
      } else if (token.kind == TokenKind::kOpenExpression) {
        next();
        stmt->kind = StmtKind::kOutput;
        stmt->expr = TRY(parse_expression());
        TRY(expect_kind(TokenKind::kCloseExpression, "'}}'"));
      } else if (token.kind == TokenKind::kOpenStatement) {
        next();
        TRY(parse_statement(*stmt));
      } else {
        return error(token, "unexpected " + describe(token));
      }
      body.push_back(std::move(stmt));
    }
    if (terminators.size() > 0) {
      std::string expected;
      for (std::string_view name : terminators) expected += (expected.empty() ? "" : " or ") + std::string(name);
      return error(peek(), "unexpected end of template, expected " + expected);
    }
    return body;
  }

  Status parse_statement(Stmt& stmt) {
    const Token& keyword = peek();
    if (keyword.kind != TokenKind::kName) return error(keyword, "expected a statement name, got " + describe(keyword));
    const std::string name = next().text;
    if (name == "if") return parse_if(stmt);
    if (name == "for") return parse_for(stmt);
    if (name == "set") return parse_set(stmt);
    if (name == "macro") return parse_macro(stmt);
    if (name == "call") return parse_call_block(stmt);
    if (name == "filter") return parse_filter_block(stmt);
    if (name == "break" || name == "continue") {
      stmt.kind = name == "break" ? StmtKind::kBreak : StmtKind::kContinue;
      return expect_kind(TokenKind::kCloseStatement, "'%}'");
    }
    return error(keyword, "unknown statement '" + name + "'");
  }

  Status parse_if(Stmt& stmt) {
    stmt.kind = StmtKind::kIf;
    stmt.expr = TRY(parse_expression());
    TRY(expect_kind(TokenKind::kCloseStatement, "'%}'"));
    stmt.body = TRY(parse_block({"elif", "else", "endif"}));
    if (at_statement({"elif"})) {
      next();
      auto nested = std::make_unique<Stmt>();
      nested->position = next().position;
      Nest nest(*this);
      TRY(check_depth(peek()));
      TRY(parse_if(*nested));  // consumes the shared endif
      stmt.else_body.push_back(std::move(nested));
      return {};
    }
    if (at_statement({"else"})) {
      next();
      next();
      TRY(expect_kind(TokenKind::kCloseStatement, "'%}'"));
      stmt.else_body = TRY(parse_block({"endif"}));
    }
    return expect_end_tag("endif");
  }

  // A loop or assignment target: name, or names separated by commas.
  Result<ExprPtr> parse_target() {
    const Token& start = peek();
    const bool parenthesized = is_op("(");
    if (parenthesized) next();
    std::vector<ExprPtr> names;
    do {
      if (!names.empty()) next();  // comma
      const Token& token = peek();
      auto name = make(ExprKind::kName, token);
      name->name = TRY(expect_name("a variable name"));
      names.push_back(std::move(name));
    } while (is_op(","));
    if (parenthesized) TRY(expect_op(")"));
    if (names.size() == 1 && !parenthesized) return std::move(names[0]);
    auto tuple = make(ExprKind::kTuple, start);
    tuple->children = std::move(names);
    return tuple;
  }

  Status parse_for(Stmt& stmt) {
    stmt.kind = StmtKind::kFor;
    stmt.target = TRY(parse_target());
    if (!is_name("in")) return error(peek(), "expected 'in' after the loop variable, got " + describe(peek()));
    next();
    stmt.expr = TRY(parse_tuple_or_expression(/*allow_conditional=*/false));
    if (is_name("if")) {
      next();
      stmt.condition = TRY(parse_expression());
    }
    if (is_name("recursive")) return error(peek(), "recursive loops are not supported");
    TRY(expect_kind(TokenKind::kCloseStatement, "'%}'"));
    stmt.body = TRY(parse_block({"else", "endfor"}));
    if (at_statement({"else"})) {
      next();
      next();
      TRY(expect_kind(TokenKind::kCloseStatement, "'%}'"));
      stmt.else_body = TRY(parse_block({"endfor"}));
    }
    return expect_end_tag("endfor");
  }

  Status parse_set(Stmt& stmt) {
    const Token& start = peek();
    const std::string first = TRY(expect_name("a variable name"));
    if (is_op(".")) {  // namespace attribute: set ns.x = ...
      next();
      auto object = make(ExprKind::kName, start);
      object->name = first;
      auto attribute = make(ExprKind::kAttribute, start);
      attribute->name = TRY(expect_name("an attribute name"));
      attribute->children.push_back(std::move(object));
      stmt.target = std::move(attribute);
    } else if (is_op(",")) {
      auto tuple = make(ExprKind::kTuple, start);
      auto name = make(ExprKind::kName, start);
      name->name = first;
      tuple->children.push_back(std::move(name));
      while (is_op(",")) {
        next();
        auto item = make(ExprKind::kName, peek());
        item->name = TRY(expect_name("a variable name"));
        tuple->children.push_back(std::move(item));
      }
      stmt.target = std::move(tuple);
    } else {
      stmt.target = make(ExprKind::kName, start);
      stmt.target->name = first;
    }
    if (is_op("=")) {
      next();
      stmt.kind = StmtKind::kSet;
      stmt.expr = TRY(parse_tuple_or_expression(/*allow_conditional=*/true));
      return expect_kind(TokenKind::kCloseStatement, "'%}'");
    }
    if (stmt.target->kind != ExprKind::kName) return error(peek(), "a block set assigns to a single name");
    stmt.kind = StmtKind::kSetBlock;
    TRY(expect_kind(TokenKind::kCloseStatement, "'%}' or '='"));
    stmt.body = TRY(parse_block({"endset"}));
    return expect_end_tag("endset");
  }

  Result<std::vector<Parameter>> parse_parameters() {
    TRY(expect_op("("));
    std::vector<Parameter> parameters;
    bool saw_default = false;
    while (!is_op(")")) {
      if (!parameters.empty()) TRY(expect_op(","));
      if (is_op(")")) break;  // trailing comma
      const Token& token = peek();
      Parameter parameter;
      parameter.name = TRY(expect_name("a parameter name"));
      for (const Parameter& existing : parameters) {
        if (existing.name == parameter.name) return error(token, "duplicate parameter '" + parameter.name + "'");
      }
      if (is_op("=")) {
        next();
        parameter.default_value = TRY(parse_expression());
        saw_default = true;
      } else if (saw_default) {
        return error(token, "parameter without a default follows one with a default");
      }
      parameters.push_back(std::move(parameter));
    }
    next();
    return parameters;
  }

  Status parse_macro(Stmt& stmt) {
    stmt.kind = StmtKind::kMacro;
    stmt.name = TRY(expect_name("a macro name"));
    stmt.parameters = TRY(parse_parameters());
    TRY(expect_kind(TokenKind::kCloseStatement, "'%}'"));
    stmt.body = TRY(parse_block({"endmacro"}));
    return expect_end_tag("endmacro");
  }

  Status parse_call_block(Stmt& stmt) {
    stmt.kind = StmtKind::kCallBlock;
    if (is_op("(")) stmt.parameters = TRY(parse_parameters());
    const Token& at = peek();
    stmt.expr = TRY(parse_expression());
    if (stmt.expr->kind != ExprKind::kCall) return error(at, "expected a macro call after 'call'");
    TRY(expect_kind(TokenKind::kCloseStatement, "'%}'"));
    stmt.body = TRY(parse_block({"endcall"}));
    return expect_end_tag("endcall");
  }

  Status parse_filter_block(Stmt& stmt) {
    stmt.kind = StmtKind::kFilterBlock;
    ExprPtr chain;  // null operand: the rendered body
    do {
      if (chain) next();  // '|'
      chain = TRY(parse_filter_call(std::move(chain)));
    } while (is_op("|"));
    stmt.expr = std::move(chain);
    TRY(expect_kind(TokenKind::kCloseStatement, "'%}'"));
    stmt.body = TRY(parse_block({"endfilter"}));
    return expect_end_tag("endfilter");
  }

  // ---- expressions ----

  // `a, b` without parentheses is a tuple (set and for).
  Result<ExprPtr> parse_tuple_or_expression(bool allow_conditional) {
    const Token& start = peek();
    ExprPtr first = TRY(parse_expression(allow_conditional));
    if (!is_op(",")) return first;
    auto tuple = make(ExprKind::kTuple, start);
    tuple->children.push_back(std::move(first));
    while (is_op(",")) {
      next();
      tuple->children.push_back(TRY(parse_expression(allow_conditional)));
    }
    return tuple;
  }

  Result<ExprPtr> parse_expression(bool allow_conditional = true) {
    Nest nest(*this);
    TRY(check_depth(peek()));
    const Token& start = peek();
    ExprPtr value = TRY(parse_or());
    if (!allow_conditional || !is_name("if")) return value;
    next();
    auto conditional = make(ExprKind::kConditional, start);
    conditional->children.push_back(std::move(value));
    conditional->children.push_back(TRY(parse_or()));
    if (is_name("else")) {
      next();
      conditional->children.push_back(TRY(parse_expression()));
    } else {
      conditional->children.push_back(nullptr);
    }
    return conditional;
  }

  Result<ExprPtr> parse_or() {
    ExprPtr left = TRY(parse_and());
    while (is_name("or")) {
      auto node = make(ExprKind::kOr, next());
      node->children.push_back(std::move(left));
      node->children.push_back(TRY(parse_and()));
      left = std::move(node);
    }
    return left;
  }

  Result<ExprPtr> parse_and() {
    ExprPtr left = TRY(parse_not());
    while (is_name("and")) {
      auto node = make(ExprKind::kAnd, next());
      node->children.push_back(std::move(left));
      node->children.push_back(TRY(parse_not()));
      left = std::move(node);
    }
    return left;
  }

  Result<ExprPtr> parse_not() {
    if (!is_name("not")) return parse_compare();
    Nest nest(*this);
    TRY(check_depth(peek()));
    auto node = make(ExprKind::kNot, next());
    node->children.push_back(TRY(parse_not()));
    return node;
  }

  Result<ExprPtr> parse_compare() {
    ExprPtr left = TRY(parse_additive());
    while (true) {
      std::string op;
      const Token& at = peek();
      if (is_name("not") && is_name("in", 1)) {
        next();
        next();
        op = "not in";
      } else if (is_name("in")) {
        next();
        op = "in";
      } else if (at.kind == TokenKind::kOperator &&
                 (at.text == "==" || at.text == "!=" || at.text == "<" || at.text == ">" || at.text == "<=" ||
                  at.text == ">=")) {
        op = next().text;
      } else {
        return left;
      }
      left = TRY(binary(op, at, std::move(left), parse_additive()));
    }
  }

  Result<ExprPtr> binary(const std::string& op, const Token& at, ExprPtr left, Result<ExprPtr> right) {
    auto node = make(ExprKind::kBinary, at);
    node->name = op;
    node->children.push_back(std::move(left));
    node->children.push_back(TRY(std::move(right)));
    return node;
  }

  Result<ExprPtr> parse_additive() {
    ExprPtr left = TRY(parse_multiplicative());
    while (is_op("+") || is_op("-") || is_op("~")) {
      const Token& at = next();
      left = TRY(binary(at.text, at, std::move(left), parse_multiplicative()));
    }
    return left;
  }

  Result<ExprPtr> parse_multiplicative() {
    ExprPtr left = TRY(parse_power());
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      const Token& at = next();
      left = TRY(binary(at.text, at, std::move(left), parse_power()));
    }
    return left;
  }

  Result<ExprPtr> parse_power() {
    ExprPtr left = TRY(parse_test());
    while (is_op("**")) {
      const Token& at = next();
      left = TRY(binary(at.text, at, std::move(left), parse_test()));
    }
    return left;
  }

  Result<ExprPtr> parse_test() {
    ExprPtr operand = TRY(parse_filter());
    while (is_name("is")) {
      auto node = make(ExprKind::kTest, next());
      if (is_name("not")) {
        next();
        node->negated = true;
      }
      const Token& name_token = peek();
      if (name_token.kind != TokenKind::kName) return error(name_token, "expected a test name after 'is'");
      node->name = next().text;
      if (is_op("(")) {
        node->arguments = TRY(parse_arguments());
      } else if (peek().kind == TokenKind::kInteger || peek().kind == TokenKind::kFloat ||
                 peek().kind == TokenKind::kString) {
        Argument argument;  // `x is divisibleby 3`
        argument.value = TRY(parse_primary());
        node->arguments.push_back(std::move(argument));
      }
      node->children.push_back(std::move(operand));
      operand = std::move(node);
    }
    return operand;
  }

  // `operand | name(arguments)`; operand may be null (filter blocks).
  Result<ExprPtr> parse_filter_call(ExprPtr operand) {
    const Token& name_token = peek();
    auto node = make(ExprKind::kFilter, name_token);
    node->name = TRY(expect_name("a filter name"));
    if (is_op("(")) node->arguments = TRY(parse_arguments());
    node->children.push_back(std::move(operand));
    return node;
  }

  Result<ExprPtr> parse_filter() {
    ExprPtr operand = TRY(parse_unary());
    while (is_op("|")) {
      next();
      operand = TRY(parse_filter_call(std::move(operand)));
    }
    return operand;
  }

  Result<ExprPtr> parse_unary() {
    if (is_op("-") || is_op("+")) {
      Nest nest(*this);
      TRY(check_depth(peek()));
      auto node = make(ExprKind::kUnary, peek());
      node->name = next().text;
      node->children.push_back(TRY(parse_unary()));
      return node;
    }
    ExprPtr primary = TRY(parse_primary());
    return parse_postfix(std::move(primary));
  }

  Result<ExprPtr> parse_postfix(ExprPtr object) {
    while (true) {
      const Token& at = peek();
      if (is_op(".")) {
        next();
        if (peek().kind == TokenKind::kInteger) {  // x.0 is x[0]
          auto node = make(ExprKind::kSubscript, at);
          auto index = make(ExprKind::kLiteral, peek());
          index->literal = Value::integer(next().integer);
          node->children.push_back(std::move(object));
          node->children.push_back(std::move(index));
          object = std::move(node);
          continue;
        }
        auto node = make(ExprKind::kAttribute, at);
        node->name = TRY(expect_name("an attribute name after '.'"));
        node->children.push_back(std::move(object));
        object = std::move(node);
      } else if (is_op("[")) {
        next();
        object = TRY(parse_subscript(std::move(object), at));
      } else if (is_op("(")) {
        auto node = make(ExprKind::kCall, at);
        node->position = object->position;  // errors point at the callee
        node->arguments = TRY(parse_arguments());
        node->children.push_back(std::move(object));
        object = std::move(node);
      } else {
        return object;
      }
    }
  }

  Result<ExprPtr> parse_subscript(ExprPtr object, const Token& at) {
    ExprPtr parts[3];
    int colons = 0;
    while (!is_op("]")) {
      if (is_op(":")) {
        next();
        if (++colons > 2) return error(peek(), "a slice takes at most three parts");
        continue;
      }
      if (parts[colons]) return error(peek(), "expected ':' or ']' in subscript, got " + describe(peek()));
      parts[colons] = TRY(parse_expression());
    }
    next();
    if (colons == 0) {
      if (!parts[0]) return error(at, "empty subscript");
      auto node = make(ExprKind::kSubscript, at);
      node->children.push_back(std::move(object));
      node->children.push_back(std::move(parts[0]));
      return node;
    }
    auto node = make(ExprKind::kSlice, at);
    node->children.push_back(std::move(object));
    for (auto& part : parts) node->children.push_back(std::move(part));
    return node;
  }

  Result<std::vector<Argument>> parse_arguments() {
    TRY(expect_op("("));
    std::vector<Argument> arguments;
    bool saw_keyword = false;
    while (!is_op(")")) {
      if (!arguments.empty()) {
        TRY(expect_op(","));
        if (is_op(")")) break;
      }
      Argument argument;
      const Token& at = peek();
      if (is_op("**")) {
        next();
        argument.kind = Argument::Kind::kKeywordSpread;
      } else if (is_op("*")) {
        next();
        argument.kind = Argument::Kind::kSpread;
      } else if (at.kind == TokenKind::kName && is_op("=", 1)) {
        argument.kind = Argument::Kind::kKeyword;
        argument.name = next().text;
        next();
        saw_keyword = true;
      } else if (saw_keyword) {
        return error(at, "positional argument follows keyword argument");
      }
      argument.value = TRY(parse_expression());
      arguments.push_back(std::move(argument));
    }
    next();
    return arguments;
  }

  Result<ExprPtr> parse_primary() {
    Nest nest(*this);
    TRY(check_depth(peek()));
    const Token& token = peek();
    switch (token.kind) {
      case TokenKind::kInteger: {
        auto node = make(ExprKind::kLiteral, next());
        node->literal = Value::integer(token.integer);
        return node;
      }
      case TokenKind::kFloat: {
        auto node = make(ExprKind::kLiteral, next());
        node->literal = Value::number(token.number);
        return node;
      }
      case TokenKind::kString: {
        auto node = make(ExprKind::kLiteral, token);
        std::string text = next().text;
        while (peek().kind == TokenKind::kString) text += next().text;  // 'a' 'b' is 'ab'
        node->literal = Value::string(std::move(text));
        return node;
      }
      case TokenKind::kName: {
        const std::string& name = token.text;
        auto node = make(ExprKind::kLiteral, token);
        if (name == "true" || name == "True") {
          node->literal = Value::boolean(true);
        } else if (name == "false" || name == "False") {
          node->literal = Value::boolean(false);
        } else if (name == "none" || name == "None") {
          node->literal = Value::none();
        } else {
          node->kind = ExprKind::kName;
          node->name = name;
        }
        next();
        return node;
      }
      case TokenKind::kOperator:
        if (token.text == "(") return parse_parenthesized();
        if (token.text == "[") return parse_list();
        if (token.text == "{") return parse_dict();
        break;
      default:
        break;
    }
    return error(token, "unexpected " + describe(token) + " in expression");
  }

  Result<ExprPtr> parse_parenthesized() {
    const Token& open = next();
    if (is_op(")")) {
      next();
      return make(ExprKind::kTuple, open);
    }
    ExprPtr first = TRY(parse_expression());
    if (is_op(")")) {
      next();
      return first;
    }
    auto tuple = make(ExprKind::kTuple, open);
    tuple->children.push_back(std::move(first));
    while (is_op(",")) {
      next();
      if (is_op(")")) break;
      tuple->children.push_back(TRY(parse_expression()));
    }
    TRY(expect_op(")"));
    return tuple;
  }

  Result<ExprPtr> parse_list() {
    auto list = make(ExprKind::kList, next());
    while (!is_op("]")) {
      if (!list->children.empty()) {
        TRY(expect_op(","));
        if (is_op("]")) break;
      }
      list->children.push_back(TRY(parse_expression()));
    }
    next();
    return list;
  }

  Result<ExprPtr> parse_dict() {
    auto dict = make(ExprKind::kDict, next());
    while (!is_op("}")) {
      if (!dict->children.empty()) {
        TRY(expect_op(","));
        if (is_op("}")) break;
      }
      dict->children.push_back(TRY(parse_expression()));
      TRY(expect_op(":"));
      dict->children.push_back(TRY(parse_expression()));
    }
    next();
    return dict;
  }

  std::vector<Token> tokens_;
  size_t current_ = 0;
  int depth_ = 0;
  int max_nesting_;
};

}  // namespace

Result<Program> parse_tokens(std::vector<Token> tokens, int max_nesting) {
  CHECK(!tokens.empty() && tokens.back().kind == TokenKind::kEnd);
  Parser parser(std::move(tokens), max_nesting);
  return parser.parse_program();
}

}  // namespace loom::jinja
