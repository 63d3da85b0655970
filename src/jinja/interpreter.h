// Interpreter: walks a Program and writes the rendered text. Owns the scopes;
// everything a value can do lives in builtins.h.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "jinja/ast.h"
#include "jinja/runtime.h"
#include "jinja/value.h"

namespace loom::jinja {

class Interpreter {
 public:
  explicit Interpreter(Runtime& runtime);

  void set_global(const std::string& name, Value value);
  Status render(const Program& program, std::string& out);

 private:
  // Scopes form a tree kept on a stack: a for loop or macro call pushes a
  // frame whose parent is the current one; a caller() body's parent is the
  // frame of its {% call %} (still on the stack while the call runs).
  struct Frame {
    std::vector<std::pair<std::string, Value>> variables;
    int parent = -1;
    uint64_t serial = 0;
  };
  enum class Flow : uint8_t { kNormal, kBreak, kContinue };

  int push_frame(int parent);
  void pop_frame(int previous);
  Value lookup(const std::string& name) const;
  void assign(const std::string& name, Value value);

  Status render_block(const std::vector<StmtPtr>& body, std::string& out);
  Status render_stmt(const Stmt& stmt, std::string& out);
  Status render_for(const Stmt& stmt, std::string& out);
  Status render_set(const Stmt& stmt, const Value& value);
  Status render_call_block(const Stmt& stmt, std::string& out);
  Status bind_target(const Expr& target, const Value& value);
  Status append_output(std::string& out, const Value& value);

  Result<Value> eval(const Expr& expr);
  Result<Value> eval_binary(const Expr& expr);
  Result<Value> eval_call(const Expr& expr, const Value* caller);
  Result<Value> eval_filter(const Expr& expr, const Value* operand_override);
  Result<CallArgs> eval_arguments(const std::vector<Argument>& arguments);
  Result<Value> call_value(const Value& callee, CallArgs& args);
  Value make_macro(const Stmt& stmt);
  Result<Value> invoke_macro(const Stmt& stmt, CallArgs& args, const std::string& display_name);
  Result<Value> make_caller(const Stmt& stmt);

  Runtime& runtime_;
  std::vector<Frame> frames_;
  int current_ = 0;
  uint64_t next_serial_ = 1;
  int call_depth_ = 0;
  Flow flow_ = Flow::kNormal;
};

// Prefixes "template error at L:C: " unless the message already carries a position.
Status at_position(Status status, const Position& position);

}  // namespace loom::jinja
