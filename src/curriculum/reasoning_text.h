// The reasoning the curriculum teaches, by effort: none thinks not at all, low
// says in one sentence what it will do, medium writes a plan, high writes a
// numbered plan and, once the results are in, checks each one.
#pragma once

#include <string>

#include "curriculum/task.h"

namespace loom::curriculum {

struct TaskReasoning {
  std::string before_calls;  // the turn that calls the tools
  std::string final_turn;    // the turn that answers
};

TaskReasoning task_reasoning(const Task& task, Rng& rng);

}  // namespace loom::curriculum
