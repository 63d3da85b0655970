// Value: the dynamic type a Jinja template computes with (none, bool, int,
// float, string, list, ordered dict, namespace, function, undefined), and the
// Heap that owns every list and dict a render creates.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace loom::jinja {

class Runtime;
class Value;
struct ArrayData;
class ObjectData;
struct Function;

// Lists, dicts and strings deeper than this are refused: it bounds recursion in
// printing, tojson and comparison (and catches reference cycles).
inline constexpr int kMaxValueDepth = 256;

class Value {
 public:
  enum class Kind : uint8_t { kUndefined, kNone, kBool, kInt, kFloat, kString, kArray, kObject, kNamespace, kFunction };

  Value() = default;  // undefined
  static Value none() { return Value(Kind::kNone, std::monostate{}); }
  static Value boolean(bool value) { return Value(Kind::kBool, value); }
  static Value integer(int64_t value) { return Value(Kind::kInt, value); }
  static Value number(double value) { return Value(Kind::kFloat, value); }
  static Value string(std::string value) {
    return Value(Kind::kString, std::make_shared<const std::string>(std::move(value)));
  }
  static Value function(std::shared_ptr<const Function> function) { return Value(Kind::kFunction, std::move(function)); }

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_float() const { return kind_ == Kind::kFloat; }
  bool is_number() const { return kind_ == Kind::kInt || kind_ == Kind::kFloat; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_object() const { return kind_ == Kind::kObject; }
  bool is_namespace() const { return kind_ == Kind::kNamespace; }
  bool has_entries() const { return kind_ == Kind::kObject || kind_ == Kind::kNamespace; }
  bool is_function() const { return kind_ == Kind::kFunction; }

  // Accessors: CHECK the kind (a wrong kind is a bug in the engine).
  bool as_bool() const;
  int64_t as_int() const;
  double as_float() const;  // ints and bools convert
  const std::string& as_string() const;
  ArrayData& array() const;
  ObjectData& object() const;  // dicts and namespaces
  const Function& as_function() const;

  // Python truthiness (empty containers and strings are false).
  bool truthy() const;
  // Jinja-flavoured type name for error messages: "string", "list", "dict".
  std::string_view type_name() const;

 private:
  friend class Heap;
  using Storage = std::variant<std::monostate, bool, int64_t, double, std::shared_ptr<const std::string>,
                               std::shared_ptr<ArrayData>, std::shared_ptr<ObjectData>, std::shared_ptr<const Function>>;
  template <typename T>
  Value(Kind kind, T&& storage) : kind_(kind), storage_(std::forward<T>(storage)) {}

  Kind kind_ = Kind::kUndefined;
  Storage storage_;
};

struct ArrayData {
  std::vector<Value> items;

 private:
  friend class Heap;
  ArrayData() = default;
};

// An insertion-ordered string-keyed map (Python dicts keep insertion order).
class ObjectData {
 public:
  const Value* find(std::string_view key) const;
  void set(const std::string& key, Value value);
  const std::vector<std::pair<std::string, Value>>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }

 private:
  friend class Heap;
  ObjectData() = default;
  static constexpr size_t kIndexThreshold = 8;  // linear search below this
  std::vector<std::pair<std::string, Value>> entries_;
  std::unordered_map<std::string, size_t> index_;
};

// Arguments of a call: positional, then keyword in source order.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;

  const Value* keyword_arg(std::string_view name) const;
  // The argument at `position`, else the keyword `name`, else nullptr.
  const Value* get(size_t position, std::string_view name) const;
};

using NativeFunction = std::function<Result<Value>(Runtime&, CallArgs&)>;

struct Function {
  std::string name;
  NativeFunction call;
};

// Owns every list and dict created during one render. Templates can build
// reference cycles (a namespace holding itself) and arbitrarily deep chains;
// the Heap's destructor empties each container while it still holds a strong
// reference to all of them, so nothing leaks and no destructor recurses.
class Heap {
 public:
  Heap() = default;
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;
  ~Heap();

  Value new_array(std::vector<Value> items = {});
  Value new_object(Value::Kind kind = Value::Kind::kObject);
  size_t container_count() const { return arrays_.size() + objects_.size(); }

 private:
  std::vector<std::shared_ptr<ArrayData>> arrays_;
  std::vector<std::shared_ptr<ObjectData>> objects_;
};

// Converts parsed JSON (the render context) into values owned by `heap`.
// ordered_json keeps the key order of the input, as Python's json.loads does
// (nlohmann::json sorts keys).
Result<Value> value_from_json(const nlohmann::json& json, Heap& heap, int depth = 0);
Result<Value> value_from_json(const nlohmann::ordered_json& json, Heap& heap, int depth = 0);

// Python equality: 1 == 1.0 == true, lists and dicts compare by content.
bool values_equal(const Value& a, const Value& b, int depth = 0);
// Ordering for sort, min/max and < >: numbers (and bools) with numbers, strings
// with strings (by code point, or case-folded), lists element-wise.
Result<int> compare_values(const Value& a, const Value& b, bool case_sensitive = true, int depth = 0);

}  // namespace loom::jinja
