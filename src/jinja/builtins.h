// The built-in library the interpreter calls into: filters (`x | f`), tests
// (`x is t`), attribute and item access with string/list/dict methods, and the
// global functions (range, namespace, dict, raise_exception, strftime_now).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "jinja/runtime.h"
#include "jinja/value.h"

namespace loom::jinja {

// filters.cc / filters_sequence.cc. Unknown names: "unknown filter 'x'".
Result<Value> apply_filter(Runtime& runtime, std::string_view name, const Value& operand, CallArgs& args);
// Filters that work on lists; nullopt-like: returns a not_found Status for names it does not know.
Result<Value> apply_sequence_filter(Runtime& runtime, std::string_view name, const Value& operand, CallArgs& args);

// predicates.cc. Unknown names: "unknown test 'x'".
Result<bool> apply_test(Runtime& runtime, std::string_view name, const Value& operand, const CallArgs& args);

// methods.cc. `object.name`: a dict's key first, then a method bound to the
// object (or `length`); undefined when neither exists (also for undefined and none).
Result<Value> get_attribute(Runtime& runtime, const Value& object, std::string_view name);
// `object[key]`: dict key, list or string index (negative from the end), else undefined.
Result<Value> get_item(Runtime& runtime, const Value& object, const Value& key);
// `object[start:stop:step]` on lists and strings (strings by code point).
Result<Value> slice_value(Runtime& runtime, const Value& object, const Value& start, const Value& stop,
                          const Value& step);
// A dotted path ("a.b.0") as map(attribute=) and sort(attribute=) take it.
Result<Value> get_attribute_path(Runtime& runtime, const Value& object, const Value& path);

// operators.cc: `a op b` for the arithmetic, comparison, membership and
// concatenation operators ("and"/"or" short-circuit in the interpreter).
Result<Value> apply_binary(Runtime& runtime, std::string_view op, const Value& left, const Value& right);
Result<Value> apply_unary(std::string_view op, const Value& operand);

// globals.cc: the global function `name`, or undefined.
Value lookup_global(std::string_view name);

// Helpers shared by the builtins.
Result<std::string> to_display(const Value& value);
std::string ascii_lower(std::string_view text);
std::string ascii_upper(std::string_view text);
// Python's str.replace; count < 0 replaces all.
std::string replace_all(const std::string& text, const std::string& old_text, const std::string& new_text, int64_t count);

}  // namespace loom::jinja
