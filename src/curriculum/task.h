// Task: one curriculum problem: a workspace, a user message made of one to
// three independent sub-questions, the tool call that answers each, what the
// tool prints, and what a correct final answer must state. The generator
// computes tool outputs itself; tests check them against the real tools.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "curriculum/random.h"
#include "curriculum/workspace_generator.h"

namespace loom::curriculum {

enum class QuestionKind { kLineCount, kWordCount, kFindValue, kListFiles, kCountFiles, kReadNote, kArithmetic };
std::string_view question_kind_name(QuestionKind kind);

struct SubQuestion {
  QuestionKind kind = QuestionKind::kArithmetic;
  std::string question;                // one sentence of the user message
  std::string tool;                    // "shell" or "calculator"
  nlohmann::ordered_json arguments;    // {"command": ...} or {"expression": ...}
  std::string output;                  // stdout of the command, or the calculator's result
  std::string answer;                  // this question's sentence of the final answer
  std::vector<std::string> expected;   // what the final answer must contain
  std::string plan_step;               // for the reasoning: "count the lines of a.txt with wc -l"
  std::string check;                   // for the reasoning: "wc -l printed 12 for a.txt"
};

enum class TaskEffort { kNone, kLow, kMedium, kHigh };
std::string_view task_effort_name(TaskEffort effort);  // "none", "low", "medium", "high"

struct Task {
  GeneratedWorkspace workspace;
  std::vector<SubQuestion> questions;
  std::string prompt;  // the user message
  TaskEffort effort = TaskEffort::kMedium;
};

constexpr int kQuestionKinds = 7;

// How often each kind is drawn, in the order of QuestionKind; the defaults sum
// to 100. A kind with weight 0 is never asked.
using QuestionWeights = std::array<int, kQuestionKinds>;
constexpr QuestionWeights kDefaultQuestionWeights = {20, 15, 20, 10, 8, 7, 20};

// Parses "read_note=30" (a kind's name as question_kind_name spells it) and
// sets that weight; errors name the valid kinds.
Status set_question_weight(std::string_view assignment, QuestionWeights& weights);

struct TaskOptions {
  int min_questions = 1;
  int max_questions = 3;
  QuestionWeights weights = kDefaultQuestionWeights;
};

Task generate_task(Rng& rng, const TaskOptions& options = {});

// What `shell` returns to the model for a command that printed `output` and
// exited 0 (agent/shell_tool.cc's format). `wall_tenths`: the wall time in
// tenths of a second.
std::string shell_result_text(const std::string& output, int wall_tenths);

}  // namespace loom::curriculum
