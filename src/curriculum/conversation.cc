// Task -> agent conversation -> training segments (see conversation.h).
#include "curriculum/conversation.h"

#include "agent/system_prompt.h"
#include "curriculum/reasoning_text.h"
#include "inprocess/agent_request.h"
#include "jinja/value_format.h"

namespace loom::curriculum {
namespace {

constexpr std::string_view kEndOfTurn = "<|im_end|>";

// The arguments as the chat template's tojson writes them (", " and ": "),
// which is also what the model is taught to write.
std::string arguments_text(const nlohmann::ordered_json& arguments) {
  std::string text = "{";
  bool first = true;
  for (const auto& [key, value] : arguments.items()) {
    if (!first) text += ", ";
    first = false;
    jinja::append_json_string(text, key, false);
    text += ": ";
    if (value.is_string()) jinja::append_json_string(text, value.get<std::string>(), false);
    else text += value.dump();
  }
  return text + "}";
}

// Shell reports its wall time; commands this small take 0.0 s, sometimes
// longer on a busy machine, and the model should not care.
int random_wall_tenths(Rng& rng) { return rng.chance(4, 5) ? 0 : static_cast<int>(rng.between(1, 3)); }

}  // namespace

const std::vector<std::string>& curriculum_tool_names() {
  static const std::vector<std::string> kNames = {"shell", "calculator"};
  return kNames;
}

Result<std::unique_ptr<AgentSetup>> make_agent_setup() {
  auto setup = std::make_unique<AgentSetup>();
  setup->registry = TRY(agent::make_tool_registry(curriculum_tool_names()));
  setup->tools = setup->registry.specs();
  return setup;
}

std::string curriculum_system_prompt(const std::filesystem::path& root) {
  return agent::build_system_prompt({.workspace = root, .tools = curriculum_tool_names()});
}

AgentConversation task_conversation(const Task& task, const std::filesystem::path& root, Rng& rng) {
  AgentConversation conversation;
  conversation.reasoning_effort = std::string(task_effort_name(task.effort));
  const TaskReasoning reasoning = task_reasoning(task, rng);
  conversation.items.push_back(agent::Item::system(curriculum_system_prompt(root)));
  conversation.items.push_back(agent::Item::user(task.prompt));

  agent::Item calls{.kind = agent::ItemKind::kAssistant, .reasoning = reasoning.before_calls};
  std::vector<agent::Item> results;
  for (size_t index = 0; index < task.questions.size(); ++index) {
    const SubQuestion& question = task.questions[index];
    const std::string call_id = str_cat("call_1_", index);
    calls.tool_calls.push_back({.call_id = call_id, .name = question.tool, .arguments = arguments_text(question.arguments)});
    const std::string output =
        question.tool == "shell" ? shell_result_text(question.output, random_wall_tenths(rng)) : question.output;
    results.push_back({.kind = agent::ItemKind::kToolResult, .text = output, .call_id = call_id, .tool_name = question.tool});
  }
  conversation.items.push_back(std::move(calls));
  for (agent::Item& result : results) conversation.items.push_back(std::move(result));

  std::string answer;
  for (const SubQuestion& question : task.questions) answer += (answer.empty() ? "" : " ") + question.answer;
  conversation.items.push_back({.kind = agent::ItemKind::kAssistant, .text = answer, .reasoning = reasoning.final_turn});
  return conversation;
}

std::string assistant_completion(const agent::Item& item, bool thinking) {
  std::string text;
  if (thinking) text += item.reasoning + "\n</think>\n\n";
  text += item.text;
  for (size_t index = 0; index < item.tool_calls.size(); ++index) {
    if (index > 0 || !item.text.empty()) text += "\n";
    const agent::ModelToolCall& call = item.tool_calls[index];
    text += str_cat("<tool_call>\n{\"name\": \"", call.name, "\", \"arguments\": ", call.arguments, "}\n</tool_call>");
  }
  return text + std::string(kEndOfTurn);
}

Result<std::vector<TextSegment>> conversation_segments(const server::ServingModel& model, const AgentSetup& setup,
                                                       const AgentConversation& conversation) {
  std::vector<TextSegment> segments;
  std::string so_far;
  const bool thinking = conversation.reasoning_effort != "none";
  for (size_t index = 0; index < conversation.items.size(); ++index) {
    const agent::Item& item = conversation.items[index];
    if (item.kind != agent::ItemKind::kAssistant) continue;
    agent::ModelRequest request{.items = std::vector<agent::Item>(conversation.items.begin(), conversation.items.begin() + index),
                                .tools = setup.tools,
                                .reasoning_effort = conversation.reasoning_effort};
    const server::PreparedPrompt prompt = TRY(inprocess::render_agent_prompt(model, request));
    if (!prompt.text.starts_with(so_far)) {
      return internal_error("the prompt of model call ", segments.size() / 2 + 1,
                            " does not extend the conversation before it; the chat template drops or changes "
                            "earlier text, so training text would differ from what the agent sends");
    }
    segments.push_back({prompt.text.substr(so_far.size()), false});
    segments.push_back({assistant_completion(item, thinking), true});
    so_far = prompt.text + segments.back().text;
  }
  return segments;
}

}  // namespace loom::curriculum
