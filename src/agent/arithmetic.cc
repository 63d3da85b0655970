// Recursive-descent evaluation of calculator expressions.
#include "agent/arithmetic.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace loom::agent {
namespace {

class Evaluator {
 public:
  Evaluator(std::string_view text, const ArithmeticLimits& limits) : text_(text), limits_(limits) {}

  Result<Number> run() {
    skip_spaces();
    if (position_ == text_.size()) return invalid_argument("the expression is empty");
    Number value = TRY(expression());
    skip_spaces();
    if (position_ < text_.size()) {
      if (text_[position_] == ')') return invalid_argument("unmatched ')' at column ", column());
      TRY(check_character());
      return invalid_argument("expected an operator (+ - * / %) at column ", column(), " but found ", found());
    }
    return value;
  }

 private:
  Result<Number> expression() {
    Number value = TRY(term());
    while (true) {
      skip_spaces();
      if (position_ == text_.size() || (text_[position_] != '+' && text_[position_] != '-')) return value;
      const char op = text_[position_++];
      const Number right = TRY(term());
      value = op == '+' ? add(value, right) : subtract(value, right);
      TRY(check_finite(value));
    }
  }

  Result<Number> term() {
    Number value = TRY(unary());
    while (true) {
      skip_spaces();
      if (position_ == text_.size()) return value;
      const char op = text_[position_];
      if (op != '*' && op != '/' && op != '%') return value;
      const size_t op_column = column();
      ++position_;
      const Number right = TRY(unary());
      if (op == '*') {
        value = multiply(value, right);
      } else {
        if (right.as_double() == 0)
          return invalid_argument(op == '/' ? "division" : "remainder", " by zero (the '", std::string(1, op),
                                  "' at column ", op_column, ")");
        value = op == '/' ? divide(value, right) : remainder(value, right);
      }
      TRY(check_finite(value));
    }
  }

  Result<Number> unary() {
    skip_spaces();
    if (++depth_ > limits_.max_depth)
      return invalid_argument("the expression nests deeper than ", limits_.max_depth, " levels");
    Result<Number> value = primary();
    --depth_;
    return value;
  }

  Result<Number> primary() {
    if (position_ == text_.size())
      return invalid_argument("expected a number or '(' at column ", column(), " but the expression ended");
    const char c = text_[position_];
    if (c == '+' || c == '-') {
      ++position_;
      const Number operand = TRY(unary());
      return c == '+' ? operand : negate(operand);
    }
    if (c == '(') {
      const size_t open_column = column();
      ++position_;
      const Number value = TRY(expression());
      skip_spaces();
      if (position_ == text_.size() || text_[position_] != ')') {
        if (position_ < text_.size() && text_[position_] != ')') TRY(check_character());
        return position_ == text_.size()
                   ? invalid_argument("missing ')' for the '(' at column ", open_column)
                   : invalid_argument("expected ')' at column ", column(), " (to close the '(' at column ", open_column,
                                      ") but found ", found());
      }
      ++position_;
      return value;
    }
    if ((c >= '0' && c <= '9') || c == '.') return number();
    TRY(check_character());
    return invalid_argument("expected a number or '(' at column ", column(), " but found ", found());
  }

  Result<Number> number() {
    const size_t start = position_;
    while (position_ < text_.size() && text_[position_] >= '0' && text_[position_] <= '9') ++position_;
    bool decimal = false;
    if (position_ < text_.size() && text_[position_] == '.') {
      decimal = true;
      ++position_;
      const size_t fraction = position_;
      while (position_ < text_.size() && text_[position_] >= '0' && text_[position_] <= '9') ++position_;
      if (fraction == position_ && fraction == start + 1)
        return invalid_argument("'.' at column ", start + 1, " is not part of a number");
    }
    if (position_ < text_.size() && (text_[position_] == '.' || text_[position_] == ','))
      return invalid_argument("unexpected '", std::string(1, text_[position_]), "' at column ", column(),
                              " inside a number (write decimals as 12.5, without thousands separators)");
    const std::string_view literal = text_.substr(start, position_ - start);
    if (!decimal) {
      int64_t integer = 0;
      const auto [end, error] = std::from_chars(literal.data(), literal.data() + literal.size(), integer);
      if (error == std::errc() && end == literal.data() + literal.size()) return Number::of(integer);
    }
    // Decimals, and integers too large for 64 bits.
    double value = 0;
    const auto [end, error] = std::from_chars(literal.data(), literal.data() + literal.size(), value);
    if (error != std::errc() || !std::isfinite(value))
      return invalid_argument("the number at column ", start + 1, " is too large");
    return Number::of(value);
  }

  static Number add(const Number& a, const Number& b) {
    int64_t sum = 0;
    if (a.is_integer && b.is_integer && !__builtin_add_overflow(a.integer, b.integer, &sum)) return Number::of(sum);
    return Number::of(a.as_double() + b.as_double());
  }
  static Number subtract(const Number& a, const Number& b) {
    int64_t difference = 0;
    if (a.is_integer && b.is_integer && !__builtin_sub_overflow(a.integer, b.integer, &difference))
      return Number::of(difference);
    return Number::of(a.as_double() - b.as_double());
  }
  static Number multiply(const Number& a, const Number& b) {
    int64_t product = 0;
    if (a.is_integer && b.is_integer && !__builtin_mul_overflow(a.integer, b.integer, &product))
      return Number::of(product);
    return Number::of(a.as_double() * b.as_double());
  }
  // The divisor is not zero.
  static Number divide(const Number& a, const Number& b) {
    const bool overflows = a.integer == INT64_MIN && b.integer == -1;
    if (a.is_integer && b.is_integer && !overflows && a.integer % b.integer == 0) return Number::of(a.integer / b.integer);
    return Number::of(a.as_double() / b.as_double());
  }
  static Number remainder(const Number& a, const Number& b) {
    if (a.is_integer && b.is_integer) return Number::of(b.integer == -1 ? int64_t{0} : a.integer % b.integer);
    return Number::of(std::fmod(a.as_double(), b.as_double()));
  }
  static Number negate(const Number& a) {
    if (a.is_integer && a.integer != INT64_MIN) return Number::of(-a.integer);
    return Number::of(-a.as_double());
  }

  static Status check_finite(const Number& value) {
    if (value.is_integer || std::isfinite(value.decimal)) return {};
    return invalid_argument("the result is too large to represent");
  }

  // Anything but the characters of the grammar is named as such.
  Status check_character() const {
    const char c = text_[position_];
    if ((c >= '0' && c <= '9') || c == '.' || c == '+' || c == '-' || c == '*' || c == '/' || c == '%' || c == '(' ||
        c == ')')
      return {};
    return invalid_argument("unexpected character ", found(), " at column ", column(),
                            "; only digits, '.', + - * / % ( ) and spaces are allowed");
  }

  // The character at the position, quoted; a whole UTF-8 sequence when it is one.
  std::string found() const {
    if (position_ >= text_.size()) return "the end";
    const auto lead = static_cast<unsigned char>(text_[position_]);
    const size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return str_cat("'", text_.substr(position_, length), "'");
  }

  size_t column() const { return position_ + 1; }
  void skip_spaces() {
    while (position_ < text_.size() && (text_[position_] == ' ' || text_[position_] == '\t' || text_[position_] == '\n'))
      ++position_;
  }

  std::string_view text_;
  const ArithmeticLimits& limits_;
  size_t position_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<Number> evaluate_arithmetic(std::string_view expression, const ArithmeticLimits& limits) {
  if (expression.size() > limits.max_length)
    return invalid_argument("the expression is longer than ", limits.max_length, " bytes");
  return Evaluator(expression, limits).run();
}

std::string format_number(const Number& number) {
  if (number.is_integer) return std::to_string(number.integer);
  if (number.decimal == 0) return "0";  // also -0
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.15g", number.decimal);
  return buffer;
}

}  // namespace loom::agent
