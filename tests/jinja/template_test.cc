// Unit tests of the Jinja engine where @huggingface/jinja is no reference:
// error messages with positions, the limits against hostile templates, and
// the Python semantics loom keeps (expected values from Python's Jinja).
#include <gtest/gtest.h>

#include "jinja/template.h"
#include "jinja/value_format.h"

namespace loom::jinja {
namespace {

Result<std::string> render(std::string_view source, const nlohmann::ordered_json& context = nlohmann::ordered_json::object(),
                           const Limits& limits = {}) {
  ParseOptions parse_options;
  parse_options.max_nesting = limits.max_nesting;
  auto parsed = Template::parse(source, parse_options);
  if (!parsed.ok()) return parsed.status();
  RenderOptions options;
  options.limits = limits;
  return parsed->render(context, options);
}

std::string ok(std::string_view source, const nlohmann::ordered_json& context = nlohmann::ordered_json::object()) {
  auto result = render(source, context);
  EXPECT_TRUE(result.ok()) << source << ": " << result.status().to_string();
  return result.ok() ? *result : "<error>";
}

Status error(std::string_view source, const Limits& limits = {}) {
  auto result = render(source, nlohmann::ordered_json::object(), limits);
  EXPECT_FALSE(result.ok()) << source << " rendered " << (result.ok() ? *result : "");
  return result.status();
}

TEST(JinjaTemplateTest, PythonNumberSemantics) {
  EXPECT_EQ(ok("{{ -7 % 3 }} {{ 7 % -3 }} {{ -7 // 2 }} {{ -7.5 // 2 }} {{ 2 ** -1 }}"), "2 -2 -4 -4.0 0.5");
  EXPECT_EQ(ok("{{ 1.0 }} {{ 0.1 + 0.2 }} {{ 10.0 ** 20 }} {{ 1 / 100000 }} {{ 3 * 1.5 }}"),
            "1.0 0.30000000000000004 1e+20 1e-05 4.5");
  EXPECT_EQ(format_float(1e16), "1e+16");
  EXPECT_EQ(format_float(1234567890123456.0), "1234567890123456.0");
  EXPECT_EQ(format_float(-0.0), "-0.0");
  EXPECT_EQ(format_float(0.0001), "0.0001");
  EXPECT_EQ(ok("{{ 1.0 | tojson }} {{ [1.5, 2.0] | tojson }}"), "1.0 [1.5, 2.0]");
  EXPECT_EQ(ok("{{ 9223372036854775807 }}"), "9223372036854775807");
  EXPECT_EQ(error("{{ 9223372036854775807 + 1 }}").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(error("{{ 1 // 0 }}").code(), StatusCode::kInvalidArgument);
}

TEST(JinjaTemplateTest, PythonStringSemantics) {
  EXPECT_EQ(ok("[{{ '\\n x \\n'.strip('\\n') }}][{{ 'xxhixx'.lstrip('x') }}][{{ 'xxhixx'.rstrip('x') }}]"), "[ x ][hixx][xxhi]");
  EXPECT_EQ(ok("{{ 'ab' * 3 }} {{ 'héllo'[1] }} {{ 'héllo'[-1] }} {{ 'a😀b' | length }} {{ 'a😀b'[1] }}"), "ababab é o 3 😀");
  EXPECT_EQ(ok("{{ 'a😀b'[::-1] }} {{ 'hello world' | wordcount }} {{ 'hELLO wORLD' | title }} {{ 'hELLO' | capitalize }}"),
            "b😀a 2 Hello World Hello");
  EXPECT_EQ(ok("{{ 'a-b-c'.rsplit('-', 1) | join('|') }} {{ '  a  b '.split(None, 1) | join('|') }} {{ 'abc'.replace('', '-') }}"),
            "a-b|c a|b  -a-b-c-");
  EXPECT_EQ(ok("{{ '{} and {name}'.format(1, name='x') }} {{ '%s=%d' | format('n', 3) }} {{ 'abcb'.find('b') }} {{ 'abcb'.count('b') }}"),
            "1 and x n=3 1 2");
  EXPECT_EQ(ok("{{ '<a href=\"x\">&' | e }}"), "&lt;a href=&#34;x&#34;&gt;&amp;");
  EXPECT_EQ(ok("{{ 'x' | center(5) }}|{{ 'line1\\nline2' | indent(2, first=true) }}"), "  x  |  line1\n  line2");
}

TEST(JinjaTemplateTest, TestsWithArguments) {
  EXPECT_EQ(ok("{{ 9 is divisibleby(3) }} {{ 9 is divisibleby 4 }} {{ 3 is eq(3) }} {{ 3 is ne 3 }} {{ 2 is lt(3) }} {{ 'a' is in(['a']) }}"),
            "true false true false true true");
  EXPECT_EQ(ok("{{ [1, 2, 3, 4] | select('even') | list }} {{ [1, 2, 3, 4] | reject('odd') | list }} {{ [0, 1, ''] | select | list }}"),
            "[2, 4] [2, 4] [1]");
  EXPECT_EQ(ok("{{ ['a', 'b'] | map('upper') | join }} {{ [1, 5, 3] | max }} {{ [1, 5, 3] | min }} {{ [1, 2, 3] | sum }} {{ [1, 2, 3, 4, 5] | batch(2) | list }}"),
            "AB 5 1 6 [[1, 2], [3, 4], [5]]");
}

TEST(JinjaTemplateTest, UndefinedSemantics) {
  EXPECT_EQ(ok("[{{ missing }}][{{ missing.a.b }}][{{ missing | length }}][{% for x in missing %}x{% endfor %}][{{ missing | default('d') }}][{{ missing is defined }}]"),
            "[][][0][][d][false]");
  EXPECT_EQ(ok("{{ none }}|{{ missing ~ 'x' }}|{{ [missing] }}"), "|x|[undefined]");
}

TEST(JinjaTemplateTest, JsonKeyOrderAndTojsonOptions) {
  const auto context = nlohmann::ordered_json::parse(R"({"tool": {"z": 1, "a": {"y": [1, {"b": 2}], "x": "é"}}})");
  EXPECT_EQ(ok("{{ tool | tojson }}", context), R"({"z": 1, "a": {"y": [1, {"b": 2}], "x": "é"}})");
  EXPECT_EQ(ok("{{ tool | tojson(sort_keys=true) }}", context), R"({"a": {"x": "é", "y": [1, {"b": 2}]}, "z": 1})");
  EXPECT_EQ(ok("{{ tool | tojson(ensure_ascii=true, separators=(',', ':')) }}", context), R"({"z":1,"a":{"y":[1,{"b":2}],"x":"\u00e9"}})");
  EXPECT_EQ(ok("{{ tool | tojson(indent=2) }}", context),
            "{\n  \"z\": 1,\n  \"a\": {\n    \"y\": [\n      1,\n      {\n        \"b\": 2\n      }\n    ],\n    \"x\": \"é\"\n  }\n}");
  EXPECT_EQ(ok("{{ {} | tojson(indent=2) }}{{ [] | tojson(indent=2) }}"), "{}[]");
}

TEST(JinjaTemplateTest, MacrosCallerAndScopes) {
  EXPECT_EQ(ok("{% macro f(a, b=a ~ '!') %}{{ a }}{{ b }}{{ varargs | length }}{{ kwargs | length }}{% endmacro %}{{ f(1) }} {{ f(1, 2, 3, k=4) }}"),
            "11!00 1211");
  EXPECT_EQ(ok("{% macro list(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}"
               "{% set sep = ';' %}{% call(item) list([1, 2]) %}{{ item }}{{ sep }}{% endcall %}"),
            "1;2;");
  EXPECT_EQ(ok("{% set ns = namespace(a=1) %}{% set ns.b = [] %}{% set _ = ns.b.append(ns.a) %}{{ ns.b }}{{ ns }}"),
            "[1]{\"a\": 1, \"b\": [1]}");
}

TEST(JinjaTemplateTest, StrftimeUsesInjectedClock) {
  auto parsed = Template::parse("{{ strftime_now('%d %b %Y %H:%M') }}");
  ASSERT_TRUE(parsed.ok());
  RenderOptions options;
  options.now = std::chrono::system_clock::time_point(std::chrono::seconds(1721989800));
  auto rendered = parsed->render(nlohmann::json::object(), options);
  ASSERT_TRUE(rendered.ok());
  EXPECT_EQ(*rendered, "26 Jul 2024 10:30");
}

TEST(JinjaTemplateTest, ErrorsNamePositions) {
  Status status = error("line one\n{{ foo( }}");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("2:9"), std::string::npos) << status.message();
  status = error("ab\n  {{ 'x' | nosuch }}");
  EXPECT_NE(status.message().find("unknown filter 'nosuch'"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("2:12"), std::string::npos) << status.message();
  status = error("{% if true %}\n{{ raise_exception('Roles must alternate') }}{% endif %}");
  EXPECT_NE(status.message().find("raised: Roles must alternate"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("2:4"), std::string::npos) << status.message();
  status = error("{% for x in y %}\n{% endif %}");
  EXPECT_NE(status.message().find("2:"), std::string::npos) << status.message();
  status = error("{{ 'unterminated }}");
  EXPECT_NE(status.message().find("unterminated string"), std::string::npos) << status.message();
  status = error("{% frobnicate %}");
  EXPECT_NE(status.message().find("unknown statement 'frobnicate'"), std::string::npos) << status.message();
  status = error("{{ 1 is nosuchtest }}");
  EXPECT_NE(status.message().find("unknown test 'nosuchtest'"), std::string::npos) << status.message();
  status = error("{{ 'abc'.nosuch() }}");
  EXPECT_NE(status.message().find("no method 'nosuch'"), std::string::npos) << status.message();
}

TEST(JinjaTemplateTest, StepLimit) {
  Limits limits;
  limits.max_steps = 10000;
  const Status status = error("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}", limits);
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(status.message().find("max_steps"), std::string::npos) << status.message();
  EXPECT_EQ(error("{{ range(1000000000000) | length }}").code(), StatusCode::kResourceExhausted);
}

TEST(JinjaTemplateTest, RecursionLimit) {
  const Status status = error("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(status.message().find("max_call_depth"), std::string::npos) << status.message();
}

TEST(JinjaTemplateTest, OutputLimit) {
  Limits limits;
  limits.max_output_bytes = 1 << 20;
  Status status = error("{% set s = 'xy' %}{% for i in range(64) %}{% set s = s + s %}{% endfor %}", limits);
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(status.message().find("max_output_bytes"), std::string::npos) << status.message();
  status = error("{% for i in range(100000) %}0123456789abcdef{% endfor %}", limits);
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(error("{{ 'ab' * 100000000000 }}", limits).code(), StatusCode::kResourceExhausted);
}

TEST(JinjaTemplateTest, NestingLimit) {
  const std::string deep_parens = std::string(5000, '(') + "1" + std::string(5000, ')');
  Status status = error("{{ " + deep_parens + " }}");
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(status.message().find("max_nesting"), std::string::npos) << status.message();
  std::string deep_ifs;
  for (int i = 0; i < 3000; ++i) deep_ifs += "{% if true %}";
  EXPECT_EQ(error(deep_ifs).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(error("{{ " + std::string(5000, '-') + "1 }}").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(error("{{ " + std::string(3000, '[') + std::string(3000, ']') + " }}").code(), StatusCode::kResourceExhausted);
}

TEST(JinjaTemplateTest, CyclesAndDeepValuesAreSafe) {
  // A namespace that holds itself: printing it reports the depth, and the
  // render frees it (the leak checker in sanitizer builds would notice).
  Status status = error("{% set ns = namespace() %}{% set ns.self = ns %}{{ ns }}");
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  status = error("{% set l = [] %}{% set _ = l.append(l) %}{{ l | tojson }}");
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  // A chain 100000 lists deep is built and torn down without recursion.
  EXPECT_EQ(ok("{% set ns = namespace(x=[]) %}{% for i in range(100000) %}{% set ns.x = [ns.x] %}{% endfor %}done"), "done");
  EXPECT_EQ(ok("{% set ns = namespace(x=[]) %}{% for i in range(1000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x == ns.x }}"),
            "false");  // deeper than kMaxValueDepth: compared as unequal rather than recursing
}

TEST(JinjaTemplateTest, WhitespaceOptions) {
  ParseOptions raw;
  raw.trim_blocks = false;
  raw.lstrip_blocks = false;
  auto parsed = Template::parse("  {% if true %}\nx\n  {% endif %}\n", raw);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed->render(nlohmann::json::object()), "  \nx\n  ");
  EXPECT_EQ(ok("  {% if true %}\nx\n  {% endif %}\n"), "x\n");
  EXPECT_EQ(ok("a {% generation %}b{% endgeneration %} c"), "a b c");
}

}  // namespace
}  // namespace loom::jinja
