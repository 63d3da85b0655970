// Printing values and writing them as JSON.
#include "jinja/value_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "jinja/utf8.h"

namespace loom::jinja {

std::string format_float(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  const std::string_view text(buffer, static_cast<size_t>(result.ptr - buffer));
  // text is "[-]d[.ddd]e[+-]xx"
  const bool negative = text.front() == '-';
  const size_t e_pos = text.find('e');
  std::string digits;
  for (char c : text.substr(negative ? 1 : 0, e_pos - (negative ? 1 : 0))) {
    if (c != '.') digits.push_back(c);
  }
  int exponent = 0;
  std::from_chars(text.data() + e_pos + (text[e_pos + 1] == '+' ? 2 : 1), text.data() + text.size(), exponent);
  std::string out = negative ? "-" : "";
  if (exponent >= -4 && exponent < 16) {
    if (exponent >= 0) {
      const size_t integer_digits = static_cast<size_t>(exponent) + 1;
      if (digits.size() <= integer_digits) {
        out += digits + std::string(integer_digits - digits.size(), '0') + ".0";
      } else {
        out += digits.substr(0, integer_digits) + "." + digits.substr(integer_digits);
      }
    } else {
      out += "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  out += exponent < 0 ? "e-" : "e+";
  const int magnitude = std::abs(exponent);
  if (magnitude < 10) out += "0";
  out += std::to_string(magnitude);
  return out;
}

Status append_display(std::string& out, const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone: return {};
    case Value::Kind::kBool: out += value.as_bool() ? "true" : "false"; return {};
    case Value::Kind::kInt: out += std::to_string(value.as_int()); return {};
    case Value::Kind::kFloat: out += format_float(value.as_float()); return {};
    case Value::Kind::kString: out += value.as_string(); return {};
    case Value::Kind::kFunction: out += "<function " + value.as_function().name + ">"; return {};
    default: {
      JsonFormat format;
      format.undefined_as_null = false;
      return append_json(out, value, format);
    }
  }
}

Result<std::string> display_string(const Value& value) {
  std::string out;
  TRY(append_display(out, value));
  return out;
}

void append_json_string(std::string& out, const std::string& text, bool ensure_ascii) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto append_u = [&](uint32_t unit) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(unit >> shift) & 0xF]);
  };
  out.push_back('"');
  size_t pos = 0;
  while (pos < text.size()) {
    const char c = text[pos];
    const auto byte = static_cast<uint8_t>(c);
    if (byte >= 0x80 && ensure_ascii) {
      size_t length = 1;
      const uint32_t code_point = decode_code_point(text, pos, &length);
      if (code_point >= 0x10000) {
        const uint32_t offset = code_point - 0x10000;
        append_u(0xD800 + (offset >> 10));
        append_u(0xDC00 + (offset & 0x3FF));
      } else {
        append_u(code_point);
      }
      pos += length;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (byte < 0x20) {
          append_u(byte);
        } else {
          out.push_back(c);
        }
    }
    ++pos;
  }
  out.push_back('"');
}

namespace {

void append_newline_indent(std::string& out, const JsonFormat& format, int depth) {
  out.push_back('\n');
  out.append(static_cast<size_t>(format.indent) * static_cast<size_t>(depth), ' ');
}

}  // namespace

Status append_json(std::string& out, const Value& value, const JsonFormat& format, int depth) {
  if (depth > kMaxValueDepth) return resource_exhausted("value nesting exceeds ", kMaxValueDepth, " (or a cycle)");
  const bool pretty = format.indent >= 0;
  const std::string item_separator =
      !format.item_separator.empty() ? format.item_separator : (pretty ? "," : ", ");
  const std::string key_separator = !format.key_separator.empty() ? format.key_separator : ": ";
  switch (value.kind()) {
    case Value::Kind::kUndefined: out += format.undefined_as_null ? "null" : "undefined"; return {};
    case Value::Kind::kNone: out += "null"; return {};
    case Value::Kind::kBool: out += value.as_bool() ? "true" : "false"; return {};
    case Value::Kind::kInt: out += std::to_string(value.as_int()); return {};
    case Value::Kind::kFloat: {
      const double number = value.as_float();
      if (std::isnan(number)) out += "NaN";
      else if (std::isinf(number)) out += number < 0 ? "-Infinity" : "Infinity";
      else out += format_float(number);
      return {};
    }
    case Value::Kind::kString: append_json_string(out, value.as_string(), format.ensure_ascii); return {};
    case Value::Kind::kFunction: return invalid_argument("cannot convert a function to JSON");
    case Value::Kind::kArray: {
      const auto& items = value.array().items;
      out.push_back('[');
      for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += item_separator;
        if (pretty) append_newline_indent(out, format, depth + 1);
        TRY(append_json(out, items[i], format, depth + 1));
      }
      if (pretty && !items.empty()) append_newline_indent(out, format, depth);
      out.push_back(']');
      return {};
    }
    case Value::Kind::kObject:
    case Value::Kind::kNamespace: {
      std::vector<const std::pair<std::string, Value>*> entries;
      for (const auto& entry : value.object().entries()) entries.push_back(&entry);
      if (format.sort_keys) {
        std::stable_sort(entries.begin(), entries.end(),
                         [](const auto* a, const auto* b) { return a->first < b->first; });
      }
      out.push_back('{');
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i > 0) out += item_separator;
        if (pretty) append_newline_indent(out, format, depth + 1);
        append_json_string(out, entries[i]->first, format.ensure_ascii);
        out += key_separator;
        TRY(append_json(out, entries[i]->second, format, depth + 1));
      }
      if (pretty && !entries.empty()) append_newline_indent(out, format, depth);
      out.push_back('}');
      return {};
    }
  }
  return {};
}

}  // namespace loom::jinja
