// A curriculum task as the agent conversation it should produce (system
// prompt, task, one turn of parallel tool calls, their results, the answer),
// and that conversation as training text: the prompt of each model call
// rendered exactly as the agent's in-process backend renders it, followed by
// the completion the model should write.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "agent/conversation.h"
#include "agent/tool.h"
#include "base/status.h"
#include "curriculum/task.h"
#include "server/serving_model.h"

namespace loom::curriculum {

// What the agent offers the model in curriculum tasks: `shell` and
// `calculator`, in that order.
const std::vector<std::string>& curriculum_tool_names();

struct AgentSetup {
  agent::ToolRegistry registry;
  std::vector<const agent::ToolSpec*> tools;  // views into registry
};
Result<std::unique_ptr<AgentSetup>> make_agent_setup();

// The system prompt `loom agent --tools shell,calculator` sends for a
// workspace at `root` in the default sandbox and approval modes.
std::string curriculum_system_prompt(const std::filesystem::path& root);

struct AgentConversation {
  std::vector<agent::Item> items;  // system, user, assistant, tool results..., assistant
  std::string reasoning_effort;    // none | low | medium | high
};

// `root`: the workspace path the system prompt names. `rng` varies what is
// incidental (the wall time shell reports, call ids).
AgentConversation task_conversation(const Task& task, const std::filesystem::path& root, Rng& rng);

struct TextSegment {
  std::string text;
  bool train = false;  // the model's own output: the loss is taken on it
};

// For each assistant item: the rendered prompt (only the part beyond what
// earlier segments hold) and the completion the model writes, up to and
// including <|im_end|>. An error when a prompt does not extend the text
// before it, which would make training text differ from inference text.
Result<std::vector<TextSegment>> conversation_segments(const server::ServingModel& model, const AgentSetup& setup,
                                                       const AgentConversation& conversation);

// The text the model generates for an assistant item after the generation
// prompt: reasoning and "\n</think>\n\n" when thinking is on, then content and
// the calls in the template's format, then <|im_end|>.
std::string assistant_completion(const agent::Item& item, bool thinking);

}  // namespace loom::curriculum
