// Shared pieces of the output parsers: incomplete-text cursor, JSON extents,
// call objects, call ids.
#include "chat/output_parser_support.h"

#include <cstdint>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace loom::chat {
namespace {

using nlohmann::json;

// Deeper nesting than any tool call needs; also keeps nlohmann's recursive
// parser far from the stack limit on adversarial input.
constexpr size_t kMaxJsonDepth = 256;

bool allowed_outside_string(char c) {
  if (is_json_space(c) || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case ',': case ':': case '-': case '+': case '.':
    case 'e': case 'E': case 't': case 'r': case 'u': case 'f': case 'a': case 'l': case 's': case 'n':
      return true;
    default:
      return false;
  }
}

// One past the closing quote of the string starting at `pos` (text[pos] == '"').
size_t string_end(std::string_view text, size_t pos) {
  for (size_t i = pos + 1; i < text.size(); ++i) {
    if (text[i] == '\\') ++i;
    else if (text[i] == '"') return i + 1;
  }
  return text.size();
}

// One past the JSON value starting at `pos` in already-validated JSON.
size_t value_end(std::string_view text, size_t pos) {
  if (pos >= text.size()) return pos;
  if (text[pos] == '{' || text[pos] == '[') {
    size_t end = text.size();
    scan_json_extent(text, pos, end);
    return end;
  }
  if (text[pos] == '"') return string_end(text, pos);
  size_t end = pos;
  while (end < text.size() && text[end] != ',' && text[end] != '}' && text[end] != ']' && !is_json_space(text[end]))
    ++end;
  return end;
}

size_t skip_space(std::string_view text, size_t pos) {
  while (pos < text.size() && is_json_space(text[pos])) ++pos;
  return pos;
}

std::string_view trim(std::string_view text) {
  size_t begin = skip_space(text, 0);
  size_t end = text.size();
  while (end > begin && is_json_space(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

// The raw text of member `key` of the (validated) object `text`; "" if absent.
std::string_view raw_member(std::string_view text, std::string_view key) {
  size_t pos = skip_space(text, 0);
  if (pos >= text.size() || text[pos] != '{') return {};
  ++pos;
  while (true) {
    pos = skip_space(text, pos);
    if (pos >= text.size() || text[pos] != '"') return {};
    const size_t key_end = string_end(text, pos);
    json decoded = json::parse(text.substr(pos, key_end - pos), nullptr, /*allow_exceptions=*/false);
    pos = skip_space(text, key_end);
    if (pos >= text.size() || text[pos] != ':') return {};
    const size_t value_begin = skip_space(text, pos + 1);
    const size_t end = value_end(text, value_begin);
    if (decoded.is_string() && decoded.get_ref<const std::string&>() == key)
      return text.substr(value_begin, end - value_begin);
    pos = skip_space(text, end);
    if (pos >= text.size() || text[pos] != ',') return {};
    ++pos;
  }
}

uint64_t fnv1a(std::string_view text, uint64_t hash) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace

bool is_json_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

Match scan_json_extent(std::string_view text, size_t pos, size_t& end) {
  if (pos >= text.size()) return Match::kNeedMore;
  if (text[pos] != '{' && text[pos] != '[') return Match::kNo;
  std::string closers;
  bool in_string = false;
  bool escaped = false;
  for (size_t i = pos; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      else if (static_cast<unsigned char>(c) < 0x20) return Match::kNo;
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '{': closers.push_back('}'); break;
      case '[': closers.push_back(']'); break;
      case '}':
      case ']':
        if (closers.empty() || closers.back() != c) return Match::kNo;
        closers.pop_back();
        if (closers.empty()) {
          end = i + 1;
          return Match::kYes;
        }
        break;
      default:
        if (!allowed_outside_string(c)) return Match::kNo;
    }
    if (closers.size() > kMaxJsonDepth) return Match::kNo;
  }
  return Match::kNeedMore;
}

void Cursor::skip_whitespace() { pos_ = skip_space(text_, pos_); }

Match Cursor::literal(std::string_view expected) {
  std::string_view remaining = rest();
  if (remaining.starts_with(expected)) {
    pos_ += expected.size();
    return Match::kYes;
  }
  return expected.starts_with(remaining) ? Match::kNeedMore : Match::kNo;
}

Match Cursor::json_value(std::string_view& value) {
  skip_whitespace();
  size_t end = 0;
  const Match match = scan_json_extent(text_, pos_, end);
  if (match == Match::kYes) {
    value = text_.substr(pos_, end - pos_);
    pos_ = end;
  }
  return match;
}

Match Cursor::until(std::string_view marker, std::string_view& before) {
  const size_t found = text_.find(marker, pos_);
  if (found == std::string_view::npos) return Match::kNeedMore;
  before = text_.substr(pos_, found - pos_);
  pos_ = found + marker.size();
  return Match::kYes;
}

size_t held_tail_length(std::string_view text, const std::vector<std::string_view>& markers) {
  size_t longest = 0;
  for (std::string_view marker : markers) {
    const size_t limit = std::min(marker.size() - 1, text.size());
    for (size_t length = limit; length > longest; --length) {
      if (text.substr(text.size() - length) == marker.substr(0, length)) {
        longest = length;
        break;
      }
    }
  }
  return longest;
}

Result<std::string> checked_arguments(std::string_view text) {
  std::string_view trimmed = trim(text);
  size_t end = 0;
  if (scan_json_extent(trimmed, 0, end) != Match::kYes || end != trimmed.size())
    return invalid_argument("arguments are not one JSON object");
  json parsed = json::parse(trimmed, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return invalid_argument("arguments are not valid JSON");
  if (!parsed.is_object()) return invalid_argument("arguments are not a JSON object");
  return std::string(trimmed);
}

Result<CallPayload> parse_call_object(std::string_view json_text) {
  std::string_view text = trim(json_text);
  size_t end = 0;
  if (scan_json_extent(text, 0, end) != Match::kYes || end != text.size())
    return invalid_argument("tool call is not one JSON object");
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return invalid_argument("tool call is not valid JSON");
  if (!parsed.is_object()) return invalid_argument("tool call is not a JSON object");
  CallPayload payload;
  auto name = parsed.find("name");
  if (name == parsed.end() || !name->is_string()) return invalid_argument("tool call has no string \"name\"");
  payload.name = name->get<std::string>();
  if (payload.name.empty()) return invalid_argument("tool call has an empty name");
  auto id = parsed.find("id");
  if (id != parsed.end() && id->is_string()) payload.id = id->get<std::string>();

  std::string_view key = parsed.contains("arguments") ? "arguments" : "parameters";
  auto arguments = parsed.find(key);
  if (arguments == parsed.end() || arguments->is_null()) {
    payload.arguments = "{}";
  } else if (arguments->is_object()) {
    payload.arguments = std::string(trim(raw_member(text, key)));
  } else if (arguments->is_string()) {  // some models write the arguments as a JSON string
    payload.arguments = TRY(checked_arguments(arguments->get<std::string>()));
  } else {
    return invalid_argument("tool call \"", key, "\" is not a JSON object");
  }
  return payload;
}

Result<std::vector<CallPayload>> parse_call_array(std::string_view json_text) {
  std::string_view text = trim(json_text);
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_array()) return invalid_argument("tool calls are not a JSON array");
  if (parsed.empty()) return invalid_argument("tool call array is empty");
  std::vector<CallPayload> calls;
  size_t pos = 1;  // past '['
  for (size_t index = 0; index < parsed.size(); ++index) {
    pos = skip_space(text, pos);
    if (!parsed[index].is_object()) return invalid_argument("tool call ", index, " is not a JSON object");
    const size_t end = value_end(text, pos);
    calls.push_back(TRY(parse_call_object(text.substr(pos, end - pos))));
    pos = skip_space(text, end) + 1;  // past ','
  }
  return calls;
}

std::string generated_call_id(std::string_view seed, size_t index, std::string_view name, std::string_view arguments) {
  const std::string key = str_cat(seed, '\0', index, '\0', name, '\0', arguments);
  const uint64_t high = fnv1a(key, 14695981039346656037ull);
  const uint64_t low = fnv1a(key, high ^ 0x9e3779b97f4a7c15ull);
  char digits[32];
  std::snprintf(digits, sizeof(digits), "%016llx%08llx", static_cast<unsigned long long>(high),
                static_cast<unsigned long long>(low & 0xffffffffull));
  return str_cat("call_", digits);
}

std::string json_quote(std::string_view text) { return dump_json(json(std::string(text))); }

}  // namespace loom::chat
