// Arithmetic for the `calculator` tool: + - * / % and parentheses over
// integers and decimals, parsed by hand (nothing is ever handed to an
// interpreter). Errors name what is wrong and where, for the model to fix.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace loom::agent {

// A value is an exact integer while every step stays one (integer operands,
// no overflow, division without remainder); otherwise a double.
struct Number {
  bool is_integer = true;
  int64_t integer = 0;
  double decimal = 0;

  static Number of(int64_t value) { return {.is_integer = true, .integer = value}; }
  static Number of(double value) { return {.is_integer = false, .decimal = value}; }
  double as_double() const { return is_integer ? static_cast<double>(integer) : decimal; }
};

struct ArithmeticLimits {
  size_t max_length = 1000;  // bytes of expression
  int max_depth = 64;        // nested parentheses and unary signs
};

// Grammar: expr = term (('+'|'-') term)*; term = unary (('*'|'/'|'%') unary)*;
// unary = ('+'|'-') unary | '(' expr ')' | number; number = digits ['.' [digits]]
// | '.' digits. Spaces are ignored. `%` is the remainder with the sign of the
// dividend (as in C and JavaScript). Errors (InvalidArgument): empty input, an
// unexpected character or token (with its 1-based column), unbalanced
// parentheses, division or remainder by zero, a result that is not finite.
Result<Number> evaluate_arithmetic(std::string_view expression, const ArithmeticLimits& limits = {});

// Integers in full; decimals with up to 15 significant digits (so 0.1 + 0.2
// prints 0.3), without trailing zeros; an integral decimal below 2^53 prints
// like an integer ("2.5 * 4" -> "10").
std::string format_number(const Number& number);

}  // namespace loom::agent
