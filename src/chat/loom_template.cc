// The text of loom's chat template (see loom_template.h).
#include "chat/loom_template.h"

namespace loom::chat {

std::string_view loom_chat_template() {
  static constexpr std::string_view kTemplate = R"JINJA({#- loom chat template: Qwen3 format -#}
{%- if enable_thinking is defined and not enable_thinking -%}
  {%- set effort = 'none' -%}
{%- elif reasoning_effort is defined and reasoning_effort in ['none', 'minimal'] -%}
  {%- set effort = 'none' -%}
{%- elif reasoning_effort is defined and reasoning_effort in ['low', 'medium', 'high'] -%}
  {%- set effort = reasoning_effort -%}
{%- elif reasoning_effort is defined and reasoning_effort == 'xhigh' -%}
  {%- set effort = 'high' -%}
{%- else -%}
  {%- set effort = 'medium' -%}
{%- endif -%}
{%- set ns = namespace(last_user=-1) -%}
{%- for message in messages -%}
  {%- if message.role == 'user' -%}{%- set ns.last_user = loop.index0 -%}{%- endif -%}
{%- endfor -%}
{{- '<|im_start|>system\n' -}}
{%- if messages and messages[0].role == 'system' -%}{{- messages[0].content | trim + '\n' -}}{%- endif -%}
{%- if tools -%}
  {{- '\n# Tools\nCall a tool with <tool_call>\n{"name": NAME, "arguments": {...}}\n</tool_call>\nIndependent calls go in the same turn, one after another.\n<tools>\n' -}}
  {%- for tool in tools -%}
    {{- (tool.function if tool.function is defined else tool) | tojson + '\n' -}}
  {%- endfor -%}
  {{- '</tools>\n' -}}
{%- endif -%}
{{- 'Reasoning effort: ' + effort + '<|im_end|>\n' -}}
{%- for message in messages -%}
  {%- set content = message.content if message.content is string else '' -%}
  {%- if message.role == 'system' -%}
    {%- if not loop.first -%}{{- '<|im_start|>system\n' + content | trim + '<|im_end|>\n' -}}{%- endif -%}
  {%- elif message.role == 'user' -%}
    {{- '<|im_start|>user\n' + content | trim + '<|im_end|>\n' -}}
  {%- elif message.role == 'assistant' -%}
    {{- '<|im_start|>assistant\n' -}}
    {%- if loop.index0 > ns.last_user -%}
      {%- set reasoning = message.reasoning_content if message.reasoning_content is string else '' -%}
      {{- '<think>\n' + reasoning | trim + '\n</think>\n\n' -}}
    {%- endif -%}
    {{- content | trim -}}
    {%- if message.tool_calls -%}
      {%- for call in message.tool_calls -%}
        {%- if not loop.first or content | trim -%}{{- '\n' -}}{%- endif -%}
        {%- set function = call.function if call.function is defined else call -%}
        {%- set arguments = function.arguments if function.arguments is string else function.arguments | tojson -%}
        {{- '<tool_call>\n{"name": "' + function.name + '", "arguments": ' + arguments + '}\n</tool_call>' -}}
      {%- endfor -%}
    {%- endif -%}
    {{- '<|im_end|>\n' -}}
  {%- elif message.role == 'tool' -%}
    {%- if loop.first or messages[loop.index0 - 1].role != 'tool' -%}{{- '<|im_start|>user' -}}{%- endif -%}
    {{- '\n<tool_response>\n' + content | trim + '\n</tool_response>' -}}
    {%- if loop.last or messages[loop.index0 + 1].role != 'tool' -%}{{- '<|im_end|>\n' -}}{%- endif -%}
  {%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}
  {{- '<|im_start|>assistant\n' -}}
  {{- '<think>\n' if effort != 'none' else '<think>\n\n</think>\n\n' -}}
{%- endif -%}
)JINJA";
  return kTemplate;
}

}  // namespace loom::chat
