// Jinja tests: `x is defined`, `x is string`, `n is divisibleby(3)`...
#include "jinja/builtins.h"

namespace loom::jinja {

Result<bool> apply_test(Runtime& runtime, std::string_view name, const Value& operand, const CallArgs& args) {
  const Value* argument = args.positional.empty() ? nullptr : &args.positional[0];
  const auto need_argument = [&]() -> Status {
    if (argument == nullptr) return invalid_argument("test '", name, "' needs an argument");
    return {};
  };
  if (name == "defined") return !operand.is_undefined();
  if (name == "undefined") return operand.is_undefined();
  if (name == "none") return operand.is_none();
  if (name == "boolean") return operand.is_bool();
  if (name == "true") return operand.is_bool() && operand.as_bool();
  if (name == "false") return operand.is_bool() && !operand.as_bool();
  if (name == "integer") return operand.is_int();
  if (name == "float") return operand.is_float();
  if (name == "number") return operand.is_number();
  if (name == "string") return operand.is_string();
  if (name == "mapping") return operand.is_object();
  if (name == "iterable") return operand.is_array() || operand.is_string() || operand.is_object() || operand.is_namespace();
  if (name == "sequence") return operand.is_array() || operand.is_string() || operand.is_object();
  if (name == "callable") return operand.is_function();
  if (name == "escaped") return false;
  if (name == "lower" || name == "upper") {
    if (!operand.is_string()) return false;
    const std::string& text = operand.as_string();
    return text == (name == "lower" ? ascii_lower(text) : ascii_upper(text));
  }
  if (name == "odd" || name == "even") {
    if (!(operand.is_int() || operand.is_bool())) return invalid_argument("test '", name, "' needs an integer, got ", operand.type_name());
    const bool odd = (operand.as_int() % 2) != 0;
    return name == "odd" ? odd : !odd;
  }
  if (name == "divisibleby") {
    TRY(need_argument());
    if (!(operand.is_int() && argument->is_int())) return invalid_argument("divisibleby needs integers");
    if (argument->as_int() == 0) return invalid_argument("divisibleby(0)");
    return operand.as_int() % argument->as_int() == 0;
  }
  if (name == "equalto" || name == "eq" || name == "==" || name == "sameas") {
    TRY(need_argument());
    return values_equal(operand, *argument);
  }
  if (name == "ne" || name == "!=") {
    TRY(need_argument());
    return !values_equal(operand, *argument);
  }
  if (name == "lt" || name == "lessthan" || name == "le" || name == "gt" || name == "greaterthan" || name == "ge") {
    TRY(need_argument());
    const int order = TRY(compare_values(operand, *argument));
    if (name == "lt" || name == "lessthan") return order < 0;
    if (name == "le") return order <= 0;
    if (name == "gt" || name == "greaterthan") return order > 0;
    return order >= 0;
  }
  if (name == "in") {
    TRY(need_argument());
    const Value result = TRY(apply_binary(runtime, "in", operand, *argument));
    return result.as_bool();
  }
  return invalid_argument("unknown test '", name, "'");
}

}  // namespace loom::jinja
