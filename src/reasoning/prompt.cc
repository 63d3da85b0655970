// Effort-aware prompt rendering (see prompt.h).
#include "reasoning/prompt.h"

#include "chat/chat_template.h"
#include "chat/harmony_renderer.h"

namespace loom::reasoning {
namespace {

bool ends_with_marker(std::string_view text, std::string_view marker) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  return !marker.empty() && text.ends_with(marker);
}

}  // namespace

Result<RenderedPrompt> render_prompt(const PromptRequest& request, const EffortPlan& plan) {
  RenderedPrompt out;
  if (request.family == chat::Family::kHarmony) {
    chat::HarmonyOptions options;
    options.current_date = request.harmony_date;
    options.effort = plan.harmony_level.value_or(chat::HarmonyEffort::kMedium);
    out.text = TRY(chat::render_harmony(request.messages, request.tools, options));
  } else {
    if (request.chat_template.empty() && request.parsed_template == nullptr) {
      return invalid_argument("the model has no chat template");
    }
    chat::ChatTemplateInputs inputs;
    inputs.messages = request.messages;
    inputs.tools = request.tools;
    inputs.add_generation_prompt = true;
    inputs.bos_token = request.bos_token;
    inputs.eos_token = request.eos_token;
    inputs.now = request.now;
    if (plan.enable_thinking.has_value()) inputs.extra_kwargs["enable_thinking"] = *plan.enable_thinking;
    // Templates that read the OpenAI parameter themselves get the level applied.
    if (plan.has_effect) inputs.extra_kwargs["reasoning_effort"] = std::string(effort_name(plan.effective));
    out.text = request.parsed_template != nullptr ? TRY(request.parsed_template->render(inputs))
                                                  : TRY(chat::render_chat(request.chat_template, inputs));
  }
  const std::optional<ReasoningMarkers> markers = reasoning_markers(request.family);
  if (!markers || !plan.has_effect) return out;
  // R1's template opens the block itself (the model was trained to expect it);
  // a template that leaves it out would let the model skip reasoning.
  if (plan.style == ReasoningStyle::kAlways && !ends_with_marker(out.text, markers->open)) {
    out.text += markers->open + "\n";
  }
  out.starts_in_reasoning = ends_with_marker(out.text, markers->open);
  return out;
}

}  // namespace loom::reasoning
