// Interpreter: statements write text, expressions produce values. Scoping
// follows @huggingface/jinja: for loops and macro calls open a scope, if
// blocks do not; `set` writes the innermost scope.
#include "jinja/interpreter.h"

#include "jinja/builtins.h"
#include "jinja/value_format.h"

namespace loom::jinja {

namespace {
constexpr std::string_view kPositionPrefix = "template error at ";
}  // namespace

Status at_position(Status status, const Position& position) {
  if (status.ok() || status.message().rfind(kPositionPrefix, 0) == 0 ||
      status.message().rfind("template syntax error", 0) == 0) {
    return status;
  }
  return Status(status.code(),
                str_cat(kPositionPrefix, position.line, ":", position.column, ": ", status.message()));
}

#define TRY_AT(expr, position)                                                     \
  ({                                                                               \
    auto&& loom_try_at_ = (expr);                                                  \
    if (!loom_try_at_.ok()) return at_position(std::move(loom_try_at_).status(), position); \
    ::loom::detail::unwrap(std::move(loom_try_at_));                               \
  })

Interpreter::Interpreter(Runtime& runtime) : runtime_(runtime) {
  frames_.push_back(Frame{{}, -1, next_serial_++});
  current_ = 0;
}

void Interpreter::set_global(const std::string& name, Value value) {
  auto& variables = frames_[0].variables;
  for (auto& [key, existing] : variables) {
    if (key == name) {
      existing = std::move(value);
      return;
    }
  }
  variables.emplace_back(name, std::move(value));
}

int Interpreter::push_frame(int parent) {
  const int previous = current_;
  frames_.push_back(Frame{{}, parent, next_serial_++});
  current_ = static_cast<int>(frames_.size()) - 1;
  return previous;
}

void Interpreter::pop_frame(int previous) {
  frames_.pop_back();
  current_ = previous;
}

Value Interpreter::lookup(const std::string& name) const {
  for (int frame = current_; frame >= 0; frame = frames_[static_cast<size_t>(frame)].parent) {
    for (const auto& [key, value] : frames_[static_cast<size_t>(frame)].variables) {
      if (key == name) return value;
    }
  }
  return lookup_global(name);
}

void Interpreter::assign(const std::string& name, Value value) {
  auto& variables = frames_[static_cast<size_t>(current_)].variables;
  for (auto& [key, existing] : variables) {
    if (key == name) {
      existing = std::move(value);
      return;
    }
  }
  variables.emplace_back(name, std::move(value));
}

Status Interpreter::render(const Program& program, std::string& out) {
  return render_block(program.body, out);
}

Status Interpreter::render_block(const std::vector<StmtPtr>& body, std::string& out) {
  for (const StmtPtr& stmt : body) {
    TRY(render_stmt(*stmt, out));
    if (flow_ != Flow::kNormal) return {};
  }
  return {};
}

Status Interpreter::append_output(std::string& out, const Value& value) {
  TRY(append_display(out, value));
  return runtime_.check_size(out.size());
}

Status Interpreter::render_stmt(const Stmt& stmt, std::string& out) {
  switch (stmt.kind) {
    case StmtKind::kText:
      out += stmt.text;
      return at_position(runtime_.check_size(out.size()), stmt.position);
    case StmtKind::kOutput: {
      const Value value = TRY(eval(*stmt.expr));
      return at_position(append_output(out, value), stmt.position);
    }
    case StmtKind::kIf: {
      const Value condition = TRY(eval(*stmt.expr));
      return render_block(condition.truthy() ? stmt.body : stmt.else_body, out);
    }
    case StmtKind::kFor: return render_for(stmt, out);
    case StmtKind::kSet: {
      const Value value = TRY(eval(*stmt.expr));
      return at_position(render_set(stmt, value), stmt.position);
    }
    case StmtKind::kSetBlock: {
      std::string captured;
      TRY(render_block(stmt.body, captured));
      const Value value = TRY_AT(runtime_.make_string(std::move(captured)), stmt.position);
      return at_position(render_set(stmt, value), stmt.position);
    }
    case StmtKind::kMacro:
      assign(stmt.name, make_macro(stmt));
      return {};
    case StmtKind::kCallBlock: return render_call_block(stmt, out);
    case StmtKind::kFilterBlock: {
      std::string captured;
      TRY(render_block(stmt.body, captured));
      const Value body = TRY_AT(runtime_.make_string(std::move(captured)), stmt.position);
      const Value value = TRY(eval_filter(*stmt.expr, &body));
      return at_position(append_output(out, value), stmt.position);
    }
    case StmtKind::kBreak: flow_ = Flow::kBreak; return {};
    case StmtKind::kContinue: flow_ = Flow::kContinue; return {};
  }
  return {};
}

Status Interpreter::render_set(const Stmt& stmt, const Value& value) { return bind_target(*stmt.target, value); }

Status Interpreter::bind_target(const Expr& target, const Value& value) {
  switch (target.kind) {
    case ExprKind::kName: assign(target.name, value); return {};
    case ExprKind::kTuple: {
      if (!value.is_array()) return invalid_argument("cannot unpack ", value.type_name(), " into ", target.children.size(), " names");
      const auto& items = value.array().items;
      if (items.size() != target.children.size()) {
        return invalid_argument("expected ", target.children.size(), " values to unpack, got ", items.size());
      }
      for (size_t i = 0; i < items.size(); ++i) TRY(bind_target(*target.children[i], items[i]));
      return {};
    }
    case ExprKind::kAttribute: {
      const Value object = TRY(eval(*target.children[0]));
      if (!object.is_namespace()) {
        return invalid_argument("cannot assign attribute '", target.name, "' on ", object.type_name(),
                                " (only on a namespace)");
      }
      object.object().set(target.name, value);
      return {};
    }
    default: return invalid_argument("invalid assignment target");
  }
}

Status Interpreter::render_for(const Stmt& stmt, std::string& out) {
  const Value iterable = TRY(eval(*stmt.expr));
  std::vector<Value> items;
  switch (iterable.kind()) {
    case Value::Kind::kArray: items = iterable.array().items; break;
    case Value::Kind::kObject:
    case Value::Kind::kNamespace:
      for (const auto& entry : iterable.object().entries()) items.push_back(Value::string(entry.first));
      break;
    case Value::Kind::kString: {
      const std::string& text = iterable.as_string();
      const auto offsets = [&] {
        std::vector<size_t> starts;
        for (size_t i = 0; i < text.size(); ++i) {
          if ((static_cast<uint8_t>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
        }
        starts.push_back(text.size());
        return starts;
      }();
      for (size_t i = 0; i + 1 < offsets.size(); ++i) {
        items.push_back(Value::string(text.substr(offsets[i], offsets[i + 1] - offsets[i])));
      }
      break;
    }
    case Value::Kind::kUndefined:
    case Value::Kind::kNone: break;  // Jinja iterates an undefined value as empty
    default:
      return at_position(invalid_argument("cannot iterate over ", iterable.type_name()), stmt.expr->position);
  }

  const int previous = push_frame(current_);
  Status status = [&]() -> Status {
    if (stmt.condition) {
      std::vector<Value> kept;
      for (const Value& item : items) {
        TRY_AT(runtime_.step(), stmt.position);
        TRY_AT(bind_target(*stmt.target, item), stmt.position);
        if (TRY(eval(*stmt.condition)).truthy()) kept.push_back(item);
      }
      items = std::move(kept);
    }
    if (items.empty()) return render_block(stmt.else_body, out);
    const Value loop = TRY_AT(runtime_.make_object(), stmt.position);
    ObjectData& fields = loop.object();
    const auto count = static_cast<int64_t>(items.size());
    for (int64_t i = 0; i < count; ++i) {
      TRY_AT(runtime_.step(), stmt.position);
      const auto index = static_cast<size_t>(i);
      fields.set("index", Value::integer(i + 1));
      fields.set("index0", Value::integer(i));
      fields.set("revindex", Value::integer(count - i));
      fields.set("revindex0", Value::integer(count - i - 1));
      fields.set("first", Value::boolean(i == 0));
      fields.set("last", Value::boolean(i == count - 1));
      fields.set("length", Value::integer(count));
      fields.set("previtem", i > 0 ? items[index - 1] : Value());
      fields.set("nextitem", i + 1 < count ? items[index + 1] : Value());
      assign("loop", loop);
      TRY_AT(bind_target(*stmt.target, items[index]), stmt.position);
      TRY(render_block(stmt.body, out));
      if (flow_ == Flow::kBreak) {
        flow_ = Flow::kNormal;
        break;
      }
      flow_ = Flow::kNormal;
    }
    return {};
  }();
  pop_frame(previous);
  return status;
}

Value Interpreter::make_macro(const Stmt& stmt) {
  auto function = std::make_shared<Function>();
  function->name = stmt.name;
  const Stmt* macro = &stmt;
  function->call = [this, macro](Runtime&, CallArgs& args) { return invoke_macro(*macro, args, macro->name); };
  return Value::function(std::move(function));
}

Result<Value> Interpreter::invoke_macro(const Stmt& stmt, CallArgs& args, const std::string& display_name) {
  if (call_depth_ >= runtime_.limits().max_call_depth) {
    return resource_exhausted("exceeded max_call_depth (", runtime_.limits().max_call_depth, ") calling ", display_name);
  }
  TRY(runtime_.step());
  const int previous = push_frame(current_);
  ++call_depth_;
  Result<Value> result = [&]() -> Result<Value> {
    const auto& parameters = stmt.parameters;
    std::vector<bool> bound(parameters.size(), false);
    for (size_t i = 0; i < args.positional.size() && i < parameters.size(); ++i) {
      assign(parameters[i].name, args.positional[i]);
      bound[i] = true;
    }
    if (args.positional.size() > parameters.size()) {
      std::vector<Value> extra(args.positional.begin() + static_cast<long>(parameters.size()), args.positional.end());
      assign("varargs", TRY(runtime_.make_array(std::move(extra))));
    }
    Value extra_keywords;
    for (auto& [name, value] : args.keyword) {
      bool matched = false;
      for (size_t i = 0; i < parameters.size(); ++i) {
        if (parameters[i].name != name) continue;
        if (bound[i]) return invalid_argument("macro '", display_name, "' got multiple values for '", name, "'");
        assign(name, value);
        bound[i] = matched = true;
      }
      if (!matched) {
        if (extra_keywords.is_undefined()) extra_keywords = TRY(runtime_.make_object());
        extra_keywords.object().set(name, value);
      }
    }
    if (!extra_keywords.is_undefined()) assign("kwargs", extra_keywords);
    for (size_t i = 0; i < parameters.size(); ++i) {
      if (bound[i]) continue;
      assign(parameters[i].name, parameters[i].default_value ? TRY(eval(*parameters[i].default_value)) : Value());
    }
    std::string out;
    TRY(render_block(stmt.body, out));
    flow_ = Flow::kNormal;
    return runtime_.make_string(std::move(out));
  }();
  --call_depth_;
  pop_frame(previous);
  return result;
}

Result<Value> Interpreter::make_caller(const Stmt& stmt) {
  auto function = std::make_shared<Function>();
  function->name = "caller";
  const Stmt* block = &stmt;
  const int site = current_;
  const uint64_t serial = frames_[static_cast<size_t>(site)].serial;
  function->call = [this, block, site, serial](Runtime&, CallArgs& args) -> Result<Value> {
    if (static_cast<size_t>(site) >= frames_.size() || frames_[static_cast<size_t>(site)].serial != serial) {
      return failed_precondition("caller() used outside of its call block");
    }
    // The body sees the scope of the {% call %} site, not the macro's.
    const int saved = current_;
    current_ = site;
    Result<Value> result = invoke_macro(*block, args, "caller");
    current_ = saved;
    return result;
  };
  return Value::function(std::move(function));
}

Status Interpreter::render_call_block(const Stmt& stmt, std::string& out) {
  const Value caller = TRY_AT(make_caller(stmt), stmt.position);
  const Value value = TRY(eval_call(*stmt.expr, &caller));
  return at_position(append_output(out, value), stmt.position);
}

Result<CallArgs> Interpreter::eval_arguments(const std::vector<Argument>& arguments) {
  CallArgs args;
  for (const Argument& argument : arguments) {
    Value value = TRY(eval(*argument.value));
    switch (argument.kind) {
      case Argument::Kind::kPositional: args.positional.push_back(std::move(value)); break;
      case Argument::Kind::kKeyword: args.keyword.emplace_back(argument.name, std::move(value)); break;
      case Argument::Kind::kSpread:
        if (!value.is_array()) return at_position(invalid_argument("cannot unpack ", value.type_name(), " with *"), argument.value->position);
        for (const Value& item : value.array().items) args.positional.push_back(item);
        break;
      case Argument::Kind::kKeywordSpread:
        if (!value.is_object()) return at_position(invalid_argument("argument after ** must be a dict, not ", value.type_name()), argument.value->position);
        for (const auto& entry : value.object().entries()) args.keyword.push_back(entry);
        break;
    }
  }
  return args;
}

Result<Value> Interpreter::call_value(const Value& callee, CallArgs& args) {
  TRY(runtime_.step());
  return callee.as_function().call(runtime_, args);
}

Result<Value> Interpreter::eval_call(const Expr& expr, const Value* caller) {
  const Expr& callee_expr = *expr.children[0];
  Value callee = TRY(eval(callee_expr));
  if (!callee.is_function()) {
    if (callee_expr.kind == ExprKind::kAttribute) {
      const Value object = TRY(eval(*callee_expr.children[0]));
      return at_position(invalid_argument(object.type_name(), " has no method '", callee_expr.name, "'"), expr.position);
    }
    if (callee_expr.kind == ExprKind::kName && callee.is_undefined()) {
      return at_position(invalid_argument("'", callee_expr.name, "' is undefined"), expr.position);
    }
    return at_position(invalid_argument(callee.type_name(), " is not callable"), expr.position);
  }
  CallArgs args = TRY(eval_arguments(expr.arguments));
  if (caller == nullptr) return TRY_AT(call_value(callee, args), expr.position);
  const int previous = push_frame(current_);
  assign("caller", *caller);
  Result<Value> result = call_value(callee, args);
  pop_frame(previous);
  return TRY_AT(std::move(result), expr.position);
}

Result<Value> Interpreter::eval_filter(const Expr& expr, const Value* operand_override) {
  Value operand;
  const Expr* inner = expr.children[0].get();
  if (inner == nullptr) {
    operand = *operand_override;
  } else if (inner->kind == ExprKind::kFilter && operand_override != nullptr) {
    operand = TRY(eval_filter(*inner, operand_override));
  } else {
    operand = TRY(eval(*inner));
  }
  CallArgs args = TRY(eval_arguments(expr.arguments));
  return TRY_AT(apply_filter(runtime_, expr.name, operand, args), expr.position);
}

Result<Value> Interpreter::eval(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::kLiteral: return expr.literal;
    case ExprKind::kName: return lookup(expr.name);
    case ExprKind::kList:
    case ExprKind::kTuple: {
      std::vector<Value> items;
      items.reserve(expr.children.size());
      for (const ExprPtr& child : expr.children) items.push_back(TRY(eval(*child)));
      return TRY_AT(runtime_.make_array(std::move(items)), expr.position);
    }
    case ExprKind::kDict: {
      const Value object = TRY_AT(runtime_.make_object(), expr.position);
      for (size_t i = 0; i + 1 < expr.children.size(); i += 2) {
        const Value key = TRY(eval(*expr.children[i]));
        if (!key.is_string()) {
          return at_position(invalid_argument("dict keys must be strings, got ", key.type_name()), expr.children[i]->position);
        }
        object.object().set(key.as_string(), TRY(eval(*expr.children[i + 1])));
      }
      return object;
    }
    case ExprKind::kUnary: return TRY_AT(apply_unary(expr.name, TRY(eval(*expr.children[0]))), expr.position);
    case ExprKind::kNot: return Value::boolean(!TRY(eval(*expr.children[0])).truthy());
    case ExprKind::kAnd: {
      Value left = TRY(eval(*expr.children[0]));
      if (!left.truthy()) return left;
      return eval(*expr.children[1]);
    }
    case ExprKind::kOr: {
      Value left = TRY(eval(*expr.children[0]));
      if (left.truthy()) return left;
      return eval(*expr.children[1]);
    }
    case ExprKind::kBinary: return eval_binary(expr);
    case ExprKind::kConditional: {
      if (TRY(eval(*expr.children[1])).truthy()) return eval(*expr.children[0]);
      if (expr.children[2]) return eval(*expr.children[2]);
      return Value();
    }
    case ExprKind::kAttribute: {
      const Value object = TRY(eval(*expr.children[0]));
      return TRY_AT(get_attribute(runtime_, object, expr.name), expr.position);
    }
    case ExprKind::kSubscript: {
      const Value object = TRY(eval(*expr.children[0]));
      const Value key = TRY(eval(*expr.children[1]));
      return TRY_AT(get_item(runtime_, object, key), expr.position);
    }
    case ExprKind::kSlice: {
      const Value object = TRY(eval(*expr.children[0]));
      Value parts[3];
      for (int i = 0; i < 3; ++i) {
        if (expr.children[static_cast<size_t>(i) + 1]) parts[i] = TRY(eval(*expr.children[static_cast<size_t>(i) + 1]));
      }
      return TRY_AT(slice_value(runtime_, object, parts[0], parts[1], parts[2]), expr.position);
    }
    case ExprKind::kCall: return eval_call(expr, nullptr);
    case ExprKind::kFilter: return eval_filter(expr, nullptr);
    case ExprKind::kTest: {
      const Value operand = TRY(eval(*expr.children[0]));
      const CallArgs args = TRY(eval_arguments(expr.arguments));
      const bool result = TRY_AT(apply_test(runtime_, expr.name, operand, args), expr.position);
      return Value::boolean(result != expr.negated);
    }
  }
  return internal_error("unknown expression kind");
}

Result<Value> Interpreter::eval_binary(const Expr& expr) {
  const Value left = TRY(eval(*expr.children[0]));
  const Value right = TRY(eval(*expr.children[1]));
  return TRY_AT(apply_binary(runtime_, expr.name, left, right), expr.position);
}

}  // namespace loom::jinja
