// JsonSchemaCompiler: walks a schema and emits grammar expressions; the shared
// JSON pieces (whitespace, strings, numbers, any value) are rules made once.
#include "sample/json_schema.h"

#include <cmath>
#include <set>

#include "sample/json_regex.h"

namespace loom::sample {

using Json = nlohmann::ordered_json;

namespace {

constexpr int kMaxSchemaDepth = 64;
constexpr int64_t kMaxIntegerMagnitude = 999'999'999'999'999;  // 15 digits: below 2^53, exact in a double

const std::set<std::string, std::less<>> kUnsupportedKeywords = {
    "not", "if", "then", "else", "dependentRequired", "dependentSchemas", "dependencies",
    "patternProperties", "propertyNames", "contains", "minContains", "maxContains",
    "minProperties", "maxProperties", "multipleOf", "prefixItems", "additionalItems",
    "unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$recursiveRef", "contentSchema"};

// Keywords that constrain the value (as opposed to annotations and unknown keys).
const std::set<std::string, std::less<>> kValidationKeywords = {
    "type", "enum", "const", "properties", "required", "additionalProperties", "items", "minItems",
    "maxItems", "minLength", "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "nullable"};

std::string pointer_escape(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string child(const std::string& path, std::string_view key) { return path + "/" + pointer_escape(key); }
std::string where(const std::string& path) { return path.empty() ? "/" : path; }

// Resolves a local reference "#", "#/a/b~1c" without exceptions.
Result<const Json*> resolve_pointer(const Json& root, std::string_view pointer) {
  if (pointer.empty() || pointer[0] != '#') return unimplemented("$ref '", pointer, "': only local references (#...) are supported");
  const Json* node = &root;
  std::string_view rest = pointer.substr(1);
  while (!rest.empty()) {
    if (rest[0] != '/') return invalid_argument("$ref '", pointer, "' is not a JSON pointer");
    rest.remove_prefix(1);
    const size_t slash = rest.find('/');
    std::string token;
    for (size_t i = 0; i < std::min(slash, rest.size()); ++i) {
      if (rest[i] == '~' && i + 1 < rest.size() && (rest[i + 1] == '0' || rest[i + 1] == '1')) {
        token += rest[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        token += rest[i];
      }
    }
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    if (node->is_object()) {
      auto found = node->find(token);
      if (found == node->end()) return not_found("$ref '", pointer, "': no '", token, "'");
      node = &*found;
    } else if (node->is_array()) {
      char* end = nullptr;
      const unsigned long index = std::strtoul(token.c_str(), &end, 10);
      if (token.empty() || *end != '\0' || index >= node->size()) return not_found("$ref '", pointer, "': bad index");
      node = &(*node)[index];
    } else {
      return not_found("$ref '", pointer, "' goes through a non-container");
    }
  }
  return node;
}

// Merges `source` into `target` as allOf does, where that is a plain union.
Status merge_into(Json& target, const Json& source, const std::string& path) {
  for (const auto& [key, value] : source.items()) {
    if (key == "properties") {
      if (!value.is_object() || (target.contains("properties") && !target["properties"].is_object())) {
        return invalid_argument("allOf at ", where(path), ": properties must be objects");
      }
      Json& properties = target["properties"];
      for (const auto& [name, schema] : value.items()) {
        if (properties.contains(name) && properties[name] != schema) {
          return unimplemented("allOf at ", where(path), " defines property '", name, "' twice differently");
        }
        properties[name] = schema;
      }
    } else if (key == "required") {
      Json& required = target["required"];
      if (!required.is_array()) required = Json::array();
      for (const Json& name : value) {
        if (std::find(required.begin(), required.end(), name) == required.end()) required.push_back(name);
      }
    } else if (!target.contains(key)) {
      target[key] = value;
    } else if (target[key] != value && kValidationKeywords.count(key)) {
      return unimplemented("allOf at ", where(path), " combines different '", key, "' values");
    }
  }
  return {};
}

// Compact JSON text; never throws (invalid UTF-8 in a string becomes U+FFFD).
std::string compact(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

// A count keyword (minItems, maxLength...): absent gives `fallback`.
Result<int64_t> count_keyword(const Json& schema, const char* keyword, int64_t fallback, const std::string& path) {
  auto found = schema.find(keyword);
  if (found == schema.end()) return fallback;
  if (!found->is_number_integer() || found->get<int64_t>() < 0) {
    return invalid_argument(keyword, " at ", where(child(path, keyword)), " must be a non-negative integer");
  }
  return found->get<int64_t>();
}

template <typename T>
Result<T> in_context(Result<T> result, const std::string& context) {
  if (result.ok()) return result;
  return std::move(result).status().with_context(context);
}

std::string rule_name_from(std::string_view name) {
  std::string out;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    out += ok ? c : '-';
  }
  return out.empty() ? "schema" : out;
}

// Decimal strings of equal length, lo <= hi, digit by digit.
GrammarBuilder::Expr same_length_range(GrammarBuilder& b, const std::string& lo, const std::string& hi) {
  if (lo == hi) return b.literal(lo);
  const auto digit_range = [&](char first, char last) {
    return b.chars({{static_cast<uint32_t>(first), static_cast<uint32_t>(last)}});
  };
  if (lo.size() == 1) return digit_range(lo[0], hi[0]);
  const std::string lo_rest = lo.substr(1), hi_rest = hi.substr(1);
  if (lo[0] == hi[0]) return b.seq({b.literal(lo.substr(0, 1)), same_length_range(b, lo_rest, hi_rest)});
  std::vector<GrammarBuilder::Expr> options;
  options.push_back(b.seq({b.literal(lo.substr(0, 1)), same_length_range(b, lo_rest, std::string(lo_rest.size(), '9'))}));
  if (hi[0] - lo[0] > 1) {
    options.push_back(b.seq({digit_range(static_cast<char>(lo[0] + 1), static_cast<char>(hi[0] - 1)),
                             b.repeat(digit_range('0', '9'), static_cast<int>(lo_rest.size()), static_cast<int>(lo_rest.size()))}));
  }
  options.push_back(b.seq({b.literal(hi.substr(0, 1)), same_length_range(b, std::string(hi_rest.size(), '0'), hi_rest)}));
  return b.alt(std::move(options));
}

// Non-negative integers in [lo, hi] without leading zeros.
GrammarBuilder::Expr natural_range(GrammarBuilder& b, int64_t lo, int64_t hi) {
  std::vector<GrammarBuilder::Expr> options;
  int64_t power = 1;  // 10^(digits-1)
  for (int digits = 1; digits <= 17 && power <= hi; ++digits, power *= 10) {
    const int64_t first = std::max(lo, digits == 1 ? 0 : power);
    const int64_t last = std::min(hi, power * 10 - 1);
    if (first <= last) options.push_back(same_length_range(b, std::to_string(first), std::to_string(last)));
  }
  return b.alt(std::move(options));
}

GrammarBuilder::Expr integer_range(GrammarBuilder& b, int64_t lo, int64_t hi) {
  if (lo >= 0) return natural_range(b, lo, hi);
  if (hi < 0) return b.seq({b.literal("-"), natural_range(b, -hi, -lo)});
  return b.alt({b.seq({b.literal("-"), natural_range(b, 1, -lo)}), natural_range(b, 0, hi)});
}

}  // namespace

JsonSchemaCompiler::JsonSchemaCompiler(GrammarBuilder& builder, JsonSchemaOptions options)
    : builder_(builder), options_(options) {}

GrammarBuilder::RuleId JsonSchemaCompiler::shared_rule(std::string_view name, Expr (JsonSchemaCompiler::*make)()) {
  const RuleId existing = builder_.find_rule(name);
  if (existing >= 0) return existing;
  const RuleId rule = builder_.declare(name);  // declared first: value and object recurse
  builder_.define(rule, (this->*make)());
  return rule;
}

GrammarBuilder::RuleId JsonSchemaCompiler::whitespace() { return shared_rule("json-ws", &JsonSchemaCompiler::make_whitespace); }
GrammarBuilder::RuleId JsonSchemaCompiler::any_value() { return shared_rule("json-value", &JsonSchemaCompiler::make_value); }
GrammarBuilder::RuleId JsonSchemaCompiler::any_object() { return shared_rule("json-object", &JsonSchemaCompiler::make_object); }
GrammarBuilder::RuleId JsonSchemaCompiler::string() { return shared_rule("json-string", &JsonSchemaCompiler::make_string); }

GrammarBuilder::Expr JsonSchemaCompiler::make_whitespace() {
  auto& b = builder_;
  return b.alt({b.empty(), b.literal(" "),
                b.seq({b.literal("\n"), b.repeat(b.chars({{' ', ' '}, {'\t', '\t'}}), 0, options_.max_indent)})});
}

GrammarBuilder::Expr JsonSchemaCompiler::make_string_char() {
  auto& b = builder_;
  const auto hex = b.chars({{'0', '9'}, {'a', 'f'}, {'A', 'F'}});
  // \uXXXX outside the surrogates, so every escape is one character of the
  // decoded string and minLength/maxLength count the same as validators do.
  const auto unicode = b.alt({
      b.seq({b.chars({{'0', '9'}, {'a', 'c'}, {'A', 'C'}, {'e', 'f'}, {'E', 'F'}}), hex, hex, hex}),
      b.seq({b.chars({{'d', 'd'}, {'D', 'D'}}), b.chars({{'0', '7'}}), hex, hex}),
  });
  const auto escape = b.seq({b.literal("\\"), b.alt({b.chars({{'"', '"'}, {'\\', '\\'}, {'/', '/'}, {'b', 'b'}, {'f', 'f'},
                                                              {'n', 'n'}, {'r', 'r'}, {'t', 't'}}),
                                                     b.seq({b.literal("u"), unicode})})});
  return b.alt({b.chars({{0, 0x1F}, {'"', '"'}, {'\\', '\\'}}, /*negated=*/true), escape});
}

GrammarBuilder::Expr JsonSchemaCompiler::make_string() {
  const RuleId character = shared_rule("json-char", &JsonSchemaCompiler::make_string_char);
  return builder_.seq({builder_.literal("\""), builder_.star(builder_.ref(character)), builder_.literal("\"")});
}

GrammarBuilder::Expr JsonSchemaCompiler::make_integer() {
  auto& b = builder_;
  // At most 15 digits, so every value is exact as a double in any JSON reader.
  return b.seq({b.optional(b.literal("-")),
                b.alt({b.literal("0"), b.seq({b.chars({{'1', '9'}}), b.repeat(b.chars({{'0', '9'}}), 0, 14)})})});
}

GrammarBuilder::Expr JsonSchemaCompiler::make_number() {
  auto& b = builder_;
  const RuleId integer = shared_rule("json-integer", &JsonSchemaCompiler::make_integer);
  const auto fraction = b.seq({b.literal("."), b.repeat(b.chars({{'0', '9'}}), 1, 16)});
  // Two exponent digits: 1e99 is finite everywhere, 1e999 is not.
  const auto exponent = b.seq({b.chars({{'e', 'e'}, {'E', 'E'}}), b.optional(b.chars({{'+', '+'}, {'-', '-'}})),
                               b.repeat(b.chars({{'0', '9'}}), 1, 2)});
  return b.seq({b.ref(integer), b.optional(fraction), b.optional(exponent)});
}

GrammarBuilder::Expr JsonSchemaCompiler::make_value() {
  auto& b = builder_;
  const RuleId array = shared_rule("json-array", &JsonSchemaCompiler::make_array);
  return b.alt({b.ref(any_object()), b.ref(array), b.ref(string()),
                b.ref(shared_rule("json-number", &JsonSchemaCompiler::make_number)),
                b.literal("true"), b.literal("false"), b.literal("null")});
}

GrammarBuilder::Expr JsonSchemaCompiler::make_object() {
  auto& b = builder_;
  const auto ws = b.ref(whitespace());
  const auto member = b.seq({b.ref(string()), ws, b.literal(":"), ws, b.ref(any_value()), ws});
  const auto members = b.seq({member, b.star(b.seq({b.literal(","), ws, member}))});
  return b.seq({b.literal("{"), ws, b.optional(members), b.literal("}")});
}

GrammarBuilder::Expr JsonSchemaCompiler::make_array() {
  auto& b = builder_;
  const auto ws = b.ref(whitespace());
  const auto item = b.seq({b.ref(any_value()), ws});
  const auto items = b.seq({item, b.star(b.seq({b.literal(","), ws, item}))});
  return b.seq({b.literal("["), ws, b.optional(items), b.literal("]")});
}

Result<GrammarBuilder::RuleId> JsonSchemaCompiler::compile(const Json& schema, std::string_view name) {
  root_ = &schema;
  name_ = rule_name_from(name);
  refs_.clear();
  const RuleId rule = builder_.declare(builder_.unique_name(name_));
  const Expr body = TRY(value(schema, ""));
  builder_.define(rule, body);
  root_ = nullptr;
  return rule;
}

Status JsonSchemaCompiler::check_keywords(const Json& schema, const std::string& path) {
  for (const auto& [key, value] : schema.items()) {
    const bool harmless = (key == "uniqueItems" && value == false) || (key == "minProperties" && value == 0);
    if (kUnsupportedKeywords.count(key) || (key == "uniqueItems" && !harmless)) {
      if (harmless) continue;
      return unimplemented("JSON Schema keyword '", key, "' at ", where(child(path, key)), " is not supported");
    }
  }
  return {};
}

Result<GrammarBuilder::Expr> JsonSchemaCompiler::value(const Json& schema, const std::string& path) {
  // Bounds the recursion (and the grammar's nesting) on hostile schemas.
  if (depth_ >= kMaxSchemaDepth) return invalid_argument("schema at ", where(path), " is nested deeper than ", kMaxSchemaDepth);
  ++depth_;
  Result<Expr> result = value_at_depth(schema, path);
  --depth_;
  return result;
}

Result<GrammarBuilder::Expr> JsonSchemaCompiler::value_at_depth(const Json& schema, const std::string& path) {
  auto& b = builder_;
  if (schema.is_boolean()) {
    if (schema.get<bool>()) return b.ref(any_value());
    return invalid_argument("schema at ", where(path), " is false: no value can match");
  }
  if (!schema.is_object()) return invalid_argument("schema at ", where(path), " is not an object");
  TRY(check_keywords(schema, path));
  if (auto ref = schema.find("$ref"); ref != schema.end()) {
    if (!ref->is_string()) return invalid_argument("$ref at ", where(path), " is not a string");
    return reference(ref->get<std::string>(), child(path, "$ref"));
  }
  if (schema.contains("allOf")) return value(TRY(merge_all_of(schema, path)), path);
  if (auto constant = schema.find("const"); constant != schema.end()) return b.literal(compact(*constant));
  if (auto values = schema.find("enum"); values != schema.end()) {
    if (!values->is_array() || values->empty()) return invalid_argument("enum at ", where(path), " must be a non-empty array");
    std::vector<Expr> options;
    for (const Json& option : *values) options.push_back(b.literal(compact(option)));
    return b.alt(std::move(options));
  }
  for (const char* keyword : {"anyOf", "oneOf"}) {
    auto branches = schema.find(keyword);
    if (branches == schema.end()) continue;
    if (!branches->is_array() || branches->empty()) {
      return invalid_argument(keyword, " at ", where(path), " must be a non-empty array");
    }
    // Sibling keywords apply to every branch: merge them in.
    Json siblings = schema;
    siblings.erase(keyword);
    std::vector<Expr> options;
    for (size_t index = 0; index < branches->size(); ++index) {
      const std::string branch_path = child(child(path, keyword), std::to_string(index));
      Json branch = (*branches)[index];
      if (branch.is_object() && branch.contains("$ref") && siblings.size() > 0) {
        if (!branch["$ref"].is_string()) return invalid_argument("$ref at ", branch_path, " is not a string");
        branch = *TRY(resolve_pointer(*root_, branch["$ref"].get<std::string>()));
      }
      if (branch.is_object()) TRY(merge_into(branch, siblings, branch_path));
      options.push_back(TRY(value(branch, branch_path)));
    }
    return b.alt(std::move(options));
  }
  Expr result;
  if (auto type = schema.find("type"); type != schema.end()) {
    if (type->is_string()) {
      result = TRY(typed(schema, type->get<std::string>(), path));
    } else if (type->is_array() && !type->empty()) {
      std::vector<Expr> options;
      for (const Json& name : *type) {
        if (!name.is_string()) return invalid_argument("type at ", where(path), " lists a non-string");
        options.push_back(TRY(typed(schema, name.get<std::string>(), path)));
      }
      result = b.alt(std::move(options));
    } else {
      return invalid_argument("type at ", where(path), " must be a string or a non-empty array");
    }
  } else if (schema.contains("properties") || schema.contains("required") || schema.contains("additionalProperties")) {
    result = TRY(object(schema, path));
  } else if (schema.contains("items") || schema.contains("minItems") || schema.contains("maxItems")) {
    result = TRY(array(schema, path));
  } else if (schema.contains("pattern") || schema.contains("format") || schema.contains("minLength") ||
             schema.contains("maxLength")) {
    result = TRY(string_value(schema, path));
  } else if (schema.contains("minimum") || schema.contains("maximum")) {
    result = TRY(number(schema, path));
  } else {
    result = b.ref(any_value());
  }
  if (auto nullable = schema.find("nullable"); nullable != schema.end() && *nullable == true) result = b.alt({result, b.literal("null")});
  return result;
}

Result<GrammarBuilder::Expr> JsonSchemaCompiler::typed(const Json& schema, std::string_view type, const std::string& path) {
  auto& b = builder_;
  const bool bfcl = options_.accept_bfcl_types;
  if (type == "string") return string_value(schema, path);
  if (type == "integer") return integer(schema, path);
  if (type == "number" || (bfcl && type == "float")) return number(schema, path);
  if (type == "boolean") return b.alt({b.literal("true"), b.literal("false")});
  if (type == "null") return b.literal("null");
  if (type == "object" || (bfcl && type == "dict")) return object(schema, path);
  if (type == "array" || (bfcl && type == "tuple")) return array(schema, path);
  if (bfcl && type == "any") return b.ref(any_value());
  return invalid_argument("unknown type '", type, "' at ", where(child(path, "type")));
}

Result<GrammarBuilder::Expr> JsonSchemaCompiler::object(const Json& schema, const std::string& path) {
  auto& b = builder_;
  const auto ws = b.ref(whitespace());
  struct Member {
    std::string name;
    Expr member;  // "name" ws ":" ws value ws
    bool required;
  };
  std::vector<std::string> required;
  if (auto list = schema.find("required"); list != schema.end()) {
    if (!list->is_array()) return invalid_argument("required at ", where(path), " must be an array");
    for (const Json& name : *list) {
      if (!name.is_string()) return invalid_argument("required at ", where(path), " lists a non-string");
      required.push_back(name.get<std::string>());
    }
  }
  const auto is_required = [&](const std::string& name) {
    return std::find(required.begin(), required.end(), name) != required.end();
  };
  // The default applies to objects that declare properties; a bare "object"
  // (or BFCL "dict") is a free-form map, which forbidding every key would make useless.
  Json additional = options_.additional_properties_by_default || !schema.contains("properties");
  if (auto found = schema.find("additionalProperties"); found != schema.end()) additional = *found;
  const bool allow_extra = !(additional.is_boolean() && !additional.get<bool>());

  std::vector<Member> members;
  const auto add_member = [&](const std::string& name, const Json& property, const std::string& property_path) -> Status {
    const Expr value_expr = TRY(value(property, property_path));
    members.push_back({name, b.seq({b.literal(compact(Json(name))), ws, b.literal(":"), ws, value_expr, ws}), is_required(name)});
    return {};
  };
  if (auto properties = schema.find("properties"); properties != schema.end()) {
    if (!properties->is_object()) return invalid_argument("properties at ", where(path), " must be an object");
    for (const auto& [name, property] : properties->items()) {
      TRY(add_member(name, property, child(child(path, "properties"), name)));
    }
  }
  for (const std::string& name : required) {
    const bool declared = std::any_of(members.begin(), members.end(), [&](const Member& m) { return m.name == name; });
    if (declared) continue;
    if (!allow_extra && schema.contains("additionalProperties")) {
      return invalid_argument("required property '", name, "' at ", where(path), " is not declared and additionalProperties is false");
    }
    TRY(add_member(name, Json(true), child(path, "required")));
  }

  // Members come in declared order; optional ones may be left out. first(i) is the
  // tail from member i when nothing was written yet, rest(i) when something was
  // (so a comma comes first). Each is a rule so the chain stays linear in size.
  Expr extra_rest = b.empty(), extra_first = b.empty();
  if (allow_extra) {
    const Expr extra_value = additional.is_boolean() ? b.ref(any_value()) : TRY(value(additional, child(path, "additionalProperties")));
    const Expr extra = b.seq({b.ref(string()), ws, b.literal(":"), ws, extra_value, ws});
    const RuleId more = builder_.add_rule(builder_.unique_name(name_ + "-extra"), b.star(b.seq({b.literal(","), ws, extra})));
    extra_rest = b.ref(more);
    extra_first = b.optional(b.seq({extra, b.ref(more)}));
  }
  Expr rest = extra_rest, first = extra_first;
  for (size_t index = members.size(); index-- > 0;) {
    const Member& member = members[index];
    const Expr with_comma = b.seq({b.literal(","), ws, member.member, rest});
    const Expr leading = b.seq({member.member, rest});
    const Expr next_rest = member.required ? with_comma : b.alt({with_comma, rest});
    const Expr next_first = member.required ? leading : b.alt({leading, first});
    rest = b.ref(builder_.add_rule(builder_.unique_name(name_ + "-rest"), next_rest));
    first = b.ref(builder_.add_rule(builder_.unique_name(name_ + "-first"), next_first));
  }
  return b.seq({b.literal("{"), ws, first, b.literal("}")});
}

Result<GrammarBuilder::Expr> JsonSchemaCompiler::array(const Json& schema, const std::string& path) {
  auto& b = builder_;
  const auto ws = b.ref(whitespace());
  Expr item_value = b.ref(any_value());
  if (auto items = schema.find("items"); items != schema.end()) {
    if (items->is_array()) return unimplemented("items as an array (tuple form) at ", where(child(path, "items")), " is not supported");
    item_value = TRY(value(*items, child(path, "items")));
  }
  const int64_t min_items = TRY(count_keyword(schema, "minItems", 0, path));
  const int64_t max_items = TRY(count_keyword(schema, "maxItems", -1, path));
  if (min_items < 0 || min_items > 10000 || max_items > 10000 || (max_items >= 0 && max_items < min_items)) {
    return unimplemented("minItems/maxItems at ", where(path), " outside 0..10000 or inconsistent");
  }
  if (max_items == 0) return b.seq({b.literal("["), ws, b.literal("]")});
  const RuleId item = builder_.add_rule(builder_.unique_name(name_ + "-item"), b.seq({item_value, ws}));
  const Expr more = b.seq({b.literal(","), ws, b.ref(item)});
  const int more_min = static_cast<int>(std::max<int64_t>(min_items - 1, 0));
  const int more_max = max_items < 0 ? GrammarBuilder::kUnbounded : static_cast<int>(max_items - 1);
  Expr items = b.seq({b.ref(item), b.repeat(more, more_min, more_max)});
  if (min_items == 0) items = b.optional(items);
  return b.seq({b.literal("["), ws, items, b.literal("]")});
}

Result<GrammarBuilder::Expr> JsonSchemaCompiler::string_value(const Json& schema, const std::string& path) {
  auto& b = builder_;
  const bool has_length = schema.contains("minLength") || schema.contains("maxLength");
  if (auto pattern = schema.find("pattern"); pattern != schema.end()) {
    if (has_length) return unimplemented("pattern with minLength/maxLength at ", where(path), " is not supported");
    if (!pattern->is_string()) return invalid_argument("pattern at ", where(path), " must be a string");
    const Expr content = TRY(in_context(regex_string_content(b, pattern->get<std::string>()),
                                         str_cat("at ", where(child(path, "pattern")))));
    return b.seq({b.literal("\""), content, b.literal("\"")});
  }
  if (auto format = schema.find("format"); format != schema.end() && format->is_string()) {
    const Expr content = format_string_content(b, format->get<std::string>());
    if (content >= 0) {
      if (has_length) return unimplemented("format with minLength/maxLength at ", where(path), " is not supported");
      return b.seq({b.literal("\""), content, b.literal("\"")});
    }
    // Other formats are annotations (the JSON Schema default): any string.
  }
  if (!has_length) return b.ref(string());
  const int64_t min_length = TRY(count_keyword(schema, "minLength", 0, path));
  const int64_t max_length = TRY(count_keyword(schema, "maxLength", -1, path));
  if (min_length < 0 || min_length > 10000 || max_length > 10000 || (max_length >= 0 && max_length < min_length)) {
    return unimplemented("minLength/maxLength at ", where(path), " outside 0..10000 or inconsistent");
  }
  const RuleId character = shared_rule("json-char", &JsonSchemaCompiler::make_string_char);
  return b.seq({b.literal("\""),
                b.repeat(b.ref(character), static_cast<int>(min_length),
                         max_length < 0 ? GrammarBuilder::kUnbounded : static_cast<int>(max_length)),
                b.literal("\"")});
}

Result<GrammarBuilder::Expr> JsonSchemaCompiler::integer(const Json& schema, const std::string& path) {
  double lo = -static_cast<double>(kMaxIntegerMagnitude), hi = static_cast<double>(kMaxIntegerMagnitude);
  bool bounded = false;
  for (const char* keyword : {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}) {
    auto found = schema.find(keyword);
    if (found == schema.end()) continue;
    const std::string keyword_path = where(child(path, keyword));
    const std::string_view name = keyword;
    if (found->is_boolean()) {  // draft-04: a flag on minimum/maximum
      if (!found->get<bool>()) continue;
      const char* base = name == "exclusiveMinimum" ? "minimum" : "maximum";
      if (!schema.contains(base) || !schema[base].is_number()) return invalid_argument(keyword_path, " needs ", base);
      if (name == "exclusiveMinimum") lo = std::max(lo, std::floor(schema[base].get<double>()) + 1);
      else hi = std::min(hi, std::ceil(schema[base].get<double>()) - 1);
      bounded = true;
      continue;
    }
    if (!found->is_number()) return invalid_argument(keyword_path, " must be a number");
    const double bound = found->get<double>();
    if (name == "minimum") lo = std::max(lo, std::ceil(bound));
    else if (name == "maximum") hi = std::min(hi, std::floor(bound));
    else if (name == "exclusiveMinimum") lo = std::max(lo, std::floor(bound) + 1);
    else hi = std::min(hi, std::ceil(bound) - 1);
    bounded = true;
  }
  if (!bounded) return builder_.ref(shared_rule("json-integer", &JsonSchemaCompiler::make_integer));
  if (lo > hi) return invalid_argument("integer bounds at ", where(path), " leave no value");
  if (std::abs(lo) > static_cast<double>(kMaxIntegerMagnitude) || std::abs(hi) > static_cast<double>(kMaxIntegerMagnitude)) {
    return unimplemented("integer bounds at ", where(path), " beyond 15 digits are not supported");
  }
  return integer_range(builder_, static_cast<int64_t>(lo), static_cast<int64_t>(hi));
}

Result<GrammarBuilder::Expr> JsonSchemaCompiler::number(const Json& schema, const std::string& path) {
  auto& b = builder_;
  for (const char* keyword : {"maximum", "exclusiveMinimum", "exclusiveMaximum"}) {
    if (schema.contains(keyword)) {
      return unimplemented("JSON Schema keyword '", keyword, "' at ", where(child(path, keyword)),
                           " is not supported for numbers (only for integers)");
    }
  }
  const RuleId number_rule = shared_rule("json-number", &JsonSchemaCompiler::make_number);
  auto minimum = schema.find("minimum");
  if (minimum == schema.end()) return b.ref(number_rule);
  if (!minimum->is_number() || minimum->get<double>() != 0) {
    return unimplemented("JSON Schema keyword 'minimum' at ", where(child(path, "minimum")),
                         " is only supported as 0 for numbers");
  }
  // minimum 0: the number grammar without a sign ("-0" is excluded too; 0 stays).
  const auto fraction = b.seq({b.literal("."), b.repeat(b.chars({{'0', '9'}}), 1, 16)});
  const auto exponent = b.seq({b.chars({{'e', 'e'}, {'E', 'E'}}), b.optional(b.chars({{'+', '+'}, {'-', '-'}})),
                               b.repeat(b.chars({{'0', '9'}}), 1, 2)});
  const auto digits = b.alt({b.literal("0"), b.seq({b.chars({{'1', '9'}}), b.repeat(b.chars({{'0', '9'}}), 0, 14)})});
  return b.seq({digits, b.optional(fraction), b.optional(exponent)});
}

Result<GrammarBuilder::Expr> JsonSchemaCompiler::reference(const std::string& pointer, const std::string& path) {
  if (auto found = refs_.find(pointer); found != refs_.end()) return builder_.ref(found->second);
  const Json* target = TRY(in_context(resolve_pointer(*root_, pointer), str_cat("at ", path)));
  const size_t slash = pointer.rfind('/');
  const std::string last = slash == std::string::npos ? "root" : pointer.substr(slash + 1);
  const RuleId rule = builder_.declare(builder_.unique_name(name_ + "-" + rule_name_from(last)));
  refs_[pointer] = rule;  // before compiling the target, so recursion finds it
  const Expr body = TRY(value(*target, pointer.substr(1)));
  builder_.define(rule, body);
  return builder_.ref(rule);
}

Result<Json> JsonSchemaCompiler::merge_all_of(const Json& schema, const std::string& path) {
  Json merged = schema;
  merged.erase("allOf");
  const Json& parts = schema["allOf"];
  if (!parts.is_array()) return invalid_argument("allOf at ", where(path), " must be an array");
  for (size_t index = 0; index < parts.size(); ++index) {
    const std::string part_path = child(child(path, "allOf"), std::to_string(index));
    Json part = parts[index];
    if (part.is_object() && part.contains("$ref")) {
      if (!part["$ref"].is_string()) return invalid_argument("$ref at ", part_path, " is not a string");
      Json target = *TRY(resolve_pointer(*root_, part["$ref"].get<std::string>()));
      part.erase("$ref");
      TRY(merge_into(target, part, part_path));
      part = std::move(target);
    }
    if (part.is_object() && part.contains("allOf")) part = TRY(merge_all_of(part, part_path));
    if (!part.is_object()) return unimplemented("allOf at ", part_path, " with a non-object schema is not supported");
    if (part.contains("anyOf") || part.contains("oneOf")) {
      return unimplemented("allOf at ", part_path, " containing anyOf/oneOf is not supported");
    }
    TRY(merge_into(merged, part, part_path));
  }
  return merged;
}

Result<Grammar> json_schema_grammar(const Json& schema, const JsonSchemaOptions& options) {
  GrammarBuilder builder;
  JsonSchemaCompiler compiler(builder, options);
  const GrammarBuilder::RuleId root = TRY(compiler.compile(schema, "root"));
  return builder.build(root);
}

Grammar json_object_grammar() {
  GrammarBuilder builder;
  JsonSchemaCompiler compiler(builder);
  Result<Grammar> grammar = builder.build(compiler.any_object());
  CHECK(grammar.ok());
  return std::move(grammar).value();
}

}  // namespace loom::sample
