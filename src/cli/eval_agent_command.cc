// `loom eval-agent`: runs an agent model on held-out curriculum tasks through
// the real agent loop and prints how often it answered right, called tools
// validly and in parallel, and how long it thought per effort.
#include <cstdio>

#include "cli/checks.h"
#include "cli/commands.h"
#include "cli/engine_options.h"
#include "curriculum/evaluation.h"

namespace loom::cli {
namespace {

struct EvalAgentOptions {
  curriculum::EvaluationOptions evaluation;
  std::string model;
  std::string work_dir;
  bool json = false;
  bool verbose = false;
};

Status run_eval_agent(const EvalAgentOptions& options) {
  curriculum::EvaluationOptions evaluation = options.evaluation;
  evaluation.model = options.model;
  evaluation.work_dir = options.work_dir;
  const auto progress = [&](int64_t index, const curriculum::Task& task, const curriculum::TaskOutcome& outcome) {
    if (options.verbose) {
      std::fprintf(stderr, "task %lld [%s] %s\n  -> %s%s\n", static_cast<long long>(index),
                   std::string(curriculum::task_effort_name(task.effort)).c_str(), task.prompt.c_str(),
                   outcome.correct ? "" : "WRONG: ", outcome.answer.c_str());
    } else if ((index + 1) % 20 == 0) {
      std::fprintf(stderr, "%lld tasks done\n", static_cast<long long>(index + 1));
    }
  };
  const curriculum::EvaluationReport report = TRY(curriculum::evaluate_agent(evaluation, progress));
  const std::string text = options.json ? report.to_json().dump(2) + "\n" : report.to_text();
  std::fwrite(text.data(), 1, text.size(), stdout);
  return {};
}

}  // namespace

void add_eval_agent_command(CLI::App& app, ExitCode& exit_code) {
  auto options = std::make_shared<EvalAgentOptions>();
  CLI::App* command = app.add_subcommand(
      "eval-agent", "Run an agent model on held-out generated tasks (real agent loop and tools) and grade it");
  command->add_option("--model", options->model, "The .gguf model to evaluate, loaded in-process")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--tasks", options->evaluation.tasks, "Number of tasks (efforts none, low, high in turn)")
      ->capture_default_str()->check(kPositive);
  command->add_option("--seed", options->evaluation.seed, "Task seed; differ from the training corpus seeds")
      ->capture_default_str();
  command->add_option("--threads", options->evaluation.threads, "Compute threads (0: one per core)")->capture_default_str()
      ->check(kNonNegative);
  command->add_option("--max-turns", options->evaluation.max_turns, "Model calls per task")->capture_default_str()
      ->check(kPositive);
  command->add_option("--work-dir", options->work_dir, "Where task workspaces are written (default: a temp dir, removed)");
  command->add_flag("--json", options->json, "Print the report as JSON");
  command->add_flag("--verbose,-v", options->verbose, "Print each task and its answer");
  command->callback([options, &exit_code] {
    if (Status status = run_eval_agent(*options); !status.ok()) exit_code.value = report_error(status);
  });
}

}  // namespace loom::cli
