// tool_choice -> grammar constraint (see tool_choice.h).
#include "chat/tool_choice.h"

#include <optional>

#include "sample/tool_call_grammar.h"

namespace loom::chat {
namespace {

// Qwen3 reasoning before the calls: "<think>" text "</think>", where the text
// has no "</" (so the closing tag ends it), then optional whitespace.
sample::GrammarBuilder::Expr hermes_reasoning(sample::GrammarBuilder& b) {
  sample::ByteClass not_open, not_slash;
  for (int byte = 0; byte < 256; ++byte) {
    if (byte != '<') not_open.add(static_cast<uint8_t>(byte));
    if (byte != '/') not_slash.add(static_cast<uint8_t>(byte));
  }
  const auto text = b.star(b.alt({b.bytes(not_open), b.seq({b.literal("<"), b.bytes(not_slash)})}));
  sample::ByteClass space;
  for (char c : {' ', '\n', '\t', '\r'}) space.add(static_cast<uint8_t>(c));
  return b.seq({b.optional(b.seq({b.literal("<think>"), text, b.literal("</think>")})),
                b.repeat(b.bytes(space), 0, 4)});
}

// The call markup of each family, as its parser reads it (see render_output).
struct FamilyEnvelope {
  sample::ToolCallEnvelope calls;
  std::string before;     // opens the block of calls
  std::string after;      // closes it
  std::string trigger;    // where auto switches the grammar on
};

std::optional<FamilyEnvelope> family_envelope(Family family) {
  switch (family) {
    case Family::kHermes:
      return FamilyEnvelope{.calls = sample::hermes_tool_call_envelope(), .trigger = "<tool_call>"};
    case Family::kMistral:
      return FamilyEnvelope{.calls = {.call_prefix = "{\"name\": \"",
                                      .name_suffix = "\", \"arguments\": ",
                                      .call_suffix = "}",
                                      .separator = ", "},
                            .before = "[TOOL_CALLS][",
                            .after = "]",
                            .trigger = "[TOOL_CALLS]"};
    case Family::kLlama3:
      return FamilyEnvelope{.calls = {.call_prefix = "{\"name\": \"",
                                      .name_suffix = "\", \"parameters\": ",
                                      .call_suffix = "}",
                                      .separator = "; "},
                            .trigger = "{\"name\""};
    case Family::kDeepSeek:
      return FamilyEnvelope{
          .calls = {.call_prefix = "<｜tool▁call▁begin｜>function<｜tool▁sep｜>",
                    .name_suffix = "\n```json\n",
                    .call_suffix = "\n```<｜tool▁call▁end｜>",
                    .separator = "\n"},
          .before = "<｜tool▁calls▁begin｜>",
          .after = "<｜tool▁calls▁end｜>",
          .trigger = "<｜tool▁calls▁begin｜>"};
    case Family::kHarmony:  // each call is its own assistant message on the commentary channel
      return FamilyEnvelope{.calls = {.call_prefix = "<|channel|>commentary to=functions.",
                                      .name_suffix = " <|constrain|>json<|message|>",
                                      .call_suffix = "<|call|>",
                                      .separator = "<|start|>assistant"},
                            .trigger = "<|channel|>commentary to="};
    case Family::kPlain:
      break;
  }
  return std::nullopt;
}

}  // namespace

Result<ToolChoice> parse_tool_choice(const nlohmann::json& json, const std::vector<ToolDefinition>& tools) {
  ToolChoice choice;
  if (json.is_null()) {
    choice.mode = tools.empty() ? ToolChoiceMode::kNone : ToolChoiceMode::kAuto;
    return choice;
  }
  if (json.is_string()) {
    const std::string mode = json.get<std::string>();
    if (mode == "none") choice.mode = ToolChoiceMode::kNone;
    else if (mode == "auto") choice.mode = ToolChoiceMode::kAuto;
    else if (mode == "required") choice.mode = ToolChoiceMode::kRequired;
    else return invalid_argument("tool_choice: Invalid value '", mode, "'. Supported values are: 'none', 'auto' and 'required'.");
  } else if (json.is_object() && json.value("type", "") == "function") {
    const nlohmann::json* name = nullptr;
    if (json.contains("function") && json["function"].is_object() && json["function"].contains("name")) {
      name = &json["function"]["name"];
    } else if (json.contains("name")) {
      name = &json["name"];
    }
    if (name == nullptr || !name->is_string()) return invalid_argument("tool_choice.function.name must be a string");
    choice.mode = ToolChoiceMode::kNamed;
    choice.name = name->get<std::string>();
    bool known = false;
    for (const ToolDefinition& tool : tools) known = known || tool.name == choice.name;
    if (!known) return invalid_argument("tool_choice: no tool named '", choice.name, "' in tools");
  } else {
    return invalid_argument("tool_choice must be a string or {\"type\":\"function\",\"function\":{\"name\":...}}");
  }
  // "auto" without tools is what clients send when a turn offers none (Codex
  // compaction): nothing to call, not an error.
  if ((choice.mode == ToolChoiceMode::kRequired || choice.mode == ToolChoiceMode::kNamed) && tools.empty()) {
    return invalid_argument("tool_choice: '", json.dump(), "' needs at least one tool in tools");
  }
  return choice;
}

Result<ToolCallConstraint> tool_call_constraint(Family family, const std::vector<ToolDefinition>& tools,
                                                const ToolChoice& choice, bool parallel_tool_calls,
                                                bool allow_reasoning) {
  ToolCallConstraint constraint;
  if (choice.mode == ToolChoiceMode::kNone || tools.empty()) {
    constraint.parse_tool_calls = false;
    return constraint;
  }
  const std::optional<FamilyEnvelope> family_markup = family_envelope(family);
  if (!family_markup) {
    if (choice.mode == ToolChoiceMode::kAuto) return constraint;
    return unimplemented("tool_choice '", choice.mode == ToolChoiceMode::kNamed ? choice.name : "required",
                         "' is not enforced by grammar for the ", family_name(family), " format yet");
  }
  std::vector<sample::ToolSchema> schemas;
  for (const ToolDefinition& tool : tools) {
    if (choice.mode == ToolChoiceMode::kNamed && tool.name != choice.name) continue;
    schemas.push_back({.name = tool.name, .parameters = nlohmann::ordered_json::parse(tool.parameters.dump())});
  }
  sample::ToolCallEnvelope envelope = family_markup->calls;
  envelope.max_calls = parallel_tool_calls ? -1 : 1;
  sample::GrammarBuilder builder;
  const auto calls = TRY(sample::add_tool_calls(builder, schemas, envelope));
  sample::GrammarBuilder::Expr root =
      builder.seq({builder.literal(family_markup->before), builder.ref(calls), builder.literal(family_markup->after)});
  if (choice.mode == ToolChoiceMode::kAuto) {
    constraint.triggers = {family_markup->trigger};  // every envelope starts with its trigger
  } else if (allow_reasoning && family == Family::kHermes) {
    root = builder.seq({hermes_reasoning(builder), root});
  }
  const auto root_rule = builder.add_rule("root", root);
  constraint.grammar = std::make_shared<const sample::Grammar>(TRY(builder.build(root_rule)));
  return constraint;
}

}  // namespace loom::chat
