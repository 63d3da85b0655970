// Filters on scalars and strings (trim, upper, default, tojson, int, indent...)
// and the dispatch to the list filters in filters_sequence.cc.
#include <cmath>

#include "jinja/builtins.h"
#include "jinja/utf8.h"
#include "jinja/value_format.h"

namespace loom::jinja {
namespace {

bool flag(const Value* value, bool fallback) { return value == nullptr ? fallback : value->truthy(); }

Result<Value> tojson_filter(Runtime& runtime, const Value& operand, CallArgs& args) {
  JsonFormat format;
  if (const Value* indent = args.get(0, "indent"); indent != nullptr && !indent->is_none()) {
    if (!indent->is_int()) return invalid_argument("tojson indent must be an integer");
    format.indent = static_cast<int>(std::min<int64_t>(std::max<int64_t>(indent->as_int(), 0), 64));
  }
  format.sort_keys = flag(args.keyword_arg("sort_keys"), false);
  format.ensure_ascii = flag(args.keyword_arg("ensure_ascii"), false);
  if (const Value* separators = args.keyword_arg("separators"); separators != nullptr && !separators->is_none()) {
    if (!separators->is_array() || separators->array().items.size() != 2 || !separators->array().items[0].is_string() ||
        !separators->array().items[1].is_string()) {
      return invalid_argument("tojson separators must be two strings");
    }
    format.item_separator = separators->array().items[0].as_string();
    format.key_separator = separators->array().items[1].as_string();
  }
  std::string out;
  TRY(append_json(out, operand, format));
  return runtime.make_string(std::move(out));
}

// Python's int(): optional sign, digits, surrounding whitespace.
std::optional<int64_t> parse_int(const std::string& text) {
  const std::string trimmed = trim(text, TrimSide::kBoth);
  if (trimmed.empty()) return std::nullopt;
  size_t pos = (trimmed[0] == '+' || trimmed[0] == '-') ? 1 : 0;
  if (pos == trimmed.size()) return std::nullopt;
  for (size_t i = pos; i < trimmed.size(); ++i) {
    if (!((trimmed[i] >= '0' && trimmed[i] <= '9') || trimmed[i] == '_')) return std::nullopt;
  }
  errno = 0;
  std::string digits;
  for (char c : trimmed) if (c != '_') digits.push_back(c);
  const long long value = std::strtoll(digits.c_str(), nullptr, 10);
  if (errno == ERANGE) return std::nullopt;
  return value;
}

std::optional<double> parse_float(const std::string& text) {
  const std::string trimmed = trim(text, TrimSide::kBoth);
  if (trimmed.empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(trimmed.c_str(), &end);
  if (end != trimmed.c_str() + trimmed.size()) return std::nullopt;
  return value;
}

Result<Value> int_filter(const Value& operand, CallArgs& args) {
  const Value fallback = args.get(0, "default") ? *args.get(0, "default") : Value::integer(0);
  switch (operand.kind()) {
    case Value::Kind::kInt:
    case Value::Kind::kBool: return Value::integer(operand.as_int());
    case Value::Kind::kFloat: {
      const double value = operand.as_float();
      if (!std::isfinite(value) || std::fabs(value) >= 9.2e18) return fallback;
      return Value::integer(static_cast<int64_t>(value));  // truncates toward zero, as Python's int()
    }
    case Value::Kind::kString: {
      if (const auto value = parse_int(operand.as_string())) return Value::integer(*value);
      if (const auto value = parse_float(operand.as_string()); value && std::isfinite(*value) && std::fabs(*value) < 9.2e18) {
        return Value::integer(static_cast<int64_t>(*value));
      }
      return fallback;
    }
    default: return fallback;
  }
}

Result<Value> float_filter(const Value& operand, CallArgs& args) {
  const Value fallback = args.get(0, "default") ? *args.get(0, "default") : Value::number(0.0);
  if (operand.is_number() || operand.is_bool()) return Value::number(operand.as_float());
  if (operand.is_string()) {
    if (const auto value = parse_float(operand.as_string())) return Value::number(*value);
  }
  return fallback;
}

Result<Value> round_filter(const Value& operand, CallArgs& args) {
  if (!operand.is_number() && !operand.is_bool()) return invalid_argument("round needs a number, got ", operand.type_name());
  const Value* precision_arg = args.get(0, "precision");
  const int64_t precision = precision_arg != nullptr && precision_arg->is_int() ? precision_arg->as_int() : 0;
  const Value* method_arg = args.get(1, "method");
  const std::string method = method_arg != nullptr && method_arg->is_string() ? method_arg->as_string() : "common";
  const double scale = std::pow(10.0, static_cast<double>(std::clamp<int64_t>(precision, -300, 300)));
  const double value = operand.as_float() * scale;
  double rounded;
  if (method == "common") rounded = std::round(value);  // half away from zero, as Jinja's round
  else if (method == "ceil") rounded = std::ceil(value);
  else if (method == "floor") rounded = std::floor(value);
  else return invalid_argument("round method must be common, ceil or floor");
  return Value::number(rounded / scale);
}

Result<Value> indent_filter(Runtime& runtime, const std::string& text, CallArgs& args) {
  const Value* width = args.get(0, "width");
  std::string pad = "    ";
  if (width != nullptr && width->is_string()) pad = width->as_string();
  else if (width != nullptr && width->is_int()) pad = std::string(static_cast<size_t>(std::clamp<int64_t>(width->as_int(), 0, 256)), ' ');
  const bool first = flag(args.get(1, "first"), false);
  const bool blank = flag(args.get(2, "blank"), false);
  std::string out;
  size_t start = 0;
  bool first_line = true;
  while (true) {
    const size_t newline = text.find('\n', start);
    const std::string_view line = std::string_view(text).substr(start, newline == std::string::npos ? std::string::npos : newline - start);
    if ((!first_line || first) && (blank || !line.empty())) out += pad;
    out += line;
    if (newline == std::string::npos) break;
    out += '\n';
    start = newline + 1;
    first_line = false;
    TRY(runtime.check_size(out.size()));
  }
  return runtime.make_string(std::move(out));
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// printf-style "%s" | format(args): %s %d %i %f %r %%.
Result<std::string> percent_format(const std::string& pattern, const CallArgs& args) {
  std::string out;
  size_t next = 0;
  for (size_t pos = 0; pos < pattern.size(); ++pos) {
    if (pattern[pos] != '%' || pos + 1 >= pattern.size()) {
      out.push_back(pattern[pos]);
      continue;
    }
    const char spec = pattern[++pos];
    if (spec == '%') {
      out.push_back('%');
      continue;
    }
    if (next >= args.positional.size()) return invalid_argument("format: not enough arguments");
    const Value& value = args.positional[next++];
    if (spec == 's' || spec == 'r') out += TRY(display_string(value));
    else if ((spec == 'd' || spec == 'i') && (value.is_number() || value.is_bool())) out += std::to_string(static_cast<int64_t>(value.as_float()));
    else if (spec == 'f' && (value.is_number() || value.is_bool())) out += std::to_string(value.as_float());
    else return invalid_argument("format: unsupported conversion '%", std::string(1, spec), "' for ", value.type_name());
  }
  return out;
}

Result<Value> string_filter(Runtime& runtime, std::string_view name, const std::string& text, CallArgs& args) {
  if (name == "trim") {
    const Value* chars = args.get(0, "chars");
    if (chars != nullptr && chars->is_string()) {
      const std::string_view set = chars->as_string();
      return runtime.make_string(trim(text, TrimSide::kBoth, &set));
    }
    return runtime.make_string(trim(text, TrimSide::kBoth));
  }
  if (name == "upper") return runtime.make_string(ascii_upper(text));
  if (name == "lower") return runtime.make_string(ascii_lower(text));
  if (name == "capitalize" || name == "title") {
    CallArgs none;
    const Value method = TRY(get_attribute(runtime, Value::string(text), name));
    return method.as_function().call(runtime, none);
  }
  if (name == "replace") {
    const Value* old_text = args.get(0, "old");
    const Value* new_text = args.get(1, "new");
    if (old_text == nullptr || new_text == nullptr || !old_text->is_string()) return invalid_argument("replace(old, new[, count])");
    const Value* count = args.get(2, "count");
    const std::string replacement = TRY(to_display(*new_text));
    if (old_text->as_string().empty()) TRY(runtime.check_size(text.size() * (replacement.size() + 1) + replacement.size()));
    TRY(runtime.step(static_cast<int64_t>(text.size() >> 10)));
    return runtime.make_string(replace_all(text, old_text->as_string(), replacement,
                                           count != nullptr && count->is_int() ? count->as_int() : -1));
  }
  if (name == "indent") return indent_filter(runtime, text, args);
  if (name == "center") {
    const Value* width = args.get(0, "width");
    const int64_t target = std::min<int64_t>(width != nullptr && width->is_int() ? width->as_int() : 80, 1 << 20);
    const auto length = static_cast<int64_t>(code_point_count(text));
    if (length >= target) return Value::string(text);
    const int64_t left = (target - length) / 2 + ((target - length) % 2 != 0 && target % 2 != 0 ? 1 : 0);
    return runtime.make_string(std::string(static_cast<size_t>(left), ' ') + text +
                               std::string(static_cast<size_t>(target - length - left), ' '));
  }
  if (name == "wordcount") {
    int64_t words = 0;
    bool in_word = false;
    for (char c : text) {
      const bool word = c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (static_cast<uint8_t>(c) >= 0x80);
      if (word && !in_word) ++words;
      in_word = word;
    }
    return Value::integer(words);
  }
  if (name == "format") return runtime.make_string(TRY(percent_format(text, args)));
  if (name == "e" || name == "escape" || name == "forceescape") return runtime.make_string(html_escape(text));
  return not_found("no string filter");
}

}  // namespace

Result<Value> apply_filter(Runtime& runtime, std::string_view name, const Value& operand, CallArgs& args) {
  TRY(runtime.step());
  if (name == "default" || name == "d") {
    const Value* fallback = args.get(0, "default_value");
    const bool boolean = flag(args.get(1, "boolean"), false);
    if (operand.is_undefined() || (boolean && !operand.truthy())) return fallback ? *fallback : Value::string("");
    return operand;
  }
  if (name == "safe") return operand;
  if (name == "tojson") return tojson_filter(runtime, operand, args);
  if (name == "string") return operand.is_string() ? operand : runtime.make_string(TRY(to_display(operand)));
  if (name == "int") return int_filter(operand, args);
  if (name == "float") return float_filter(operand, args);
  if (name == "bool") return Value::boolean(operand.truthy());
  if (name == "round") return round_filter(operand, args);
  if (name == "abs") {
    if (operand.is_float()) return Value::number(std::fabs(operand.as_float()));
    if (operand.is_int() || operand.is_bool()) {
      if (operand.as_int() == INT64_MIN) return out_of_range("integer overflow in abs");
      return Value::integer(std::abs(operand.as_int()));
    }
    return invalid_argument("abs needs a number, got ", operand.type_name());
  }
  if (name == "length" || name == "count") {
    switch (operand.kind()) {
      case Value::Kind::kString: return Value::integer(static_cast<int64_t>(code_point_count(operand.as_string())));
      case Value::Kind::kArray: return Value::integer(static_cast<int64_t>(operand.array().items.size()));
      case Value::Kind::kObject:
      case Value::Kind::kNamespace: return Value::integer(static_cast<int64_t>(operand.object().size()));
      case Value::Kind::kUndefined: return Value::integer(0);
      default: return invalid_argument("object of type ", operand.type_name(), " has no length");
    }
  }
  if (name == "attr") {
    const Value* attribute = args.get(0, "name");
    if (attribute == nullptr || !attribute->is_string()) return invalid_argument("attr(name) takes a string");
    return get_attribute(runtime, operand, attribute->as_string());
  }
  if (operand.is_string()) {
    Result<Value> result = string_filter(runtime, name, operand.as_string(), args);
    if (result.ok() || result.status().code() != StatusCode::kNotFound) return result;
  }
  Result<Value> result = apply_sequence_filter(runtime, name, operand, args);
  if (result.ok() || result.status().code() != StatusCode::kNotFound) return result;
  static constexpr std::string_view kStringFilters[] = {"trim", "upper", "lower", "capitalize", "title", "replace",
                                                        "indent", "center", "wordcount", "format", "e", "escape",
                                                        "forceescape"};
  for (std::string_view known : kStringFilters) {
    if (known == name) {
      if (operand.is_undefined() || operand.is_none() || operand.is_number() || operand.is_bool()) {
        // Jinja converts the operand to a string first.
        CallArgs copy = args;
        const std::string text = (operand.is_undefined() || operand.is_none()) ? "" : TRY(to_display(operand));
        return string_filter(runtime, name, text, copy);
      }
      return invalid_argument("filter '", name, "' needs a string, got ", operand.type_name());
    }
  }
  return invalid_argument("unknown filter '", name, "'");
}

}  // namespace loom::jinja
