// Grading one agent run on a curriculum task: was the final answer right,
// was every tool call well formed, were independent sub-questions asked in
// one turn of parallel calls, and how long was the reasoning.
#pragma once

#include <cstdint>
#include <vector>

#include "agent/backend.h"
#include "agent/loop.h"
#include "agent/tool.h"
#include "curriculum/task.h"
#include "text/tokenizer.h"

namespace loom::curriculum {

struct TaskOutcome {
  TaskEffort effort = TaskEffort::kNone;
  bool answered = false;        // the loop ended with an answer, not a budget
  bool correct = false;         // the answer states every expected value
  int tool_calls = 0;
  int invalid_calls = 0;        // unknown tool, arguments not an object, or off the tool's schema
  bool needs_parallel = false;  // two or more independent sub-questions
  bool parallel = false;        // the first turn made a call per sub-question
  int64_t reasoning_tokens = 0; // all turns
  int turns = 0;
  std::string answer;
};

// Whether `arguments` (JSON text) is an object that `spec`'s schema accepts:
// required properties present, no unknown ones (the schemas forbid them),
// declared types respected.
bool call_is_valid(const agent::ToolSpec& spec, const std::string& arguments);

TaskOutcome grade_task(const Task& task, const std::vector<agent::ModelTurn>& turns, const agent::LoopResult& result,
                       const agent::ToolRegistry& registry, const text::Tokenizer& tokenizer);

}  // namespace loom::curriculum
