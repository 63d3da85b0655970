// Value accessors, truthiness, equality, ordering, JSON conversion and the Heap.
#include "jinja/value.h"

#include <algorithm>
#include <cmath>

namespace loom::jinja {

bool Value::as_bool() const {
  CHECK(kind_ == Kind::kBool);
  return std::get<bool>(storage_);
}

int64_t Value::as_int() const {
  if (kind_ == Kind::kBool) return std::get<bool>(storage_) ? 1 : 0;
  CHECK(kind_ == Kind::kInt);
  return std::get<int64_t>(storage_);
}

double Value::as_float() const {
  if (kind_ == Kind::kFloat) return std::get<double>(storage_);
  return static_cast<double>(as_int());
}

const std::string& Value::as_string() const {
  CHECK(kind_ == Kind::kString);
  return *std::get<std::shared_ptr<const std::string>>(storage_);
}

ArrayData& Value::array() const {
  CHECK(kind_ == Kind::kArray);
  return *std::get<std::shared_ptr<ArrayData>>(storage_);
}

ObjectData& Value::object() const {
  CHECK(has_entries());
  return *std::get<std::shared_ptr<ObjectData>>(storage_);
}

const Function& Value::as_function() const {
  CHECK(kind_ == Kind::kFunction);
  return *std::get<std::shared_ptr<const Function>>(storage_);
}

bool Value::truthy() const {
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNone: return false;
    case Kind::kBool: return as_bool();
    case Kind::kInt: return as_int() != 0;
    case Kind::kFloat: return as_float() != 0.0;
    case Kind::kString: return !as_string().empty();
    case Kind::kArray: return !array().items.empty();
    case Kind::kObject: return object().size() != 0;
    case Kind::kNamespace:
    case Kind::kFunction: return true;
  }
  return false;
}

std::string_view Value::type_name() const {
  switch (kind_) {
    case Kind::kUndefined: return "undefined";
    case Kind::kNone: return "none";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kString: return "string";
    case Kind::kArray: return "list";
    case Kind::kObject: return "dict";
    case Kind::kNamespace: return "namespace";
    case Kind::kFunction: return "function";
  }
  return "unknown";
}

const Value* ObjectData::find(std::string_view key) const {
  if (entries_.size() <= kIndexThreshold) {
    for (const auto& [name, value] : entries_) {
      if (name == key) return &value;
    }
    return nullptr;
  }
  const auto found = index_.find(std::string(key));
  return found == index_.end() ? nullptr : &entries_[found->second].second;
}

void ObjectData::set(const std::string& key, Value value) {
  if (entries_.size() <= kIndexThreshold) {
    for (auto& [name, existing] : entries_) {
      if (name == key) {
        existing = std::move(value);
        return;
      }
    }
  } else if (const auto found = index_.find(key); found != index_.end()) {
    entries_[found->second].second = std::move(value);
    return;
  }
  entries_.emplace_back(key, std::move(value));
  if (entries_.size() == kIndexThreshold + 1) {
    for (size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].first, i);
  } else if (entries_.size() > kIndexThreshold + 1) {
    index_.emplace(key, entries_.size() - 1);
  }
}

const Value* CallArgs::keyword_arg(std::string_view name) const {
  for (const auto& [key, value] : keyword) {
    if (key == name) return &value;
  }
  return nullptr;
}

const Value* CallArgs::get(size_t position, std::string_view name) const {
  if (position < positional.size()) return &positional[position];
  return keyword_arg(name);
}

Heap::~Heap() {
  // Every container is still owned here, so dropping their contents only
  // decrements counts; then the containers themselves die empty.
  for (auto& array : arrays_) std::vector<Value>().swap(array->items);
  for (auto& object : objects_) {
    std::vector<std::pair<std::string, Value>>().swap(object->entries_);
    object->index_.clear();
  }
}

Value Heap::new_array(std::vector<Value> items) {
  std::shared_ptr<ArrayData> array(new ArrayData());
  array->items = std::move(items);
  arrays_.push_back(array);
  return Value(Value::Kind::kArray, std::move(array));
}

Value Heap::new_object(Value::Kind kind) {
  CHECK(kind == Value::Kind::kObject || kind == Value::Kind::kNamespace);
  std::shared_ptr<ObjectData> object(new ObjectData());
  objects_.push_back(object);
  return Value(kind, std::move(object));
}

namespace {

template <typename Json>
Result<Value> convert_json(const Json& json, Heap& heap, int depth) {
  if (depth > kMaxValueDepth) return resource_exhausted("context JSON nesting exceeds ", kMaxValueDepth);
  switch (json.type()) {
    case Json::value_t::null: return Value::none();
    case Json::value_t::boolean: return Value::boolean(json.template get<bool>());
    case Json::value_t::number_integer: return Value::integer(json.template get<int64_t>());
    case Json::value_t::number_unsigned: {
      const uint64_t value = json.template get<uint64_t>();
      if (value > static_cast<uint64_t>(INT64_MAX)) return Value::number(static_cast<double>(value));
      return Value::integer(static_cast<int64_t>(value));
    }
    case Json::value_t::number_float: return Value::number(json.template get<double>());
    case Json::value_t::string: return Value::string(json.template get<std::string>());
    case Json::value_t::array: {
      std::vector<Value> items;
      items.reserve(json.size());
      for (const auto& item : json) items.push_back(TRY(convert_json(item, heap, depth + 1)));
      return heap.new_array(std::move(items));
    }
    case Json::value_t::object: {
      Value object = heap.new_object();
      for (const auto& [key, item] : json.items()) object.object().set(key, TRY(convert_json(item, heap, depth + 1)));
      return object;
    }
    default: return invalid_argument("unsupported JSON value in template context");
  }
}

}  // namespace

Result<Value> value_from_json(const nlohmann::json& json, Heap& heap, int depth) {
  return convert_json(json, heap, depth);
}

Result<Value> value_from_json(const nlohmann::ordered_json& json, Heap& heap, int depth) {
  return convert_json(json, heap, depth);
}

namespace {
bool numeric_like(const Value& value) { return value.is_number() || value.is_bool(); }
}  // namespace

bool values_equal(const Value& a, const Value& b, int depth) {
  if (depth > kMaxValueDepth) return false;
  if (numeric_like(a) && numeric_like(b)) {
    if (a.is_float() || b.is_float()) return a.as_float() == b.as_float();
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone: return true;
    case Value::Kind::kString: return a.as_string() == b.as_string();
    case Value::Kind::kArray: {
      const auto& left = a.array().items;
      const auto& right = b.array().items;
      if (left.size() != right.size()) return false;
      for (size_t i = 0; i < left.size(); ++i) {
        if (!values_equal(left[i], right[i], depth + 1)) return false;
      }
      return true;
    }
    case Value::Kind::kObject: {
      const ObjectData& left = a.object();
      const ObjectData& right = b.object();
      if (left.size() != right.size()) return false;
      for (const auto& [key, value] : left.entries()) {
        const Value* other = right.find(key);
        if (other == nullptr || !values_equal(value, *other, depth + 1)) return false;
      }
      return true;
    }
    case Value::Kind::kNamespace: return &a.object() == &b.object();
    case Value::Kind::kFunction: return &a.as_function() == &b.as_function();
    default: return false;
  }
}

Result<int> compare_values(const Value& a, const Value& b, bool case_sensitive, int depth) {
  if (depth > kMaxValueDepth) return resource_exhausted("value nesting exceeds ", kMaxValueDepth);
  if (numeric_like(a) && numeric_like(b)) {
    if (a.is_float() || b.is_float()) {
      const double x = a.as_float(), y = b.as_float();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    const int64_t x = a.as_int(), y = b.as_int();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    if (case_sensitive) {
      const int result = a.as_string().compare(b.as_string());
      return result < 0 ? -1 : (result > 0 ? 1 : 0);
    }
    std::string x = a.as_string(), y = b.as_string();
    const auto lower = [](std::string& s) {
      for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    lower(x);
    lower(y);
    const int result = x.compare(y);
    return result < 0 ? -1 : (result > 0 ? 1 : 0);
  }
  if (a.is_array() && b.is_array()) {
    const auto& left = a.array().items;
    const auto& right = b.array().items;
    for (size_t i = 0; i < left.size() && i < right.size(); ++i) {
      const int result = TRY(compare_values(left[i], right[i], case_sensitive, depth + 1));
      if (result != 0) return result;
    }
    return left.size() < right.size() ? -1 : (left.size() > right.size() ? 1 : 0);
  }
  if ((a.is_none() && b.is_none()) || (a.is_undefined() && b.is_undefined())) return 0;
  return invalid_argument("cannot compare ", a.type_name(), " with ", b.type_name());
}

}  // namespace loom::jinja
