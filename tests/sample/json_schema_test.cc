// JSON Schema compiler: real tool schemas compile, their ground-truth calls are
// accepted, keyword semantics hold, and unsupported keywords are named.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "sample/grammar_matcher.h"
#include "sample/json_schema.h"
#include "sample/tool_call_grammar.h"

namespace loom::sample {
namespace {

using Json = nlohmann::ordered_json;

std::vector<Json> read_json_lines(const std::string& path) {
  std::ifstream file(path);
  std::vector<Json> out;
  for (std::string line; std::getline(file, line);) {
    if (line.empty()) continue;
    Json value = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(value.is_discarded()) << path;
    out.push_back(std::move(value));
  }
  return out;
}

struct Compiled {
  std::shared_ptr<GrammarMatcher> matcher;
  bool accepts(std::string_view text) const {
    const auto state = matcher->step(matcher->start(), text);
    return state != GrammarMatcher::kDead && matcher->can_end(state);
  }
};

Compiled compile_or_die(const Json& schema) {
  Result<Grammar> grammar = json_schema_grammar(schema);
  EXPECT_TRUE(grammar.ok()) << grammar.status().to_string() << "\n" << schema.dump();
  if (!grammar.ok()) return {std::make_shared<GrammarMatcher>(std::make_shared<const Grammar>(json_object_grammar()))};
  return {std::make_shared<GrammarMatcher>(std::make_shared<const Grammar>(std::move(grammar).value()))};
}

Compiled compile_or_die(const char* schema_text) { return compile_or_die(Json::parse(schema_text)); }

// BFCL answers list the acceptable values of every parameter (nested dicts too);
// "" means the parameter may be omitted. Builds the call from the first choices,
// in the schema's declared order.
Json first_acceptable(const Json& schema, const Json& choices) {
  Json object = Json::object();
  const bool declared = schema.contains("properties");
  const Json& names = declared ? schema["properties"] : choices;
  for (const auto& [name, unused] : names.items()) {
    if (!choices.contains(name)) continue;
    Json value = choices[name].is_array() ? choices[name][0] : choices[name];
    if (value == "") continue;
    const Json property = declared ? schema["properties"][name] : Json::object();
    if (value.is_object()) value = first_acceptable(property, value);
    object[name] = value;
  }
  return object;
}

TEST(JsonSchemaBfcl, EverySchemaCompilesAndAcceptsTheGroundTruthCalls) {
  int functions = 0, calls = 0;
  for (const char* file : {"BFCL_v4_parallel.json", "BFCL_v4_parallel_multiple.json"}) {
    const std::string dir = std::string(LOOM_FIXTURES_DIR) + "/bfcl/";
    const std::vector<Json> questions = read_json_lines(dir + file);
    const std::vector<Json> answers = read_json_lines(dir + "possible_answer/" + file);
    ASSERT_EQ(questions.size(), 200u);
    ASSERT_EQ(answers.size(), questions.size());
    for (size_t q = 0; q < questions.size(); ++q) {
      std::map<std::string, std::pair<Json, Compiled>> by_name;
      for (const Json& function : questions[q]["function"]) {
        by_name[function["name"].get<std::string>()] = {function["parameters"], compile_or_die(function["parameters"])};
        ++functions;
      }
      ASSERT_EQ(answers[q]["id"], questions[q]["id"]);
      for (const Json& call : answers[q]["ground_truth"]) {
        for (const auto& [name, arguments] : call.items()) {
          const auto& [schema, compiled] = by_name.at(name);
          const Json object = first_acceptable(schema, arguments);
          // Two answers contradict their own schema (strings where arrays of
          // numbers are declared); every other call must be accepted.
          const std::string id = questions[q]["id"].get<std::string>();
          if ((id == "parallel_multiple_21" && name == "linear_regression_fit") ||
              (id == "parallel_multiple_94" && name == "sort_list" && object["elements"][0].is_string())) {
            EXPECT_FALSE(compiled.accepts(object.dump())) << id;
            continue;
          }
          EXPECT_TRUE(compiled.accepts(object.dump())) << questions[q]["id"] << " " << name << " " << object.dump()
                                                       << "\n" << schema.dump();
          EXPECT_TRUE(compiled.accepts(object.dump(2))) << "pretty-printed: " << object.dump(2);
          ++calls;
        }
      }
    }
  }
  EXPECT_EQ(functions, 720);
  EXPECT_GT(calls, 800);
}

TEST(JsonSchemaClients, CapturedToolSchemasCompile) {
  int tools = 0;
  for (const char* file : {"codex-responses-request-gpt-5.5-1.json", "codex-responses-request-1.json",
                           "agents-chat-request-1.json", "sdk-chat-parallel-tools-request.json"}) {
    std::ifstream in(std::string(LOOM_FIXTURES_DIR) + "/clients/" + file);
    std::stringstream text;
    text << in.rdbuf();
    const Json request = Json::parse(text.str(), nullptr, false);
    ASSERT_FALSE(request.is_discarded());
    std::vector<Json> pending(request["body"]["tools"].begin(), request["body"]["tools"].end());
    while (!pending.empty()) {
      Json tool = pending.back();
      pending.pop_back();
      if (tool.contains("tools")) pending.insert(pending.end(), tool["tools"].begin(), tool["tools"].end());
      const Json* parameters = tool.contains("parameters") ? &tool["parameters"]
                             : tool.contains("function") ? &tool["function"]["parameters"] : nullptr;
      if (parameters == nullptr || parameters->is_null()) continue;
      EXPECT_TRUE(json_schema_grammar(*parameters).ok()) << tool.dump();
      ++tools;
    }
  }
  EXPECT_GT(tools, 20);
}

TEST(JsonSchema, ObjectsRequiredOptionalAndOrder) {
  const Compiled c = compile_or_die(R"({"type": "object", "properties": {
      "a": {"type": "integer"}, "b": {"type": "string"}, "c": {"type": "boolean"}}, "required": ["b"]})");
  EXPECT_TRUE(c.accepts(R"({"b":"x"})"));
  EXPECT_TRUE(c.accepts(R"({"a": 1, "b": "x", "c": true})"));
  EXPECT_TRUE(c.accepts("{\n  \"a\": -7,\n  \"b\": \"\"\n}"));
  EXPECT_FALSE(c.accepts(R"({"a":1})"));           // b is required
  EXPECT_FALSE(c.accepts(R"({"b":"x","a":1})"));   // declared order
  EXPECT_FALSE(c.accepts(R"({"b":"x","d":1})"));   // no extra keys by default
  EXPECT_FALSE(c.accepts(R"({"b":"x",})"));
  EXPECT_FALSE(c.accepts(R"({,"b":"x"})"));
}

TEST(JsonSchema, AdditionalProperties) {
  const Compiled open = compile_or_die(R"({"properties": {"a": {"type": "integer"}}, "additionalProperties": true})");
  EXPECT_TRUE(open.accepts(R"({"a":1,"zz":[null]})"));
  EXPECT_TRUE(open.accepts(R"({"zz":{}})"));
  const Compiled typed = compile_or_die(R"({"type": "object", "additionalProperties": {"type": "number"}})");
  EXPECT_TRUE(typed.accepts(R"({"x":1.5,"y":-2e3})"));
  EXPECT_FALSE(typed.accepts(R"({"x":"1"})"));
}

TEST(JsonSchema, StringsNumbersAndEscapes) {
  const Compiled s = compile_or_die(R"({"type": "string", "minLength": 2, "maxLength": 3})");
  EXPECT_TRUE(s.accepts(R"("ab")"));
  EXPECT_TRUE(s.accepts(R"("a\"é")"));     // escapes and multi-byte characters count once
  EXPECT_TRUE(s.accepts(R"("\u00e9\n")"));
  EXPECT_FALSE(s.accepts(R"("a")"));
  EXPECT_FALSE(s.accepts(R"("abcd")"));
  EXPECT_FALSE(s.accepts("\"a\tb\""));      // raw control characters are not JSON
  EXPECT_FALSE(s.accepts(R"("\ud800x")"));  // lone surrogate escapes are refused
  const Compiled n = compile_or_die(R"({"type": "number"})");
  for (const char* ok : {"0", "-0", "12.5", "1e5", "-3.25E-12", "123456"}) EXPECT_TRUE(n.accepts(ok)) << ok;
  for (const char* bad : {"01", "+1", ".5", "1.", "1e", "NaN", "--1"}) EXPECT_FALSE(n.accepts(bad)) << bad;
}

TEST(JsonSchema, IntegerRangesMatchArithmetic) {
  for (const auto& [lo, hi] : std::vector<std::pair<int, int>>{{-5, 120}, {0, 400}, {17, 9999}, {-1234, -7}, {1, 1}}) {
    const Compiled c = compile_or_die(Json{{"type", "integer"}, {"minimum", lo}, {"maximum", hi}});
    for (int value = -1300; value <= 10100; ++value) {
      ASSERT_EQ(c.accepts(std::to_string(value)), value >= lo && value <= hi) << value << " in [" << lo << "," << hi << "]";
    }
    EXPECT_FALSE(c.accepts("-0"));
    EXPECT_FALSE(c.accepts("007"));
  }
  const Compiled exclusive = compile_or_die(R"({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10})");
  EXPECT_FALSE(exclusive.accepts("0"));
  EXPECT_TRUE(exclusive.accepts("1"));
  EXPECT_TRUE(exclusive.accepts("9"));
  EXPECT_FALSE(exclusive.accepts("10"));
  const Compiled positive = compile_or_die(R"({"type": "integer", "minimum": 1})");
  EXPECT_TRUE(positive.accepts("999999999999999"));
  EXPECT_FALSE(positive.accepts("1000000000000000"));  // 16 digits: not exact as a double
  EXPECT_FALSE(positive.accepts("0"));
  EXPECT_FALSE(positive.accepts("-3"));
}

TEST(JsonSchema, EnumConstAnyOfTypeArraysNullable) {
  const Compiled e = compile_or_die(R"({"enum": ["a", 1, null, {"k": [true]}]})");
  EXPECT_TRUE(e.accepts(R"("a")"));
  EXPECT_TRUE(e.accepts("1"));
  EXPECT_TRUE(e.accepts("null"));
  EXPECT_TRUE(e.accepts(R"({"k":[true]})"));
  EXPECT_FALSE(e.accepts(R"("b")"));
  const Compiled k = compile_or_die(R"({"const": "fixed"})");
  EXPECT_TRUE(k.accepts(R"("fixed")"));
  EXPECT_FALSE(k.accepts(R"("other")"));
  const Compiled any = compile_or_die(R"({"anyOf": [{"type": "integer"}, {"type": "array", "items": {"type": "string"}, "maxItems": 2}]})");
  EXPECT_TRUE(any.accepts("5"));
  EXPECT_TRUE(any.accepts(R"(["x", "y"])"));
  EXPECT_FALSE(any.accepts(R"(["x", "y", "z"])"));
  const Compiled types = compile_or_die(R"({"type": ["string", "null"]})");
  EXPECT_TRUE(types.accepts("null"));
  EXPECT_TRUE(types.accepts(R"("s")"));
  EXPECT_FALSE(types.accepts("1"));
  const Compiled nullable = compile_or_die(R"({"type": "integer", "nullable": true})");
  EXPECT_TRUE(nullable.accepts("null"));
}

TEST(JsonSchema, ArraysWithBounds) {
  const Compiled c = compile_or_die(R"({"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 3})");
  EXPECT_FALSE(c.accepts("[1]"));
  EXPECT_TRUE(c.accepts("[1, 2]"));
  EXPECT_TRUE(c.accepts("[1,2,3]"));
  EXPECT_FALSE(c.accepts("[1,2,3,4]"));
  EXPECT_FALSE(c.accepts("[1,\"2\"]"));
  const Compiled empty = compile_or_die(R"({"type": "array"})");
  EXPECT_TRUE(empty.accepts("[]"));
  EXPECT_TRUE(empty.accepts(R"([1, "a", {"b": null}, []])"));
}

TEST(JsonSchema, RefsAndRecursion) {
  const Compiled c = compile_or_die(R"({
    "$defs": {"node": {"type": "object", "properties": {"value": {"type": "integer"},
              "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}, "required": ["value"]}},
    "$ref": "#/$defs/node"})");
  EXPECT_TRUE(c.accepts(R"({"value":1,"children":[{"value":2},{"value":3,"children":[]}]})"));
  EXPECT_FALSE(c.accepts(R"({"value":1,"children":[{"children":[]}]})"));
  const Compiled draft7 = compile_or_die(R"({"definitions": {"a": {"type": "boolean"}}, "type": "object",
      "properties": {"x": {"$ref": "#/definitions/a"}}, "required": ["x"]})");
  EXPECT_TRUE(draft7.accepts(R"({"x":false})"));
}

TEST(JsonSchema, AllOfMergesObjects) {
  const Compiled c = compile_or_die(R"({"$defs": {"base": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}},
    "allOf": [{"$ref": "#/$defs/base"}, {"properties": {"name": {"type": "string"}}, "required": ["name"]}]})");
  EXPECT_TRUE(c.accepts(R"({"id":1,"name":"n"})"));
  EXPECT_FALSE(c.accepts(R"({"id":1})"));
}

TEST(JsonSchema, FormatsAndPatterns) {
  const Compiled date = compile_or_die(R"({"type": "string", "format": "date"})");
  EXPECT_TRUE(date.accepts(R"("2024-02-28")"));
  EXPECT_TRUE(date.accepts(R"("1999-12-31")"));
  EXPECT_FALSE(date.accepts(R"("2024-02-30")"));
  EXPECT_FALSE(date.accepts(R"("2024-04-31")"));
  EXPECT_FALSE(date.accepts(R"("2024-13-01")"));
  const Compiled time = compile_or_die(R"({"type": "string", "format": "date-time"})");
  EXPECT_TRUE(time.accepts(R"("2024-01-31T23:59:59.123Z")"));
  EXPECT_TRUE(time.accepts(R"("2024-01-31T00:00:00+05:30")"));
  EXPECT_FALSE(time.accepts(R"("2024-01-31T24:00:00Z")"));
  const Compiled uuid = compile_or_die(R"({"format": "uuid"})");
  EXPECT_TRUE(uuid.accepts(R"("550e8400-e29b-41d4-a716-446655440000")"));
  EXPECT_FALSE(uuid.accepts(R"("550e8400-e29b-41d4-a716-44665544000")"));
  const Compiled anchored = compile_or_die(R"({"type": "string", "pattern": "^[A-Z]{2}-\\d{3,4}(x|yz)?$"})");
  EXPECT_TRUE(anchored.accepts(R"("AB-123")"));
  EXPECT_TRUE(anchored.accepts(R"("QQ-9876yz")"));
  EXPECT_FALSE(anchored.accepts(R"("AB-12")"));
  EXPECT_FALSE(anchored.accepts(R"("xAB-123")"));
  const Compiled unanchored = compile_or_die(R"({"type": "string", "pattern": "a\"b"})");
  EXPECT_TRUE(unanchored.accepts(R"("xxa\"byy")"));  // a search, like RegExp.test
  EXPECT_FALSE(unanchored.accepts(R"("ab")"));
}

TEST(JsonSchema, UnsupportedKeywordsAreNamedWithTheirPath) {
  const auto error = [](std::string_view schema) { return json_schema_grammar(Json::parse(schema)).status(); };
  Status status = error(R"({"type": "object", "properties": {"a": {"type": "string", "not": {"const": "x"}}}})");
  EXPECT_EQ(status.code(), StatusCode::kUnimplemented);
  EXPECT_EQ(status.message(), "JSON Schema keyword 'not' at /properties/a/not is not supported");
  EXPECT_EQ(error(R"({"type": "array", "uniqueItems": true})").message(),
            "JSON Schema keyword 'uniqueItems' at /uniqueItems is not supported");
  EXPECT_EQ(error(R"({"type": "number", "maximum": 3})").message(),
            "JSON Schema keyword 'maximum' at /maximum is not supported for numbers (only for integers)");
  EXPECT_EQ(error(R"j({"type": "string", "pattern": "(?=a)"})j").code(), StatusCode::kUnimplemented);
  EXPECT_EQ(error(R"({"$ref": "http://example.com/x.json"})").code(), StatusCode::kUnimplemented);
  EXPECT_EQ(error(R"({"type": "strnig"})").message(), "unknown type 'strnig' at /type");
  // Annotations and unknown keywords are not errors.
  EXPECT_TRUE(error(R"({"type": "string", "description": "d", "title": "t", "examples": ["e"], "default": "x",
                        "$schema": "https://json-schema.org/draft/2020-12/schema", "x-vendor": 1})").ok());
}

TEST(ToolCallGrammar, HermesEnvelopeWithSeveralTools) {
  std::vector<ToolSchema> tools = {
      {.name = "get_weather", .parameters = Json::parse(R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})")},
      {.name = "get_time", .parameters = Json::parse(R"({"type":"object","properties":{"tz":{"type":"string"}},"required":["tz"]})")}};
  ToolCallEnvelope envelope = hermes_tool_call_envelope();
  envelope.max_calls = 2;
  Result<Grammar> grammar = tool_call_grammar(tools, envelope);
  ASSERT_TRUE(grammar.ok()) << grammar.status().to_string();
  GrammarMatcher matcher(std::make_shared<const Grammar>(std::move(grammar).value()));
  const auto accepts = [&](std::string_view text) {
    const auto state = matcher.step(matcher.start(), text);
    return state != GrammarMatcher::kDead && matcher.can_end(state);
  };
  const std::string one = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
  const std::string two = "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"tz\": \"UTC\"}}\n</tool_call>";
  EXPECT_TRUE(accepts(one));
  EXPECT_TRUE(accepts(one + "\n" + two));
  EXPECT_FALSE(accepts(one + "\n" + two + "\n" + one));  // max_calls
  EXPECT_FALSE(accepts("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"tz\": \"UTC\"}}\n</tool_call>"));
  EXPECT_FALSE(accepts("<tool_call>\n{\"name\": \"nope\", \"arguments\": {}}\n</tool_call>"));
}

}  // namespace
}  // namespace loom::sample
