// loom's own chat template: the Qwen3 format (<|im_start|>role ... <|im_end|>,
// <think> reasoning switched by enable_thinking, <tool_call> JSON calls,
// <tool_response> results grouped in one user turn). The bundled model is
// trained on exactly this rendering; detect_family gives hermes and
// reasoning_style hybrid.
#pragma once

#include <string_view>

namespace loom::chat {

// Variables beyond the standard ones: enable_thinking (false: an empty think
// block is written after the generation prompt) and reasoning_effort
// (none|minimal|low|medium|high|xhigh; absent: medium), stated in the system
// turn as "Reasoning effort: none|low|medium|high" so a model can think as
// long as asked. Reasoning of assistant turns after the last user message is
// kept, so a prompt rendered mid-task is a prefix of the whole conversation.
std::string_view loom_chat_template();

}  // namespace loom::chat
