// Differential tests of the Jinja engine against @huggingface/jinja: every case
// is rendered by both and must match byte for byte. One node process renders
// all cases.
#include <gtest/gtest.h>

#include <chrono>

#include "jinja/jinja_oracle.h"
#include "jinja/template.h"

namespace loom::jinja {
namespace {

struct Case {
  const char* source;
  const char* context;  // JSON object
};

const char* const kMessages = R"({"messages": [
  {"role": "system", "content": "Be brief."},
  {"role": "user", "content": "Hi there"},
  {"role": "assistant", "content": "Hello!", "tool_calls": [{"function": {"name": "f", "arguments": {"a": 1}}}]},
  {"role": "user", "content": "Bye"}],
  "d": {"b": 2, "a": 1, "c": [1, "x"]}, "m": {"role": "user", "content": "hi"}})";

const Case kCases[] = {
    {"{{ 1 + 2 }}|{{ 7 // 2 }}|{{ 7 / 2 }}|{{ 2 ** 10 }}|{{ 7 % 3 }}|{{ 1.5 * 2 }}|{{ 1.0 }}|{{ 10 / 4 }}|{{ -5 // 2 }}", "{}"},
    {"{{ 'a' ~ 1 ~ true }}|{{ 'x' + 'y' }}|{{ 'n=' + 3 }}|{{ 2 - 3 * 4 }}|{{ (2 - 3) * 4 }}|{{ 2 * -1 }}|{{ -(3) }}", "{}"},
    {"{{ 1 < 2 }}{{ 2 <= 1 }}{{ 'a' == 'a' }}{{ 1 == 1.0 }}{{ 1 != 2 }}{{ 3 > 2 }}{{ 3 >= 4 }}", "{}"},
    {"{{ 0 or 'x' }}|{{ 1 and 'y' }}|{{ not 0 }}|{{ [] or 'e' }}|{{ 'a' if 0 else 'b' }}|{{ 'p' if 1 }}|{{ 'q' if 0 }}|", "{}"},
    {"{{ 'b' in 'abc' }}{{ 2 in [1, 2] }}{{ 'k' in {'k': 1} }}{{ 3 not in [1] }}{{ 'z' not in 'abc' }}", "{}"},
    {"{{ [1, 'a', [2], true, none] }}|{{ {'a': 1, 'b': [true, none], 'c': {'d': 'e'}} }}|{{ (1, 2) | length }}|{{ [1, 2] + [3] }}", "{}"},
    {"{{ [1,2,3,4][::-1] }}{{ 'hello'[1:3] }}{{ [1,2,3][-1] }}{{ 'hello'[::2] }}{{ [1,2,3,4,5][1:-1] }}{{ 'abc'[-2:] }}{{ 'héllo'[1:4] }}{{ [1,2,3,4,5][4:1:-2] }}{{ 'abc'[5:] }}", "{}"},
    {"{{ m.role }}|{{ m['content'] }}|{{ m.missing }}|{{ m.missing.deeper is defined }}|{{ m.role is defined }}|{{ nothing.at.all }}|", kMessages},
    {"{{ '  hi  ' | trim }}|{{ 'Ab' | upper }}{{ 'Ab' | lower }}|{{ 'hello world' | title }}|{{ 'hello' | capitalize }}|{{ [1,2,3] | length }}|{{ 'héllo' | length }}|{{ d | length }}", kMessages},
    {"{{ [3,1,2] | first }}{{ [3,1,2] | last }}|{{ ['a','b'] | join(', ') }}|{{ 'abc' | replace('b', 'X') }}|{{ x | default('dflt') }}|{{ [1,2,1] | unique | join }}|{{ ['x', 'y'] | join }}", "{}"},
    {"{{ t | tojson }}\n{{ t | tojson(indent=2) }}\n{{ t | tojson(sort_keys=true) }}\n{{ t.parameters | tojson(indent=4) }}",
     R"({"t": {"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "string", "description": "é \"q\" \n\t\u0001"}, "n": {"type": "number", "minimum": 0.5}}, "required": ["a"], "empty": {}, "none": []}}})"},
    {"{{ 'a\"b' | tojson }}{{ 3 | tojson }}{{ none | tojson }}{{ [1, 'x'] | tojson }}{{ 1.5 | tojson }}{{ true | tojson }}{{ {'k': [1, {'z': none}]} | tojson }}", "{}"},
    {"{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | join(',') }}|{{ messages | rejectattr('role', 'equalto', 'user') | list | length }}|{{ messages | map(attribute='role') | join }}|{{ messages | selectattr('tool_calls') | list | length }}", kMessages},
    {"{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|{% for k, v in d | items %}{{ k }};{% endfor %}|{% for k in d %}{{ k }}{% endfor %}|{% for k, v in d | dictsort %}{{ k }}{% endfor %}", kMessages},
    {"{% for x in ['a','b','c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.previtem }}{{ loop.nextitem }},{% endfor %}{{ loop }}", "{}"},
    {"{% for x in [1,2,3,4] if x % 2 == 0 %}{{ x }}{{ loop.index }}{% else %}none{% endfor %}|{% for x in [] %}x{% else %}empty{% endfor %}", "{}"},
    {"{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}|{{ range(3) | list }}|{{ range(1, 10, 3) | join(',') }}|{{ range(5, 0, -2) | list }}", "{}"},
    {"{% set ns = namespace(count=0, found=false) %}{% for x in [1,2,3] %}{% set ns.count = ns.count + x %}{% if x == 2 %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.count }}{{ ns.found }}", "{}"},
    {"{% set y = 1 %}{% for x in [1] %}{% set y = 2 %}{{ y }}{% endfor %}{{ y }}{% if true %}{% set z = 3 %}{% endif %}{{ z }}", "{}"},
    {"{% set b %}hello {{ 'w' }}{% endset %}[{{ b }}]{% set a, c = 1, 2 %}{{ a }}{{ c }}{% set l = [1, 2] %}{{ l }}", "{}"},
    {"{% macro greet(name, greeting='Hi') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('Bob') }} {{ greet('Al', greeting='Yo') }} {{ greet('C', 'Hey') }}", "{}"},
    {"{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}inner {{ 1 + 1 }}{% endcall %}", "{}"},
    {"{% macro render(m) %}{% if m.content is string %}{{ m.content }}{% else %}{% for c in m.content %}[{{ c.text }}]{% endfor %}{% endif %}{% endmacro %}{{ render(a) }}{{ render(b) }}",
     R"({"a": {"content": "plain"}, "b": {"content": [{"type": "text", "text": "t1"}, {"type": "text", "text": "t2"}]}})"},
    {"{% for x in [1,2] %}\n    {{ x }}\n{% endfor %}\n", "{}"},
    {"a  {%- if true -%}  b  {%- endif -%}  c {# comment #} d {#- trimmed -#} e  {{- 'f' -}}  g", "{}"},
    {"<ul>\n  {% for x in [1, 2] %}\n  <li>{{ x }}</li>\n  {% endfor %}\n</ul>\n  {# note #}\nend\n", "{}"},
    {"{{ 1 is number }}{{ 'a' is string }}{{ none is none }}{{ x is undefined }}{{ {} is mapping }}{{ [1] is iterable }}{{ 2 is even }}{{ 3 is odd }}{{ true is boolean }}{{ 1 is integer }}{{ false is false }}{{ true is true }}{{ 'ab' is lower }}{{ 'a' is not none }}{{ [] is sequence }}", "{}"},
    {"{{ '  x  '.strip() }}|{{ 'a,b,c'.split(',') }}|{{ 'a b  c'.split() }}|{{ 'hello'.startswith('he') }}|{{ 'hello'.endswith(('x', 'lo')) }}|{{ 'Hello'.upper() }}|{{ 'aXbX'.replace('X', '-') }}|{{ 'a b'.title() }}|{{ '\nabc\n'.strip('\n') }}|{{ 'a</think>b'.split('</think>')[-1] }}|{{ 'x-y-z'.split('-', 1) }}|{{ 'hello'.length }}", "{}"},
    {"{{ d.get('a') }}|{{ d.get('zz', 'dflt') }}|{{ d.get('zz') }}|{{ d.keys() | list }}|{{ d.values() | list }}|{{ d['c'][1] }}|{{ d.c.1 }}", kMessages},
    {"{% if messages[2].tool_calls is defined %}y{% else %}n{% endif %}{% if messages[0].tool_calls is defined %}y{% else %}n{% endif %}{{ messages[2].tool_calls[0].function.arguments | tojson }}", kMessages},
    {"{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M') }}|{{ strftime_now('%B %A') }}", "{}"},
    {"{{ 'a' if false else 'b' if true else 'c' }}|{{ \"esc\\t\\\"q\\\" \\\\ \\u00e9\" }}|{{ messages | length - 1 }}|{{ {'a': {'b': 1}} }}|{{ 'a' 'b' }}", kMessages},
    {"{% for message in messages[::-1] %}{% set index = (messages|length - 1) - loop.index0 %}{{ index }}{{ message.role[0] }}{% endfor %}", kMessages},
    {"{{ 'a\nb\n\nc' | indent(2) }}|{{ 'a\nb' | indent(2, true) }}|{{ 'x\ny' | indent }}", "{}"},
    {"{% filter upper %}abc{{ 'd' }}{% endfilter %}|{{ '42' | int + 1 }}|{{ '3.5' | float }}|{{ 3.7 | int }}|{{ 'x' | int }}|{{ 5 | float }}|{{ -3 | abs }}|{{ true | int }}", "{}"},
    {"{% set ns = namespace(items=[]) %}{% for m in messages %}{% set ns.items = ns.items + [m.role] %}{% endfor %}{{ ns.items | join(' ') }}{{ ns.items | length }}", kMessages},
    {"{%- for message in messages %}\n    {%- if message.role == 'system' %}\n        {{- '<sys>' + message.content + '</sys>\\n' }}\n    {%- elif message.role == 'user' %}\n        {{- '<u>' + message.content + '</u>\\n' }}\n    {%- else %}\n        {{- '<a>' + message.content }}\n        {%- for tc in message.tool_calls %}\n{{ tc.function.name }}:{{ tc.function.arguments | tojson }}\n        {%- endfor %}\n    {%- endif %}\n{%- endfor %}\n", kMessages},
    {"{{ [3, 1, 2] | sort | join }}|{{ ['b', 'A', 'c'] | sort | join }}|{{ [3, 1, 2] | sort(reverse=true) | join }}|{{ messages | sort(attribute='role') | map(attribute='role') | join(',') }}|{{ [1, 2, 3] | reverse | join }}", kMessages},
    {"{{ 'Hello' ~ ' ' ~ 'World' | upper }}|{{ ('a' ~ 'b') | upper }}|{{ 2 ** 3 ** 2 }}|{{ (1 + 2) is number }}|{{ not true or true }}|{{ not (true or true) }}", "{}"},
    {"{{ x is defined and x }}|{{ y | default('a', true) }}|{{ '' | default('empty', true) }}|{{ 0 | default(5) }}|{{ none | default('n') }}", R"({"x": 0, "y": ""})"},
};

const Case kErrorCases[] = {
    {"{{ raise_exception('bad conversation') }}", "{}"},
    {"{% if %}", "{}"},
    {"{% for x in [1] %}", "{}"},
    {"{{ 1 + }}", "{}"},
    {"{% endfor %}", "{}"},
    {"{{ 'abc' | nosuchfilter }}", "{}"},
    {"{{ 1 is nosuchtest }}", "{}"},
    {"{{ 'a' - 1 }}", "{}"},
    {"{{ x + 1 }}", "{}"},
    {"{% set x.y = 1 %}", R"({"x": {"y": 2}})"},
};

std::chrono::system_clock::time_point fixed_now() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1721989800));  // 2024-07-26 10:30:00 UTC
}

TEST(JinjaEngineOracleTest, MatchesHuggingFaceJinja) {
  nlohmann::ordered_json request = {{"now", "2024-07-26T10:30:00Z"}, {"cases", nlohmann::ordered_json::array()}};
  for (const Case& c : kCases) {
    request["cases"].push_back({{"template", c.source}, {"context", nlohmann::ordered_json::parse(c.context)}});
  }
  for (const Case& c : kErrorCases) {
    request["cases"].push_back({{"template", c.source}, {"context", nlohmann::ordered_json::parse(c.context)}});
  }
  const auto expected = testing::run_jinja_oracle(request);
  ASSERT_EQ(expected.size(), std::size(kCases) + std::size(kErrorCases)) << "oracle failed";
  RenderOptions options;
  options.now = fixed_now();
  size_t index = 0;
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.source);
    const auto& want = expected[index++];
    EXPECT_TRUE(want.ok) << "oracle error: " << want.output;
    auto parsed = Template::parse(c.source);
    EXPECT_TRUE(parsed.ok()) << parsed.status().to_string();
    if (!parsed.ok()) continue;
    auto rendered = parsed->render(nlohmann::ordered_json::parse(c.context), options);
    EXPECT_TRUE(rendered.ok()) << rendered.status().to_string();
    if (!rendered.ok()) continue;
    EXPECT_EQ(*rendered, want.output);
  }
  for (const Case& c : kErrorCases) {
    SCOPED_TRACE(c.source);
    const auto& want = expected[index++];
    EXPECT_FALSE(want.ok) << "oracle rendered: " << want.output;
    auto parsed = Template::parse(c.source);
    if (!parsed.ok()) continue;
    auto rendered = parsed->render(nlohmann::ordered_json::parse(c.context), options);
    EXPECT_FALSE(rendered.ok()) << "loom rendered: " << *rendered;
  }
}

}  // namespace
}  // namespace loom::jinja
