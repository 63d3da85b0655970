// Attribute and item access, slicing, and the Python methods templates call on
// strings (strip, split, startswith...), lists (append, pop...) and dicts
// (get, items, keys, values).
#include <algorithm>

#include "jinja/builtins.h"
#include "jinja/utf8.h"
#include "jinja/value_format.h"

namespace loom::jinja {

Result<std::string> to_display(const Value& value) { return display_string(value); }

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

std::string ascii_upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return out;
}

namespace {

using Method = Result<Value> (*)(Runtime&, const Value& self, CallArgs& args);

Result<std::string> string_arg(const CallArgs& args, size_t position, std::string_view name, std::string_view method) {
  const Value* value = args.get(position, name);
  if (value == nullptr || !value->is_string()) {
    return invalid_argument(method, "() expects a string for '", name, "'");
  }
  return value->as_string();
}

Result<Value> strip_method(Runtime& runtime, const Value& self, const CallArgs& args, TrimSide side) {
  const Value* chars = args.get(0, "chars");
  if (chars != nullptr && chars->is_string()) {
    const std::string_view set = chars->as_string();
    return runtime.make_string(trim(self.as_string(), side, &set));
  }
  return runtime.make_string(trim(self.as_string(), side));
}

// Python's str.split / str.rsplit.
Result<Value> split_method(Runtime& runtime, const Value& self, const CallArgs& args, bool from_right) {
  const std::string& text = self.as_string();
  const Value* separator = args.get(0, "sep");
  const Value* limit = args.get(1, "maxsplit");
  int64_t maxsplit = (limit != nullptr && limit->is_int()) ? limit->as_int() : -1;
  std::vector<std::string> parts;
  if (separator == nullptr || separator->is_none() || separator->is_undefined()) {
    std::vector<std::pair<size_t, size_t>> words;  // runs of non-whitespace
    size_t pos = 0;
    while (pos < text.size()) {
      size_t length = 1;
      if (is_unicode_space(decode_code_point(text, pos, &length))) {
        pos += length;
        continue;
      }
      const size_t start = pos;
      while (pos < text.size() && !is_unicode_space(decode_code_point(text, pos, &length))) pos += length;
      words.emplace_back(start, pos);
    }
    if (maxsplit >= 0 && words.size() > static_cast<size_t>(maxsplit)) {
      const size_t keep = static_cast<size_t>(maxsplit);
      if (!from_right) {
        for (size_t i = 0; i < keep; ++i) parts.push_back(text.substr(words[i].first, words[i].second - words[i].first));
        parts.push_back(text.substr(words[keep].first));  // the remainder keeps its trailing space
      } else {
        const size_t first_kept = words.size() - keep;
        parts.push_back(text.substr(0, words[first_kept - 1].second));
        for (size_t i = first_kept; i < words.size(); ++i) parts.push_back(text.substr(words[i].first, words[i].second - words[i].first));
      }
    } else {
      for (const auto& [start, end] : words) parts.push_back(text.substr(start, end - start));
    }
  } else {
    if (!separator->is_string()) return invalid_argument("split() separator must be a string or none");
    const std::string& sep = separator->as_string();
    if (sep.empty()) return invalid_argument("split() got an empty separator");
    std::vector<size_t> cuts;
    size_t pos = 0;
    while ((pos = text.find(sep, pos)) != std::string::npos) {
      cuts.push_back(pos);
      pos += sep.size();
    }
    if (maxsplit >= 0 && cuts.size() > static_cast<size_t>(maxsplit)) {
      if (from_right) {
        cuts.erase(cuts.begin(), cuts.end() - maxsplit);
      } else {
        cuts.resize(static_cast<size_t>(maxsplit));
      }
    }
    size_t start = 0;
    for (size_t cut : cuts) {
      parts.push_back(text.substr(start, cut - start));
      start = cut + sep.size();
    }
    parts.push_back(text.substr(start));
  }
  std::vector<Value> items;
  for (auto& part : parts) items.push_back(Value::string(std::move(part)));
  return runtime.make_array(std::move(items));
}

bool affix_matches(const std::string& text, const std::string& affix, bool prefix) {
  if (affix.size() > text.size()) return false;
  return prefix ? text.compare(0, affix.size(), affix) == 0 : text.compare(text.size() - affix.size(), affix.size(), affix) == 0;
}

Result<Value> affix_method(const Value& self, const CallArgs& args, bool prefix) {
  const Value* affix = args.get(0, prefix ? "prefix" : "suffix");
  if (affix != nullptr && affix->is_string()) return Value::boolean(affix_matches(self.as_string(), affix->as_string(), prefix));
  if (affix != nullptr && affix->is_array()) {
    for (const Value& item : affix->array().items) {
      if (!item.is_string()) return invalid_argument(prefix ? "startswith" : "endswith", "() tuple items must be strings");
      if (affix_matches(self.as_string(), item.as_string(), prefix)) return Value::boolean(true);
    }
    return Value::boolean(false);
  }
  return invalid_argument(prefix ? "startswith" : "endswith", "() expects a string or a tuple of strings");
}

}  // namespace

// Python's str.replace (an empty `old` inserts between characters).
std::string replace_all(const std::string& text, const std::string& old_text, const std::string& new_text, int64_t count) {
  std::string out;
  if (old_text.empty()) {
    const auto offsets = code_point_offsets(text);  // n + 1 insertion points
    for (size_t i = 0; i < offsets.size(); ++i) {
      if (count < 0 || static_cast<int64_t>(i) < count) out += new_text;
      if (i + 1 < offsets.size()) out.append(text, offsets[i], offsets[i + 1] - offsets[i]);
    }
    return out;
  }
  size_t pos = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    const size_t found = text.find(old_text, pos);
    if (found == std::string::npos) break;
    out.append(text, pos, found - pos);
    out += new_text;
    pos = found + old_text.size();
    ++done;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

namespace {

std::string title_case(const std::string& text) {
  std::string out = text;
  bool previous_cased = false;
  for (char& c : out) {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (letter) c = previous_cased ? ascii_lower(std::string(1, c))[0] : ascii_upper(std::string(1, c))[0];
    previous_cased = letter;
  }
  return out;
}

// str.format with {}, {0} and {name} fields (format specs are not supported).
Result<std::string> format_method(const std::string& pattern, const CallArgs& args) {
  std::string out;
  size_t next_auto = 0;
  for (size_t pos = 0; pos < pattern.size(); ++pos) {
    const char c = pattern[pos];
    if (c == '{' && pos + 1 < pattern.size() && pattern[pos + 1] == '{') {
      out.push_back('{');
      ++pos;
    } else if (c == '}' && pos + 1 < pattern.size() && pattern[pos + 1] == '}') {
      out.push_back('}');
      ++pos;
    } else if (c == '{') {
      const size_t close = pattern.find('}', pos);
      if (close == std::string::npos) return invalid_argument("format(): unmatched '{'");
      const std::string field = pattern.substr(pos + 1, close - pos - 1);
      const Value* value = nullptr;
      if (field.empty()) {
        value = next_auto < args.positional.size() ? &args.positional[next_auto++] : nullptr;
      } else if (std::all_of(field.begin(), field.end(), [](char d) { return d >= '0' && d <= '9'; })) {
        const size_t index = static_cast<size_t>(std::stoul(field));
        value = index < args.positional.size() ? &args.positional[index] : nullptr;
      } else {
        value = args.keyword_arg(field);
      }
      if (value == nullptr) return invalid_argument("format(): no argument for field '{", field, "}'");
      out += TRY(display_string(*value));
      pos = close;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

int64_t int_arg(const CallArgs& args, size_t position, std::string_view name, int64_t fallback) {
  const Value* value = args.get(position, name);
  return (value != nullptr && (value->is_int() || value->is_bool())) ? value->as_int() : fallback;
}

Result<Value> call_string_method(Runtime& runtime, std::string_view name, const Value& self, CallArgs& args) {
  const std::string& text = self.as_string();
  if (name == "upper") return runtime.make_string(ascii_upper(text));
  if (name == "lower") return runtime.make_string(ascii_lower(text));
  if (name == "strip") return strip_method(runtime, self, args, TrimSide::kBoth);
  if (name == "lstrip") return strip_method(runtime, self, args, TrimSide::kLeft);
  if (name == "rstrip") return strip_method(runtime, self, args, TrimSide::kRight);
  if (name == "title") return runtime.make_string(title_case(text));
  if (name == "capitalize") {
    std::string out = ascii_lower(text);
    if (!out.empty()) out[0] = ascii_upper(out.substr(0, 1))[0];
    return runtime.make_string(std::move(out));
  }
  if (name == "startswith") return affix_method(self, args, true);
  if (name == "endswith") return affix_method(self, args, false);
  if (name == "split") return split_method(runtime, self, args, false);
  if (name == "rsplit") return split_method(runtime, self, args, true);
  if (name == "replace") {
    const std::string old_text = TRY(string_arg(args, 0, "old", name));
    const std::string new_text = TRY(string_arg(args, 1, "new", name));
    const int64_t count = int_arg(args, 2, "count", -1);
    TRY(runtime.step(static_cast<int64_t>(text.size() >> 10)));
    if (old_text.empty()) TRY(runtime.check_size(text.size() * (new_text.size() + 1) + new_text.size()));
    return runtime.make_string(replace_all(text, old_text, new_text, count));
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "count") {
    const std::string needle = TRY(string_arg(args, 0, "sub", name));
    if (name == "count") {
      if (needle.empty()) return Value::integer(static_cast<int64_t>(code_point_count(text)) + 1);
      int64_t count = 0;
      for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + needle.size())) ++count;
      return Value::integer(count);
    }
    const size_t found = name == "rfind" ? text.rfind(needle) : text.find(needle);
    if (found == std::string::npos) {
      if (name == "index") return invalid_argument("substring not found");
      return Value::integer(-1);
    }
    return Value::integer(static_cast<int64_t>(code_point_count(std::string_view(text).substr(0, found))));
  }
  if (name == "join") {
    const Value* items = args.get(0, "iterable");
    if (items == nullptr || !items->is_array()) return invalid_argument("join() expects a list");
    std::string out;
    for (size_t i = 0; i < items->array().items.size(); ++i) {
      if (i > 0) out += text;
      out += TRY(display_string(items->array().items[i]));
      TRY(runtime.check_size(out.size()));
    }
    return runtime.make_string(std::move(out));
  }
  if (name == "splitlines") {
    std::vector<Value> lines;
    size_t start = 0;
    for (size_t pos = 0; pos < text.size(); ++pos) {
      if (text[pos] != '\n' && text[pos] != '\r') continue;
      lines.push_back(Value::string(text.substr(start, pos - start)));
      if (text[pos] == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ++pos;
      start = pos + 1;
    }
    if (start < text.size()) lines.push_back(Value::string(text.substr(start)));
    return runtime.make_array(std::move(lines));
  }
  if (name == "format") return runtime.make_string(TRY(format_method(text, args)));
  if (name == "isdigit" || name == "isalpha" || name == "isalnum" || name == "isspace" || name == "islower" ||
      name == "isupper") {
    if (text.empty()) return Value::boolean(false);
    bool all = true, any_cased = false;
    for (char c : text) {
      const bool digit = c >= '0' && c <= '9', lower = c >= 'a' && c <= 'z', upper = c >= 'A' && c <= 'Z';
      const bool space = c == ' ' || (c >= '\t' && c <= '\r');
      any_cased = any_cased || lower || upper;
      if (name == "isdigit") all = all && digit;
      if (name == "isalpha") all = all && (lower || upper);
      if (name == "isalnum") all = all && (lower || upper || digit);
      if (name == "isspace") all = all && space;
      if (name == "islower") all = all && !upper;
      if (name == "isupper") all = all && !lower;
    }
    if (name == "islower" || name == "isupper") all = all && any_cased;
    return Value::boolean(all);
  }
  return not_found("no method");
}

Result<Value> call_list_method(Runtime& runtime, std::string_view name, const Value& self, CallArgs& args) {
  auto& items = self.array().items;
  if (name == "append") {
    if (args.positional.size() != 1) return invalid_argument("append() takes exactly one argument");
    TRY(runtime.step());
    items.push_back(args.positional[0]);
    return Value::none();
  }
  if (name == "extend") {
    const Value* other = args.get(0, "iterable");
    if (other == nullptr || !other->is_array()) return invalid_argument("extend() expects a list");
    const std::vector<Value> copy = other->array().items;
    TRY(runtime.step(static_cast<int64_t>(copy.size())));
    items.insert(items.end(), copy.begin(), copy.end());
    return Value::none();
  }
  if (name == "pop") {
    if (items.empty()) return invalid_argument("pop from empty list");
    int64_t index = int_arg(args, 0, "index", -1);
    if (index < 0) index += static_cast<int64_t>(items.size());
    if (index < 0 || index >= static_cast<int64_t>(items.size())) return out_of_range("pop index out of range");
    Value value = items[static_cast<size_t>(index)];
    items.erase(items.begin() + index);
    return value;
  }
  if (name == "insert") {
    if (args.positional.size() != 2) return invalid_argument("insert() takes two arguments");
    int64_t index = int_arg(args, 0, "index", 0);
    const auto size = static_cast<int64_t>(items.size());
    if (index < 0) index = std::max<int64_t>(0, index + size);
    index = std::min(index, size);
    TRY(runtime.step());
    items.insert(items.begin() + index, args.positional[1]);
    return Value::none();
  }
  if (name == "index" || name == "count") {
    if (args.positional.empty()) return invalid_argument(name, "() takes one argument");
    int64_t count = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!values_equal(items[i], args.positional[0])) continue;
      if (name == "index") return Value::integer(static_cast<int64_t>(i));
      ++count;
    }
    if (name == "index") return invalid_argument("value is not in list");
    return Value::integer(count);
  }
  if (name == "copy") return runtime.make_array(items);
  return not_found("no method");
}

Result<Value> call_dict_method(Runtime& runtime, std::string_view name, const Value& self, CallArgs& args) {
  const ObjectData& object = self.object();
  if (name == "get") {
    const Value* key = args.get(0, "key");
    if (key == nullptr) return invalid_argument("get() takes a key");
    const Value* fallback = args.get(1, "default");
    const Value* found = key->is_string() ? object.find(key->as_string()) : nullptr;
    if (found != nullptr) return *found;
    return fallback != nullptr ? *fallback : Value::none();
  }
  if (name == "items" || name == "keys" || name == "values") {
    std::vector<Value> out;
    TRY(runtime.step(static_cast<int64_t>(object.size())));
    for (const auto& [key, value] : object.entries()) {
      if (name == "keys") out.push_back(Value::string(key));
      else if (name == "values") out.push_back(value);
      else out.push_back(TRY(runtime.make_array({Value::string(key), value})));
    }
    return runtime.make_array(std::move(out));
  }
  if (name == "update") {
    const Value* other = args.get(0, "other");
    if (other != nullptr && other->has_entries()) {
      for (const auto& [key, value] : other->object().entries()) self.object().set(key, value);
    }
    for (const auto& [key, value] : args.keyword) self.object().set(key, value);
    return Value::none();
  }
  if (name == "copy") {
    const Value copy = TRY(runtime.make_object());
    for (const auto& [key, value] : object.entries()) copy.object().set(key, value);
    return copy;
  }
  return not_found("no method");
}

bool is_method_name(const Value& object, std::string_view name) {
  static constexpr std::string_view kString[] = {
      "upper", "lower", "strip", "lstrip", "rstrip", "title", "capitalize", "startswith", "endswith", "split",
      "rsplit", "replace", "find", "rfind", "index", "count", "join", "splitlines", "format", "isdigit",
      "isalpha", "isalnum", "isspace", "islower", "isupper"};
  static constexpr std::string_view kList[] = {"append", "extend", "pop", "insert", "index", "count", "copy"};
  static constexpr std::string_view kDict[] = {"get", "items", "keys", "values", "update", "copy"};
  const auto contains = [&](const auto& names) { return std::find(std::begin(names), std::end(names), name) != std::end(names); };
  if (object.is_string()) return contains(kString);
  if (object.is_array()) return contains(kList);
  if (object.is_object()) return contains(kDict);
  return false;
}

Value bind_method(const Value& self, std::string_view name) {
  auto function = std::make_shared<Function>();
  function->name = std::string(name);
  function->call = [self, method = std::string(name)](Runtime& runtime, CallArgs& args) -> Result<Value> {
    if (self.is_string()) return call_string_method(runtime, method, self, args);
    if (self.is_array()) return call_list_method(runtime, method, self, args);
    return call_dict_method(runtime, method, self, args);
  };
  return Value::function(std::move(function));
}

}  // namespace

Result<Value> get_attribute(Runtime& runtime, const Value& object, std::string_view name) {
  if (object.has_entries()) {
    if (const Value* found = object.object().find(name)) return *found;
  }
  if (name == "length" && (object.is_string() || object.is_array())) {
    return Value::integer(static_cast<int64_t>(object.is_string() ? code_point_count(object.as_string())
                                                                  : object.array().items.size()));
  }
  if (is_method_name(object, name)) {
    TRY(runtime.step());
    return bind_method(object, name);
  }
  return Value();
}

Result<Value> get_item(Runtime& runtime, const Value& object, const Value& key) {
  if (key.is_string()) return get_attribute(runtime, object, key.as_string());
  if (!(key.is_int() || key.is_bool())) return Value();
  int64_t index = key.as_int();
  if (object.is_array()) {
    const auto& items = object.array().items;
    if (index < 0) index += static_cast<int64_t>(items.size());
    if (index < 0 || index >= static_cast<int64_t>(items.size())) return Value();
    return items[static_cast<size_t>(index)];
  }
  if (object.is_string()) {
    const std::string& text = object.as_string();
    const auto offsets = code_point_offsets(text);
    const auto count = static_cast<int64_t>(offsets.size()) - 1;
    if (index < 0) index += count;
    if (index < 0 || index >= count) return Value();
    const auto at = static_cast<size_t>(index);
    return Value::string(text.substr(offsets[at], offsets[at + 1] - offsets[at]));
  }
  return Value();
}

Result<Value> slice_value(Runtime& runtime, const Value& object, const Value& start, const Value& stop,
                          const Value& step) {
  const auto bound = [](const Value& value, const char* what) -> Result<std::optional<int64_t>> {
    if (value.is_undefined() || value.is_none()) return std::optional<int64_t>();
    if (!(value.is_int() || value.is_bool())) return invalid_argument("slice ", what, " must be an integer");
    return std::optional<int64_t>(value.as_int());
  };
  const std::optional<int64_t> first = TRY(bound(start, "start"));
  const std::optional<int64_t> last = TRY(bound(stop, "stop"));
  const int64_t stride = TRY(bound(step, "step")).value_or(1);
  if (stride == 0) return invalid_argument("slice step cannot be zero");
  if (!object.is_array() && !object.is_string()) return invalid_argument("cannot slice ", object.type_name());

  std::vector<size_t> offsets;
  int64_t length = 0;
  if (object.is_string()) {
    offsets = code_point_offsets(object.as_string());
    length = static_cast<int64_t>(offsets.size()) - 1;
  } else {
    length = static_cast<int64_t>(object.array().items.size());
  }
  // Python's slice.indices().
  const int64_t lower = stride < 0 ? -1 : 0;
  const int64_t upper = stride < 0 ? length - 1 : length;
  const auto clamp = [&](std::optional<int64_t> value, int64_t fallback) {
    if (!value) return fallback;
    int64_t v = *value;
    if (v < 0) return std::max(v + length, lower);
    return std::min(v, upper);
  };
  const int64_t begin = clamp(first, stride < 0 ? upper : lower);
  const int64_t end = clamp(last, stride < 0 ? lower : upper);
  std::vector<int64_t> indices;
  for (int64_t i = begin; stride > 0 ? i < end : i > end; i += stride) indices.push_back(i);
  TRY(runtime.step(static_cast<int64_t>(indices.size() >> 4)));
  if (object.is_string()) {
    const std::string& text = object.as_string();
    std::string out;
    for (int64_t i : indices) {
      const auto at = static_cast<size_t>(i);
      out.append(text, offsets[at], offsets[at + 1] - offsets[at]);
    }
    return runtime.make_string(std::move(out));
  }
  std::vector<Value> items;
  for (int64_t i : indices) items.push_back(object.array().items[static_cast<size_t>(i)]);
  return runtime.make_array(std::move(items));
}

Result<Value> get_attribute_path(Runtime& runtime, const Value& object, const Value& path) {
  if (path.is_int()) return get_item(runtime, object, path);
  if (!path.is_string()) return invalid_argument("attribute must be a string or an integer");
  Value current = object;
  const std::string& text = path.as_string();
  size_t start = 0;
  while (true) {
    const size_t dot = text.find('.', start);
    const std::string part = text.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (numeric && current.is_array() && part.size() < 18) {
      current = TRY(get_item(runtime, current, Value::integer(std::stoll(part))));
    } else {
      current = TRY(get_attribute(runtime, current, part));
    }
    if (dot == std::string::npos) return current;
    start = dot + 1;
  }
}

}  // namespace loom::jinja
