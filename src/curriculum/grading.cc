// Grading of curriculum runs (see grading.h).
#include "curriculum/grading.h"

namespace loom::curriculum {
namespace {

bool has_type(const nlohmann::json& value, const std::string& type) {
  if (type == "string") return value.is_string();
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "boolean") return value.is_boolean();
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  return true;
}

}  // namespace

bool call_is_valid(const agent::ToolSpec& spec, const std::string& arguments) {
  const nlohmann::json parsed = nlohmann::json::parse(arguments, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) return false;
  const nlohmann::json& schema = spec.parameters;
  const nlohmann::json properties = schema.value("properties", nlohmann::json::object());
  for (const auto& [key, value] : parsed.items()) {
    if (!properties.contains(key)) return false;
    if (properties[key].contains("type") && !has_type(value, properties[key]["type"].get<std::string>())) return false;
  }
  for (const auto& required : schema.value("required", nlohmann::json::array()))
    if (!parsed.contains(required.get<std::string>())) return false;
  return true;
}

TaskOutcome grade_task(const Task& task, const std::vector<agent::ModelTurn>& turns, const agent::LoopResult& result,
                       const agent::ToolRegistry& registry, const text::Tokenizer& tokenizer) {
  TaskOutcome outcome;
  outcome.effort = task.effort;
  outcome.turns = static_cast<int>(turns.size());
  outcome.answered = result.reason == agent::StopReason::kAnswered;
  outcome.answer = result.answer;
  outcome.correct = outcome.answered;
  for (const SubQuestion& question : task.questions) {
    for (const std::string& expected : question.expected)
      outcome.correct = outcome.correct && result.answer.find(expected) != std::string::npos;
  }
  for (const agent::ModelTurn& turn : turns) {
    outcome.reasoning_tokens += static_cast<int64_t>(tokenizer.encode(turn.reasoning, false).size());
    for (const agent::ModelToolCall& call : turn.tool_calls) {
      ++outcome.tool_calls;
      const agent::Tool* tool = registry.find(call.name);
      if (tool == nullptr || call.freeform || !call_is_valid(tool->spec(), call.arguments)) ++outcome.invalid_calls;
    }
  }
  outcome.needs_parallel = task.questions.size() >= 2;
  // Parallel: the first turn asks for as many calls as there are sub-questions
  // (whether each is right is what `correct` measures).
  outcome.parallel = outcome.needs_parallel && !turns.empty() && turns[0].tool_calls.size() >= task.questions.size();
  return outcome;
}

}  // namespace loom::curriculum
