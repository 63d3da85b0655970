// The bundled model's evaluation: held-out curriculum tasks (new workspaces,
// new numbers) run through the real agent loop with the model in-process,
// tool calls grammar-constrained and the real tools executed in the sandbox,
// then graded (grading.h) and summed up.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "curriculum/grading.h"

namespace loom::curriculum {

struct EvaluationOptions {
  std::filesystem::path model;
  int64_t tasks = 200;
  uint64_t seed = 1'000'003;  // training corpora use small seeds; any other gives held-out tasks
  int threads = 0;
  std::filesystem::path work_dir;  // empty: a fresh directory under the system temp dir
  int max_turns = 4;
  int64_t max_output_tokens = 512;  // per model call
};

struct EffortSummary {
  int64_t tasks = 0;
  int64_t correct = 0;
  int64_t reasoning_tokens = 0;
};

struct EvaluationReport {
  int64_t tasks = 0;
  int64_t correct = 0;
  int64_t tasks_with_valid_calls = 0;  // every call of the run valid
  int64_t tool_calls = 0;
  int64_t invalid_calls = 0;
  int64_t parallel_tasks = 0;  // tasks with independent sub-questions
  int64_t parallel_used = 0;
  double seconds = 0;
  std::map<TaskEffort, EffortSummary> by_effort;
  std::map<std::string, std::pair<int64_t, int64_t>> by_kind;  // question kind: (correct, tasks) of one-question tasks

  nlohmann::ordered_json to_json() const;
  std::string to_text() const;
};

// Runs `task` through the agent loop on `backend` (the tools of `registry`,
// executed in the sandbox on the task's workspace, written to `dir`) and
// grades the run; `tokenizer` counts reasoning tokens.
Result<TaskOutcome> run_curriculum_task(const Task& task, const std::filesystem::path& dir, agent::ModelBackend& backend,
                                        const agent::ToolRegistry& registry, const text::Tokenizer& tokenizer,
                                        int max_turns);

// Effort of the index-th evaluation task: none, low, high in turn.
TaskEffort evaluation_effort(int64_t index);

// `progress` (may be empty) sees each task's outcome as it finishes.
Result<EvaluationReport> evaluate_agent(const EvaluationOptions& options,
                                        const std::function<void(int64_t, const Task&, const TaskOutcome&)>& progress);

}  // namespace loom::curriculum
