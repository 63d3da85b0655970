// Tool-call envelope grammars built from JsonSchemaCompiler rules.
#include "sample/tool_call_grammar.h"

namespace loom::sample {

ToolCallEnvelope hermes_tool_call_envelope() {
  return ToolCallEnvelope{.call_prefix = "<tool_call>\n{\"name\": \"",
                          .name_suffix = "\", \"arguments\": ",
                          .call_suffix = "}\n</tool_call>",
                          .separator = "\n",
                          .min_calls = 1,
                          .max_calls = -1};
}

Result<GrammarBuilder::RuleId> add_tool_calls(GrammarBuilder& builder, const std::vector<ToolSchema>& tools,
                                              const ToolCallEnvelope& envelope, const JsonSchemaOptions& options) {
  if (tools.empty()) return invalid_argument("a tool-call grammar needs at least one tool");
  if (envelope.min_calls < 0 || (envelope.max_calls >= 0 && envelope.max_calls < envelope.min_calls)) {
    return invalid_argument("tool-call envelope: bad call counts");
  }
  JsonSchemaCompiler compiler(builder, options);
  std::vector<GrammarBuilder::Expr> calls;
  for (const ToolSchema& tool : tools) {
    Result<GrammarBuilder::RuleId> arguments = compiler.compile(tool.parameters, str_cat("tool-", tool.name));
    if (!arguments.ok()) return arguments.status().with_context(str_cat("tool '", tool.name, "'"));
    // The name as it appears inside a JSON string.
    const std::string quoted = nlohmann::json(tool.name).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    calls.push_back(builder.seq({builder.literal(envelope.call_prefix), builder.literal(quoted.substr(1, quoted.size() - 2)),
                                 builder.literal(envelope.name_suffix), builder.ref(*arguments),
                                 builder.literal(envelope.call_suffix)}));
  }
  const GrammarBuilder::RuleId call = builder.add_rule(builder.unique_name("tool-call"), builder.alt(std::move(calls)));
  const GrammarBuilder::Expr more = builder.seq({builder.literal(envelope.separator), builder.ref(call)});
  GrammarBuilder::Expr body;
  if (envelope.min_calls == 0) {
    const int max_more = envelope.max_calls < 0 ? GrammarBuilder::kUnbounded : envelope.max_calls - 1;
    body = envelope.max_calls == 0 ? builder.empty()
                                   : builder.optional(builder.seq({builder.ref(call), builder.repeat(more, 0, max_more)}));
  } else {
    const int max_more = envelope.max_calls < 0 ? GrammarBuilder::kUnbounded : envelope.max_calls - 1;
    body = builder.seq({builder.ref(call), builder.repeat(more, envelope.min_calls - 1, max_more)});
  }
  return builder.add_rule(builder.unique_name("tool-calls"), body);
}

Result<Grammar> tool_call_grammar(const std::vector<ToolSchema>& tools, const ToolCallEnvelope& envelope,
                                  const JsonSchemaOptions& options) {
  GrammarBuilder builder;
  const GrammarBuilder::RuleId root = TRY(add_tool_calls(builder, tools, envelope, options));
  return builder.build(root);
}

}  // namespace loom::sample
