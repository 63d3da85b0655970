// Effort-dependent reasoning text (see reasoning_text.h).
#include "curriculum/reasoning_text.h"

#include "base/status.h"

namespace loom::curriculum {
namespace {

std::string number_word(size_t count) {
  static const char* kWords[] = {"zero", "one", "two", "three", "four"};
  return count < 5 ? kWords[count] : std::to_string(count);
}

std::string capitalized(std::string text) {
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 'a' + 'A');
  return text;
}

std::string low_reasoning(const Task& task, Rng& rng) {
  if (task.questions.size() == 1) return str_cat("I will ", task.questions[0].plan_step, ".");
  return str_cat(capitalized(number_word(task.questions.size())),
                 rng.chance(1, 2) ? " independent questions, so I ask them all at once."
                                  : " separate questions: I call the tools in parallel.");
}

std::string medium_reasoning(const Task& task) {
  std::string steps;
  for (size_t index = 0; index < task.questions.size(); ++index)
    steps += str_cat(index ? "; " : "", task.questions[index].plan_step);
  if (task.questions.size() == 1) return str_cat("Plan: ", steps, ", then answer.");
  return str_cat("Plan: ", steps, ". They are independent, so I call the tools in parallel, then answer.");
}

std::string high_plan(const Task& task) {
  const size_t count = task.questions.size();
  std::string text = count == 1 ? std::string("The user asks one question.\nPlan:\n")
                                : str_cat("The user asks ", number_word(count), " questions.\nPlan:\n");
  for (size_t index = 0; index < count; ++index)
    text += str_cat(index + 1, ". ", capitalized(task.questions[index].plan_step), ".\n");
  text += count == 1 ? "Then I check the result before answering."
                     : "The steps do not depend on each other, so I run them in parallel and check the results "
                       "before answering.";
  return text;
}

std::string high_check(const Task& task) {
  std::string text = "Check:\n";
  for (const SubQuestion& question : task.questions) text += str_cat("- ", capitalized(question.check), ".\n");
  text += task.questions.size() == 1 ? "The question has its result, so I can answer."
                                     : "Every question has its result, so I can answer.";
  return text;
}

}  // namespace

TaskReasoning task_reasoning(const Task& task, Rng& rng) {
  switch (task.effort) {
    case TaskEffort::kNone: return {};
    case TaskEffort::kLow: return {low_reasoning(task, rng), ""};
    case TaskEffort::kMedium: return {medium_reasoning(task), ""};
    case TaskEffort::kHigh: return {high_plan(task), high_check(task)};
  }
  return {};
}

}  // namespace loom::curriculum
