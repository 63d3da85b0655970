// Filters over lists (and anything iterable): first, last, join, map, select,
// selectattr, sort, unique, dictsort, items, batch, sum, min, max...
#include <algorithm>

#include "jinja/builtins.h"
#include "jinja/utf8.h"

namespace loom::jinja {
namespace {

// What `for x in value` visits: list items, dict keys, string characters.
Result<std::vector<Value>> iterate(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kArray: return value.array().items;
    case Value::Kind::kObject:
    case Value::Kind::kNamespace: {
      std::vector<Value> keys;
      for (const auto& entry : value.object().entries()) keys.push_back(Value::string(entry.first));
      return keys;
    }
    case Value::Kind::kString: {
      std::vector<Value> characters;
      const std::string& text = value.as_string();
      const auto offsets = code_point_offsets(text);
      for (size_t i = 0; i + 1 < offsets.size(); ++i) characters.push_back(Value::string(text.substr(offsets[i], offsets[i + 1] - offsets[i])));
      return characters;
    }
    case Value::Kind::kUndefined: return std::vector<Value>();
    default: return invalid_argument(value.type_name(), " is not iterable");
  }
}

bool flag(const Value* value, bool fallback) { return value == nullptr ? fallback : value->truthy(); }

// Arguments after the first `skip` positional ones, for a nested test or filter.
CallArgs rest_arguments(const CallArgs& args, size_t skip) {
  CallArgs rest;
  for (size_t i = skip; i < args.positional.size(); ++i) rest.positional.push_back(args.positional[i]);
  rest.keyword = args.keyword;
  return rest;
}

Result<Value> select_filter(Runtime& runtime, std::string_view name, const Value& operand, CallArgs& args) {
  const bool by_attribute = name == "selectattr" || name == "rejectattr";
  const bool keep_matches = name == "select" || name == "selectattr";
  const size_t test_index = by_attribute ? 1 : 0;
  const Value* attribute = by_attribute ? args.get(0, "attribute") : nullptr;
  if (by_attribute && attribute == nullptr) return invalid_argument(name, "() needs an attribute name");
  const Value* test = test_index < args.positional.size() ? &args.positional[test_index] : nullptr;
  if (test != nullptr && !test->is_string()) return invalid_argument(name, "() test name must be a string");
  const CallArgs test_args = rest_arguments(args, test_index + 1);
  std::vector<Value> kept;
  for (const Value& item : TRY(iterate(operand))) {
    TRY(runtime.step());
    const Value subject = attribute != nullptr ? TRY(get_attribute_path(runtime, item, *attribute)) : item;
    const bool matched = test != nullptr ? TRY(apply_test(runtime, test->as_string(), subject, test_args)) : subject.truthy();
    if (matched == keep_matches) kept.push_back(item);
  }
  return runtime.make_array(std::move(kept));
}

Result<Value> map_filter(Runtime& runtime, const Value& operand, CallArgs& args) {
  std::vector<Value> mapped;
  if (const Value* attribute = args.keyword_arg("attribute")) {
    const Value* fallback = args.keyword_arg("default");
    for (const Value& item : TRY(iterate(operand))) {
      TRY(runtime.step());
      Value value = TRY(get_attribute_path(runtime, item, *attribute));
      if (value.is_undefined() && fallback != nullptr) value = *fallback;
      mapped.push_back(std::move(value));
    }
    return runtime.make_array(std::move(mapped));
  }
  if (args.positional.empty() || !args.positional[0].is_string()) {
    return invalid_argument("map() takes a filter name or attribute=");
  }
  const std::string filter = args.positional[0].as_string();
  CallArgs filter_args = rest_arguments(args, 1);
  for (const Value& item : TRY(iterate(operand))) {
    CallArgs copy = filter_args;
    mapped.push_back(TRY(apply_filter(runtime, filter, item, copy)));
  }
  return runtime.make_array(std::move(mapped));
}

// Sort key: the item or its attribute; strings fold case unless asked not to.
Result<Value> sort_filter(Runtime& runtime, const Value& operand, CallArgs& args) {
  const bool reverse = flag(args.get(0, "reverse"), false);
  const bool case_sensitive = flag(args.get(1, "case_sensitive"), false);
  const Value* attribute = args.get(2, "attribute");
  std::vector<Value> items = TRY(iterate(operand));
  TRY(runtime.step(static_cast<int64_t>(items.size())));
  std::vector<std::pair<Value, Value>> keyed;
  for (const Value& item : items) {
    keyed.emplace_back(attribute != nullptr ? TRY(get_attribute_path(runtime, item, *attribute)) : item, item);
  }
  Status failure;
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    if (!failure.ok()) return false;
    const Result<int> order = compare_values(a.first, b.first, case_sensitive);
    if (!order.ok()) {
      failure = order.status();
      return false;
    }
    return reverse ? *order > 0 : *order < 0;
  });
  TRY(failure);
  std::vector<Value> sorted;
  for (auto& entry : keyed) sorted.push_back(std::move(entry.second));
  return runtime.make_array(std::move(sorted));
}

Result<Value> unique_filter(Runtime& runtime, const Value& operand, CallArgs& args) {
  const bool case_sensitive = flag(args.get(0, "case_sensitive"), false);
  const Value* attribute = args.get(1, "attribute");
  std::vector<Value> kept, keys;
  for (const Value& item : TRY(iterate(operand))) {
    TRY(runtime.step(1 + static_cast<int64_t>(keys.size() >> 6)));
    Value key = attribute != nullptr ? TRY(get_attribute_path(runtime, item, *attribute)) : item;
    if (!case_sensitive && key.is_string()) key = Value::string(ascii_lower(key.as_string()));
    const bool seen = std::any_of(keys.begin(), keys.end(), [&](const Value& other) { return values_equal(other, key); });
    if (seen) continue;
    keys.push_back(key);
    kept.push_back(item);
  }
  return runtime.make_array(std::move(kept));
}

Result<Value> dictsort_filter(Runtime& runtime, const Value& operand, CallArgs& args) {
  if (!operand.has_entries()) return invalid_argument("dictsort needs a dict, got ", operand.type_name());
  const bool case_sensitive = flag(args.get(0, "case_sensitive"), false);
  const Value* by = args.get(1, "by");
  const bool by_value = by != nullptr && by->is_string() && by->as_string() == "value";
  const bool reverse = flag(args.get(2, "reverse"), false);
  std::vector<Value> pairs;
  for (const auto& [key, value] : operand.object().entries()) {
    pairs.push_back(TRY(runtime.make_array({Value::string(key), value})));
  }
  CallArgs sort_args;
  sort_args.keyword = {{"reverse", Value::boolean(reverse)},
                       {"case_sensitive", Value::boolean(case_sensitive)},
                       {"attribute", Value::integer(by_value ? 1 : 0)}};
  return sort_filter(runtime, TRY(runtime.make_array(std::move(pairs))), sort_args);
}

Result<Value> min_max_filter(Runtime& runtime, const Value& operand, CallArgs& args, bool want_max) {
  const bool case_sensitive = flag(args.get(0, "case_sensitive"), false);
  const Value* attribute = args.get(1, "attribute");
  Value best, best_key;
  for (const Value& item : TRY(iterate(operand))) {
    Value key = attribute != nullptr ? TRY(get_attribute_path(runtime, item, *attribute)) : item;
    bool take = best.is_undefined();
    if (!take) {
      const int order = TRY(compare_values(key, best_key, case_sensitive));
      take = want_max ? order > 0 : order < 0;
    }
    if (take) {
      best = item;
      best_key = key;
    }
  }
  return best;
}

}  // namespace

Result<Value> apply_sequence_filter(Runtime& runtime, std::string_view name, const Value& operand, CallArgs& args) {
  if (name == "first" || name == "last") {
    if (operand.is_array()) {
      const auto& items = operand.array().items;
      if (items.empty()) return Value();
      return name == "first" ? items.front() : items.back();
    }
    const std::vector<Value> items = TRY(iterate(operand));
    if (items.empty()) return Value();
    return name == "first" ? items.front() : items.back();
  }
  if (name == "list") {
    if (operand.is_array()) return operand;
    return runtime.make_array(TRY(iterate(operand)));
  }
  if (name == "reverse") {
    if (operand.is_string()) {
      std::vector<Value> characters = TRY(iterate(operand));
      std::string out;
      for (auto it = characters.rbegin(); it != characters.rend(); ++it) out += it->as_string();
      return runtime.make_string(std::move(out));
    }
    std::vector<Value> items = TRY(iterate(operand));
    std::reverse(items.begin(), items.end());
    return runtime.make_array(std::move(items));
  }
  if (name == "join") {
    const Value* separator = args.get(0, "d");
    const std::string glue = separator != nullptr ? TRY(to_display(*separator)) : "";
    const Value* attribute = args.get(1, "attribute");
    std::string out;
    bool first = true;
    for (const Value& item : TRY(iterate(operand))) {
      if (!first) out += glue;
      first = false;
      out += TRY(to_display(attribute != nullptr ? TRY(get_attribute_path(runtime, item, *attribute)) : item));
      TRY(runtime.check_size(out.size()));
    }
    return runtime.make_string(std::move(out));
  }
  if (name == "items") {
    if (operand.is_undefined()) return runtime.make_array({});
    if (!operand.has_entries()) return invalid_argument("items needs a dict, got ", operand.type_name());
    CallArgs none;
    const Value method = TRY(get_attribute(runtime, operand, "items"));
    if (method.is_function()) return method.as_function().call(runtime, none);
    std::vector<Value> pairs;  // a namespace, or a dict with an "items" key
    for (const auto& [key, value] : operand.object().entries()) pairs.push_back(TRY(runtime.make_array({Value::string(key), value})));
    return runtime.make_array(std::move(pairs));
  }
  if (name == "map") return map_filter(runtime, operand, args);
  if (name == "select" || name == "reject" || name == "selectattr" || name == "rejectattr") {
    return select_filter(runtime, name, operand, args);
  }
  if (name == "sort") return sort_filter(runtime, operand, args);
  if (name == "unique") return unique_filter(runtime, operand, args);
  if (name == "dictsort") return dictsort_filter(runtime, operand, args);
  if (name == "min" || name == "max") return min_max_filter(runtime, operand, args, name == "max");
  if (name == "sum") {
    const Value* attribute = args.get(0, "attribute");
    Value total = args.get(1, "start") ? *args.get(1, "start") : Value::integer(0);
    for (const Value& item : TRY(iterate(operand))) {
      const Value term = attribute != nullptr ? TRY(get_attribute_path(runtime, item, *attribute)) : item;
      total = TRY(apply_binary(runtime, "+", total, term));
    }
    return total;
  }
  if (name == "batch") {
    const Value* size = args.get(0, "linecount");
    if (size == nullptr || !size->is_int() || size->as_int() <= 0) return invalid_argument("batch needs a positive size");
    const Value* fill = args.get(1, "fill_with");
    const auto count = static_cast<size_t>(size->as_int());
    std::vector<Value> batches, current;
    for (const Value& item : TRY(iterate(operand))) {
      current.push_back(item);
      if (current.size() == count) batches.push_back(TRY(runtime.make_array(std::exchange(current, {}))));
    }
    if (!current.empty()) {
      if (fill != nullptr) {
        TRY(runtime.step(static_cast<int64_t>(std::min<size_t>(count, 1u << 24))));
        while (current.size() < count) current.push_back(*fill);
      }
      batches.push_back(TRY(runtime.make_array(std::move(current))));
    }
    return runtime.make_array(std::move(batches));
  }
  return not_found("no sequence filter");
}

}  // namespace loom::jinja
