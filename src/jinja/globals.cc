// Global functions templates call: range, namespace, dict, raise_exception,
// strftime_now (the clock comes from the Runtime so tests can fix the date).
#include <ctime>

#include "jinja/builtins.h"

namespace loom::jinja {
namespace {

Result<Value> range_function(Runtime& runtime, CallArgs& args) {
  int64_t bounds[3] = {0, 0, 1};
  if (args.positional.empty() || args.positional.size() > 3) return invalid_argument("range() takes 1 to 3 arguments");
  for (const Value& value : args.positional) {
    if (!(value.is_int() || value.is_bool())) return invalid_argument("range() arguments must be integers, got ", value.type_name());
  }
  if (args.positional.size() == 1) {
    bounds[1] = args.positional[0].as_int();
  } else {
    bounds[0] = args.positional[0].as_int();
    bounds[1] = args.positional[1].as_int();
    if (args.positional.size() == 3) bounds[2] = args.positional[2].as_int();
  }
  const int64_t start = bounds[0], stop = bounds[1], step = bounds[2];
  if (step == 0) return invalid_argument("range() step must not be zero");
  const long double span = step > 0 ? static_cast<long double>(stop) - start : static_cast<long double>(start) - stop;
  const long double count = span <= 0 ? 0 : (span + (std::abs(static_cast<long double>(step)) - 1)) / std::abs(static_cast<long double>(step));
  TRY(runtime.step(static_cast<int64_t>(std::min<long double>(count, 1e15L))));
  std::vector<Value> items;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    items.push_back(Value::integer(i));
    if (__builtin_add_overflow(i, step, &i)) break;
    i -= step;
  }
  return runtime.make_array(std::move(items));
}

Result<Value> namespace_function(Runtime& runtime, CallArgs& args) {
  const Value object = TRY(runtime.make_object(Value::Kind::kNamespace));
  if (args.positional.size() > 1) return invalid_argument("namespace() takes at most one positional argument");
  if (!args.positional.empty()) {
    const Value& source = args.positional[0];
    if (!source.has_entries()) return invalid_argument("namespace() takes a dict, got ", source.type_name());
    for (const auto& [key, value] : source.object().entries()) object.object().set(key, value);
  }
  for (const auto& [key, value] : args.keyword) object.object().set(key, value);
  return object;
}

Result<Value> dict_function(Runtime& runtime, CallArgs& args) {
  const Value object = TRY(runtime.make_object());
  if (!args.positional.empty()) {
    const Value& source = args.positional[0];
    if (source.has_entries()) {
      for (const auto& [key, value] : source.object().entries()) object.object().set(key, value);
    } else if (source.is_array()) {
      for (const Value& pair : source.array().items) {
        if (!pair.is_array() || pair.array().items.size() != 2 || !pair.array().items[0].is_string()) {
          return invalid_argument("dict() takes [key, value] pairs with string keys");
        }
        object.object().set(pair.array().items[0].as_string(), pair.array().items[1]);
      }
    } else {
      return invalid_argument("dict() takes a dict or a list of pairs, got ", source.type_name());
    }
  }
  for (const auto& [key, value] : args.keyword) object.object().set(key, value);
  return object;
}

Result<Value> raise_exception_function(Runtime&, CallArgs& args) {
  std::string message = "raise_exception()";
  if (!args.positional.empty()) message = TRY(to_display(args.positional[0]));
  return invalid_argument("raised: ", message);
}

Result<Value> strftime_now_function(Runtime& runtime, CallArgs& args) {
  if (args.positional.empty() || !args.positional[0].is_string()) return invalid_argument("strftime_now() takes a format string");
  const auto fixed = runtime.fixed_now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(fixed.value_or(std::chrono::system_clock::now()));
  std::tm parts{};
  if (fixed) {
    gmtime_r(&seconds, &parts);
  } else {
    localtime_r(&seconds, &parts);
  }
  const std::string& format = args.positional[0].as_string();
  if (format.size() > 256) return invalid_argument("strftime_now() format too long");
  char buffer[4096];
  const size_t length = std::strftime(buffer, sizeof(buffer), format.c_str(), &parts);
  return runtime.make_string(std::string(buffer, length));
}

Value make_global(const char* name, NativeFunction function) {
  auto value = std::make_shared<Function>();
  value->name = name;
  value->call = std::move(function);
  return Value::function(std::move(value));
}

}  // namespace

Value lookup_global(std::string_view name) {
  static const Value kRange = make_global("range", range_function);
  static const Value kNamespace = make_global("namespace", namespace_function);
  static const Value kDict = make_global("dict", dict_function);
  static const Value kRaise = make_global("raise_exception", raise_exception_function);
  static const Value kStrftime = make_global("strftime_now", strftime_now_function);
  if (name == "range") return kRange;
  if (name == "namespace") return kNamespace;
  if (name == "dict") return kDict;
  if (name == "raise_exception") return kRaise;
  if (name == "strftime_now") return kStrftime;
  return Value();
}

}  // namespace loom::jinja
