// Evaluation of an agent model on held-out curriculum tasks (see evaluation.h).
#include "curriculum/evaluation.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "agent/loop.h"
#include "agent/sandbox.h"
#include "curriculum/conversation.h"
#include "inprocess/local_backend.h"
#include "inprocess/local_model.h"

namespace loom::curriculum {
namespace {

// Keeps every turn the model produced, for grading.
class RecordingBackend : public agent::ModelBackend {
 public:
  explicit RecordingBackend(agent::ModelBackend& inner) : inner_(inner) {}
  Result<agent::ModelTurn> complete(const agent::ModelRequest& request) override {
    agent::ModelTurn turn = TRY(inner_.complete(request));
    turns.push_back(turn);
    return turn;
  }
  std::string describe() const override { return inner_.describe(); }
  std::vector<agent::ModelTurn> turns;

 private:
  agent::ModelBackend& inner_;
};

double percent(int64_t part, int64_t whole) { return whole > 0 ? 100.0 * static_cast<double>(part) / whole : 0.0; }

}  // namespace

Result<TaskOutcome> run_curriculum_task(const Task& task, const std::filesystem::path& dir, agent::ModelBackend& backend,
                                        const agent::ToolRegistry& registry, const text::Tokenizer& tokenizer,
                                        int max_turns) {
  std::filesystem::create_directories(dir);
  TRY(write_workspace(task.workspace, dir));
  agent::Workspace workspace = TRY(agent::Workspace::open(dir, agent::SandboxMode::kWorkspaceWrite));
  // The agent's defaults: workspace-write sandbox, on-request approval with
  // nobody to ask (an escalation is denied, as it would be unattended).
  agent::ToolContext context(std::move(workspace), agent::ApprovalPolicy::kOnRequest, nullptr);
  RecordingBackend recording(backend);
  agent::LoopOptions loop_options{.max_turns = max_turns,
                                  .max_wall = std::chrono::seconds(120),
                                  .reasoning_effort = std::string(task_effort_name(task.effort)),
                                  .compaction = {.context_tokens = 0}};
  agent::AgentLoop loop(recording, registry, context, loop_options, nullptr, nullptr);
  const agent::LoopResult result = TRY(loop.run(task.prompt));
  return grade_task(task, recording.turns, result, registry, tokenizer);
}

TaskEffort evaluation_effort(int64_t index) {
  static constexpr TaskEffort kEfforts[] = {TaskEffort::kNone, TaskEffort::kLow, TaskEffort::kHigh};
  return kEfforts[index % 3];
}

Result<EvaluationReport> evaluate_agent(const EvaluationOptions& options,
                                        const std::function<void(int64_t, const Task&, const TaskOutcome&)>& progress) {
  const auto start = std::chrono::steady_clock::now();
  TRY(agent::check_sandbox_available());  // the real tools run in the sandbox, as for the agent
  std::unique_ptr<inprocess::LocalModel> model =
      TRY(inprocess::LocalModel::load(options.model, {.threads = options.threads}));
  const agent::ToolRegistry registry = TRY(agent::make_tool_registry(curriculum_tool_names()));
  std::filesystem::path root = options.work_dir;
  const bool temporary = root.empty();
  if (temporary) root = std::filesystem::temp_directory_path() / str_cat("loom-eval-", ::getpid());

  EvaluationReport report;
  Rng rng(options.seed);
  for (int64_t index = 0; index < options.tasks; ++index) {
    Task task = generate_task(rng);
    task.effort = evaluation_effort(index);
    inprocess::LocalBackend backend(model->serving_model(), model->backend(),
                                    {.sampling = {.max_output_tokens = options.max_output_tokens}});
    const TaskOutcome outcome = TRY(run_curriculum_task(task, root / str_cat("task-", index), backend, registry,
                                                        model->serving_model().tokenizer(), options.max_turns));
    ++report.tasks;
    report.correct += outcome.correct;
    report.tasks_with_valid_calls += outcome.invalid_calls == 0;
    report.tool_calls += outcome.tool_calls;
    report.invalid_calls += outcome.invalid_calls;
    report.parallel_tasks += outcome.needs_parallel;
    report.parallel_used += outcome.parallel;
    EffortSummary& effort = report.by_effort[task.effort];
    ++effort.tasks;
    effort.correct += outcome.correct;
    effort.reasoning_tokens += outcome.reasoning_tokens;
    if (task.questions.size() == 1) {
      auto& kind = report.by_kind[std::string(question_kind_name(task.questions[0].kind))];
      kind.first += outcome.correct;
      ++kind.second;
    }
    if (progress) progress(index, task, outcome);
  }
  if (temporary) std::filesystem::remove_all(root);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

nlohmann::ordered_json EvaluationReport::to_json() const {
  nlohmann::ordered_json out;
  out["tasks"] = tasks;
  out["correct_percent"] = percent(correct, tasks);
  out["valid_calls_percent"] = percent(tool_calls - invalid_calls, tool_calls);
  out["tasks_all_calls_valid_percent"] = percent(tasks_with_valid_calls, tasks);
  out["parallel_percent"] = percent(parallel_used, parallel_tasks);
  out["parallel_tasks"] = parallel_tasks;
  out["tool_calls"] = tool_calls;
  nlohmann::ordered_json efforts = nlohmann::ordered_json::object();
  for (const auto& [effort, summary] : by_effort) {
    efforts[std::string(task_effort_name(effort))] = {
        {"tasks", summary.tasks},
        {"correct_percent", percent(summary.correct, summary.tasks)},
        {"mean_reasoning_tokens", summary.tasks ? static_cast<double>(summary.reasoning_tokens) / summary.tasks : 0.0}};
  }
  out["by_effort"] = efforts;
  nlohmann::ordered_json kinds = nlohmann::ordered_json::object();
  for (const auto& [kind, counts] : by_kind)
    kinds[kind] = {{"tasks", counts.second}, {"correct_percent", percent(counts.first, counts.second)}};
  out["single_question_tasks_by_kind"] = kinds;
  out["seconds"] = seconds;
  return out;
}

std::string EvaluationReport::to_text() const {
  char line[256];
  std::string text;
  std::snprintf(line, sizeof(line), "tasks: %lld (%.0f s)\n", static_cast<long long>(tasks), seconds);
  text += line;
  std::snprintf(line, sizeof(line), "final answer correct: %.1f%% (%lld/%lld)\n", percent(correct, tasks),
                static_cast<long long>(correct), static_cast<long long>(tasks));
  text += line;
  std::snprintf(line, sizeof(line), "tool calls valid: %.1f%% (%lld/%lld calls); tasks with every call valid: %.1f%%\n",
                percent(tool_calls - invalid_calls, tool_calls), static_cast<long long>(tool_calls - invalid_calls),
                static_cast<long long>(tool_calls), percent(tasks_with_valid_calls, tasks));
  text += line;
  std::snprintf(line, sizeof(line), "parallel calls used: %.1f%% (%lld/%lld tasks with independent sub-questions)\n",
                percent(parallel_used, parallel_tasks), static_cast<long long>(parallel_used),
                static_cast<long long>(parallel_tasks));
  text += line;
  for (const auto& [effort, summary] : by_effort) {
    std::snprintf(line, sizeof(line), "effort %-6s: %lld tasks, correct %.1f%%, mean thinking tokens %.1f\n",
                  std::string(task_effort_name(effort)).c_str(), static_cast<long long>(summary.tasks),
                  percent(summary.correct, summary.tasks),
                  summary.tasks ? static_cast<double>(summary.reasoning_tokens) / summary.tasks : 0.0);
    text += line;
  }
  return text;
}

}  // namespace loom::curriculum
