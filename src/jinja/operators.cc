// Binary and unary operators with Python's numeric semantics (floor division
// and modulo round toward negative infinity; int overflow is an error), plus
// the reference engine's leniency of `+` between a string and any value.
#include <cmath>

#include "jinja/builtins.h"
#include "jinja/utf8.h"

namespace loom::jinja {
namespace {

bool numeric(const Value& value) { return value.is_number() || value.is_bool(); }

Result<Value> integer_op(std::string_view op, int64_t a, int64_t b) {
  int64_t result = 0;
  if (op == "+") {
    if (__builtin_add_overflow(a, b, &result)) return out_of_range("integer overflow in +");
  } else if (op == "-") {
    if (__builtin_sub_overflow(a, b, &result)) return out_of_range("integer overflow in -");
  } else if (op == "*") {
    if (__builtin_mul_overflow(a, b, &result)) return out_of_range("integer overflow in *");
  } else if (op == "/") {
    if (b == 0) return invalid_argument("division by zero");
    return Value::number(static_cast<double>(a) / static_cast<double>(b));
  } else if (op == "//" || op == "%") {
    if (b == 0) return invalid_argument(op == "//" ? "integer division by zero" : "modulo by zero");
    if (a == INT64_MIN && b == -1) return out_of_range("integer overflow in ", op);
    int64_t quotient = a / b;
    int64_t remainder = a % b;
    if (remainder != 0 && ((remainder < 0) != (b < 0))) {
      --quotient;
      remainder += b;
    }
    result = op == "//" ? quotient : remainder;
  } else if (op == "**") {
    if (b < 0) {
      if (a == 0) return invalid_argument("0 cannot be raised to a negative power");
      return Value::number(std::pow(static_cast<double>(a), static_cast<double>(b)));
    }
    result = 1;
    int64_t base = a;
    int64_t exponent = b;
    while (exponent > 0) {  // exponentiation by squaring, checking each product
      if ((exponent & 1) != 0 && __builtin_mul_overflow(result, base, &result)) {
        return out_of_range("integer overflow in **");
      }
      exponent >>= 1;
      if (exponent > 0 && __builtin_mul_overflow(base, base, &base)) return out_of_range("integer overflow in **");
    }
  } else {
    return invalid_argument("unknown operator '", op, "'");
  }
  return Value::integer(result);
}

Result<Value> float_op(std::string_view op, double a, double b) {
  if (op == "+") return Value::number(a + b);
  if (op == "-") return Value::number(a - b);
  if (op == "*") return Value::number(a * b);
  if (op == "/") {
    if (b == 0) return invalid_argument("division by zero");
    return Value::number(a / b);
  }
  if (op == "//") {
    if (b == 0) return invalid_argument("float division by zero");
    return Value::number(std::floor(a / b));
  }
  if (op == "%") {
    if (b == 0) return invalid_argument("float modulo by zero");
    double remainder = std::fmod(a, b);
    if (remainder != 0 && ((remainder < 0) != (b < 0))) remainder += b;
    return Value::number(remainder);
  }
  if (op == "**") {
    if (a == 0 && b < 0) return invalid_argument("0.0 cannot be raised to a negative power");
    const double result = std::pow(a, b);
    if (std::isnan(result)) return invalid_argument("** gives a complex number");
    return Value::number(result);
  }
  return invalid_argument("unknown operator '", op, "'");
}

Result<bool> contains(const Value& needle, const Value& haystack) {
  switch (haystack.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone: return false;
    case Value::Kind::kString:
      if (!needle.is_string()) return invalid_argument("'in <string>' needs a string on the left, got ", needle.type_name());
      return haystack.as_string().find(needle.as_string()) != std::string::npos;
    case Value::Kind::kArray:
      for (const Value& item : haystack.array().items) {
        if (values_equal(item, needle)) return true;
      }
      return false;
    case Value::Kind::kObject:
    case Value::Kind::kNamespace:
      return needle.is_string() && haystack.object().find(needle.as_string()) != nullptr;
    default: return invalid_argument("argument of type ", haystack.type_name(), " is not iterable");
  }
}

Result<Value> repeat(Runtime& runtime, const Value& sequence, int64_t count) {
  if (count < 0) count = 0;
  if (sequence.is_string()) {
    const std::string& text = sequence.as_string();
    TRY(runtime.check_size(text.size() * static_cast<size_t>(count)));
    std::string out;
    for (int64_t i = 0; i < count; ++i) out += text;
    return runtime.make_string(std::move(out));
  }
  const auto& items = sequence.array().items;
  TRY(runtime.step(static_cast<int64_t>(items.size()) * count));
  std::vector<Value> out;
  for (int64_t i = 0; i < count; ++i) out.insert(out.end(), items.begin(), items.end());
  return runtime.make_array(std::move(out));
}

}  // namespace

Result<Value> apply_binary(Runtime& runtime, std::string_view op, const Value& left, const Value& right) {
  if (op == "==") return Value::boolean(values_equal(left, right));
  if (op == "!=") return Value::boolean(!values_equal(left, right));
  if (op == "in") return Value::boolean(TRY(contains(left, right)));
  if (op == "not in") return Value::boolean(!TRY(contains(left, right)));
  if (op == "~") return runtime.make_string(TRY(to_display(left)) + TRY(to_display(right)));
  if (op == "<" || op == ">" || op == "<=" || op == ">=") {
    const int order = TRY(compare_values(left, right));
    if (op == "<") return Value::boolean(order < 0);
    if (op == ">") return Value::boolean(order > 0);
    if (op == "<=") return Value::boolean(order <= 0);
    return Value::boolean(order >= 0);
  }
  if (left.is_undefined() || right.is_undefined()) {
    return invalid_argument("cannot apply '", op, "' to an undefined value");
  }
  if (left.is_none() || right.is_none()) return invalid_argument("cannot apply '", op, "' to none");
  if (numeric(left) && numeric(right)) {
    if (left.is_float() || right.is_float()) return float_op(op, left.as_float(), right.as_float());
    return integer_op(op, left.as_int(), right.as_int());
  }
  if (op == "+") {
    if (left.is_array() && right.is_array()) {
      std::vector<Value> items = left.array().items;
      items.insert(items.end(), right.array().items.begin(), right.array().items.end());
      TRY(runtime.step(static_cast<int64_t>(items.size())));
      return runtime.make_array(std::move(items));
    }
    // @huggingface/jinja concatenates a string with anything by its printed form.
    if (left.is_string() || right.is_string()) {
      const std::string& first = left.is_string() ? left.as_string() : TRY(to_display(left));
      return runtime.make_string(first + TRY(to_display(right)));
    }
  }
  if (op == "*") {
    if ((left.is_string() || left.is_array()) && (right.is_int() || right.is_bool())) {
      return repeat(runtime, left, right.as_int());
    }
    if ((right.is_string() || right.is_array()) && (left.is_int() || left.is_bool())) {
      return repeat(runtime, right, left.as_int());
    }
  }
  return invalid_argument("unsupported operand types for ", op, ": ", left.type_name(), " and ", right.type_name());
}

Result<Value> apply_unary(std::string_view op, const Value& operand) {
  if (operand.is_float()) return Value::number(op == "-" ? -operand.as_float() : operand.as_float());
  if (operand.is_int() || operand.is_bool()) {
    const int64_t value = operand.as_int();
    if (op == "+") return Value::integer(value);
    if (value == INT64_MIN) return out_of_range("integer overflow in unary -");
    return Value::integer(-value);
  }
  return invalid_argument("bad operand type for unary ", op, ": ", operand.type_name());
}

}  // namespace loom::jinja
