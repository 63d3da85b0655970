// libFuzzer target for the Jinja engine: the input is a template, parsed and
// rendered against a small chat context with tight limits. Any input must give
// a rendered string or a Status, never a crash, hang, leak or huge allocation.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "jinja/template.h"

namespace {

const nlohmann::ordered_json& context() {
  static const nlohmann::ordered_json kContext = nlohmann::ordered_json::parse(R"({
    "messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": "hi <b>\n"},
                 {"role": "assistant", "content": "", "reasoning_content": "r",
                  "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": {"a": [1, 2.5, null]}}}]},
                 {"role": "tool", "tool_call_id": "c1", "content": "{\"ok\": true}"}],
    "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "array"}}}}}],
    "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "enable_thinking": false})");
  return kContext;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view source(reinterpret_cast<const char*>(data), size);
  loom::jinja::ParseOptions parse_options;
  parse_options.max_nesting = 64;
  auto parsed = loom::jinja::Template::parse(source, parse_options);
  if (!parsed.ok()) return 0;
  loom::jinja::RenderOptions options;
  options.limits.max_steps = 20000;
  options.limits.max_call_depth = 16;
  options.limits.max_output_bytes = 1 << 16;
  options.now = std::chrono::system_clock::time_point(std::chrono::seconds(1721989800));
  auto rendered = parsed->render(context(), options);
  (void)rendered;
  return 0;
}
