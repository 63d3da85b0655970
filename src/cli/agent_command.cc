// `loom agent "task"`: the coding agent in the current directory (or --cd),
// on a model loaded in-process, an OpenAI-compatible endpoint or a scripted
// model, with budgets, sandbox and approval flags, a JSONL transcript and
// --resume.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>

#include "agent/console_observer.h"
#include "agent/http_backend.h"
#include "agent/loop.h"
#include "agent/scripted_backend.h"
#include "agent/transcript.h"
#include "cli/checks.h"
#include "cli/commands.h"
#include "cli/engine_options.h"
#include "curriculum/conversation.h"
#include "inprocess/bundled_model.h"
#include "inprocess/local_backend.h"
#include "inprocess/local_model.h"

namespace loom::cli {
namespace {

namespace fs = std::filesystem;

struct AgentOptions {
  std::string task;
  std::string directory;
  std::string base_url;
  std::string api_key_env = "OPENAI_API_KEY";
  std::string model;
  std::string wire = "chat";
  std::string script;
  std::string effort;
  std::string sandbox = "workspace-write";
  std::string approval = "on-request";
  int max_parallel = 4;
  int max_turns = 50;
  int64_t max_tokens = 2'000'000;
  double max_cost = 10.0;
  int64_t max_seconds = 1800;
  int64_t context_tokens = 128'000;
  bool context_tokens_set = false;
  double price_input = 5.0, price_cached = 0.5, price_output = 30.0;
  std::string transcript;
  std::string resume;
  bool resume_set = false;
  std::string tools;
  std::string system_prompt_file;
  // In-process model only.
  double temperature = 0.0;
  double top_p = 1.0;
  uint64_t seed = 0;
  int64_t max_output_tokens = 4096;
  bool no_stream = false;
  EngineOptions engine;
};

// Asks on the terminal; one question at a time across executor threads.
class TerminalApprover : public agent::Approver {
 public:
  agent::ApprovalDecision decide(const agent::ApprovalRequest& request) override {
    std::lock_guard lock(mutex_);
    std::fprintf(stderr, "\nThe model wants to run%s:\n  %s\n%s%sAllow? [y]es / [a]lways / [n]o / [q]uit: ",
                 request.escalated ? " OUTSIDE the sandbox" : "", request.command.c_str(),
                 request.justification.empty() ? "" : "  reason: ", request.justification.empty() ? "" : (request.justification + "\n").c_str());
    std::string answer;
    if (!std::getline(std::cin, answer)) return agent::ApprovalDecision::kAbort;
    if (answer == "y" || answer == "yes") return agent::ApprovalDecision::kApproved;
    if (answer == "a" || answer == "always") return agent::ApprovalDecision::kApprovedForSession;
    if (answer == "q" || answer == "quit") return agent::ApprovalDecision::kAbort;
    return agent::ApprovalDecision::kDenied;
  }

 private:
  std::mutex mutex_;
};

// The backend, and the in-process model it generates with when there is one.
struct Backend {
  std::unique_ptr<inprocess::LocalModel> local_model;
  std::unique_ptr<agent::ModelBackend> backend;
  bool bundled = false;  // the model is the bundled one
};

// Whether `path` is the bundled model's file (named, or found by default).
bool is_bundled_model(const fs::path& path) {
  const std::optional<fs::path> bundled = inprocess::find_bundled_model();
  std::error_code error;
  return bundled && fs::equivalent(path, *bundled, error);
}

Result<Backend> make_local_backend(const AgentOptions& options, const fs::path& model_path) {
  TRY(apply_engine_options(options.engine));
  Backend result;
  result.local_model = TRY(inprocess::LocalModel::load(
      model_path, {.threads = options.engine.threads, .kv_type = TRY(kv_cache_type(options.engine)),
                   .context = options.engine.context}));
  // A small model's window (the bundled one has 2048) cannot hold the default
  // 4096 output tokens on top of a prompt: ask for at most half the window.
  const int64_t max_output_tokens =
      std::min<int64_t>(options.max_output_tokens, result.local_model->serving_model().context_length() / 2);
  const inprocess::LocalBackendOptions local{
      .sampling = {.temperature = options.temperature, .top_p = options.top_p, .seed = options.seed,
                   .max_output_tokens = max_output_tokens},
      .prices = {.input = options.price_input, .cached_input = options.price_cached, .output = options.price_output}};
  result.backend = std::make_unique<inprocess::LocalBackend>(result.local_model->serving_model(),
                                                             result.local_model->backend(), local);
  return result;
}

Result<Backend> make_backend(const AgentOptions& options) {
  if (!options.script.empty()) return Backend{.backend = TRY(agent::ScriptedBackend::from_file(options.script))};
  if (!options.base_url.empty()) {
    agent::HttpBackendOptions http{.base_url = options.base_url, .model = options.model,
                                   .wire = TRY(agent::parse_wire_format(options.wire)),
                                   .stream = !options.no_stream};
    if (const char* key = std::getenv(options.api_key_env.c_str())) http.api_key = key;
    return Backend{.backend = TRY(agent::HttpBackend::create(std::move(http)))};
  }
  if (!options.model.empty()) {
    if (!fs::is_regular_file(options.model))
      return invalid_argument("--model ", options.model, " is not a file: without --base-url, --model names a GGUF "
                              "file to run in-process (with --base-url, the model's name at the endpoint)");
    Backend made = TRY(make_local_backend(options, options.model));
    made.bundled = is_bundled_model(options.model);
    return made;
  }
  if (std::optional<fs::path> bundled = inprocess::find_bundled_model()) {
    Backend made = TRY(make_local_backend(options, *bundled));
    made.bundled = true;
    return made;
  }
  return invalid_argument("choose a model: --model FILE.gguf (in-process), --base-url URL --model NAME "
                          "(OpenAI-compatible endpoint) or --script FILE; no bundled model (models/",
                          inprocess::kBundledModelFile, ") was found");
}

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot read ", path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string join_names(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ",") + name;
  return text;
}

Status run_agent(const AgentOptions& options) {
  std::optional<agent::SessionRecord> record;
  fs::path transcript_path = options.transcript;
  std::string session_id = agent::new_session_id();
  if (options.resume_set) {
    transcript_path = TRY(agent::find_transcript(options.resume, agent::default_sessions_dir()));
    record = TRY(agent::load_transcript(transcript_path));
    session_id = record->id;
  } else if (options.task.empty()) {
    return invalid_argument("give the task: loom agent \"what to do\" (or --resume)");
  }
  // A resumed session works where it started unless --cd says otherwise.
  fs::path directory = options.directory.empty() ? fs::current_path() : fs::path(options.directory);
  if (record && options.directory.empty() && !record->workspace.empty()) directory = record->workspace;
  const agent::SandboxMode mode = TRY(agent::parse_sandbox_mode(options.sandbox));
  const agent::ApprovalPolicy approval = TRY(agent::parse_approval_policy(options.approval));
  if (mode != agent::SandboxMode::kFullAccess) TRY(agent::check_sandbox_available());
  agent::Workspace workspace = TRY(agent::Workspace::open(directory, mode));
  TerminalApprover approver;
  agent::ToolContext context(std::move(workspace), approval, ::isatty(STDIN_FILENO) ? &approver : nullptr);
  const std::vector<std::string> chosen_tools = options.tools.empty() ? std::vector<std::string>{}
                                                                      : TRY(agent::parse_tool_list(options.tools));
  const std::string system_prompt = options.system_prompt_file.empty() ? "" : TRY(read_text_file(options.system_prompt_file));
  Backend made = TRY(make_backend(options));
  // The bundled model knows the tools its curriculum teaches and no others,
  // and the default seven's schemas alone nearly fill its 2048-token window:
  // it gets its own two unless --tools says otherwise.
  const agent::ToolRegistry registry = TRY(agent::make_tool_registry(
      !chosen_tools.empty() ? chosen_tools
      : made.bundled        ? curriculum::curriculum_tool_names()
                            : agent::default_tool_names()));
  agent::ModelBackend* backend = made.backend.get();
  // In-process, the window to compact for is the model's, unless given.
  int64_t context_tokens = options.context_tokens;
  if (made.local_model && !options.context_tokens_set)
    context_tokens = made.local_model->serving_model().context_length();

  if (transcript_path.empty()) transcript_path = agent::default_sessions_dir() / (session_id + ".jsonl");
  agent::TranscriptWriter transcript = TRY(agent::TranscriptWriter::open(transcript_path));

  agent::LoopOptions loop_options{
      .max_turns = options.max_turns,
      .max_tokens = options.max_tokens,
      .max_cost_usd = options.max_cost,
      .max_wall = std::chrono::seconds(options.max_seconds),
      .reasoning_effort = options.effort,
      .prices = {.input = options.price_input, .cached_input = options.price_cached, .output = options.price_output},
      .compaction = {.context_tokens = context_tokens},
      .executor = {.max_parallel = options.max_parallel},
      .system_prompt = system_prompt};
  agent::ConsoleObserver observer(stderr);
  agent::AgentLoop loop(*backend, registry, context, loop_options, &transcript, &observer);
  std::fprintf(stderr, "session %s in %s (%s, %s; tools %s)\n", session_id.c_str(),
               context.workspace().root().c_str(), options.sandbox.c_str(), backend->describe().c_str(),
               join_names(registry.names()).c_str());
  agent::LoopResult result = record ? TRY(loop.resume(*record, options.task)) : TRY(loop.run(options.task, session_id));
  observer.print_summary(result, transcript_path.string());
  if (!result.answer.empty()) std::printf("%s\n", result.answer.c_str());
  if (result.reason != agent::StopReason::kAnswered)
    return resource_exhausted("the session stopped before an answer: ", agent::stop_reason_name(result.reason),
                              "; continue it with --resume ", session_id);
  return {};
}

}  // namespace

void add_agent_command(CLI::App& app, ExitCode& exit_code) {
  auto options = std::make_shared<AgentOptions>();
  CLI::App* command = app.add_subcommand("agent", "Coding agent: works on a task in the current directory with tools");
  command->add_option("task", options->task, "What to do (with --resume: an optional follow-up message)");
  command->add_option("--cd", options->directory, "Workspace directory (default: the current directory)")->check(CLI::ExistingDirectory);
  command->add_option("--base-url", options->base_url, "OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1");
  command->add_option("--api-key-env", options->api_key_env, "Environment variable holding the API key")->capture_default_str();
  command->add_option("--model", options->model,
                      "FILE.gguf to run in-process, or with --base-url the model's name at the endpoint "
                      "(default: the bundled model, models/" + std::string(inprocess::kBundledModelFile) + ")");
  command->add_option("--wire", options->wire, "Wire format: chat | responses")->capture_default_str();
  command->add_option("--script", options->script, "Replay a script.json of model turns instead of a model");
  command->add_option("--effort", options->effort, "reasoning_effort: low | medium | high | auto");
  command->add_option("--sandbox", options->sandbox, "read-only | workspace-write | full-access")->capture_default_str();
  command->add_option("--approval", options->approval, "never | on-request | untrusted")->capture_default_str();
  command->add_option("--max-parallel", options->max_parallel, "Tool calls run at once")->capture_default_str()->check(CLI::Range(1, 64));
  command->add_option("--max-turns", options->max_turns, "Model calls per run")->capture_default_str()->check(kPositive);
  command->add_option("--max-tokens", options->max_tokens, "Input + output tokens per session (0: no limit)")->capture_default_str()
      ->check(kNonNegative);
  command->add_option("--max-cost", options->max_cost, "USD per session (0: no limit)")->capture_default_str()
      ->check(kNonNegative);
  command->add_option("--max-seconds", options->max_seconds, "Wall time per run (0: no limit)")->capture_default_str()
      ->check(kNonNegative);
  command->add_option("--context-tokens", options->context_tokens, "Context window; compaction starts at 75% (0: never)")->capture_default_str()
      ->check(kNonNegative);
  command->add_option("--price-input", options->price_input, "USD per million input tokens")->capture_default_str()
      ->check(kNonNegative);
  command->add_option("--price-cached", options->price_cached, "USD per million cached input tokens")->capture_default_str()
      ->check(kNonNegative);
  command->add_option("--price-output", options->price_output, "USD per million output tokens")->capture_default_str()
      ->check(kNonNegative);
  command->add_option("--transcript", options->transcript, "Transcript path (default: ~/.loom/sessions/ID.jsonl)");
  command->add_option("--resume", options->resume, "Continue a session: ID, transcript path, or empty for the latest")
      ->expected(0, 1);
  command->add_option("--tools", options->tools,
                      "Tools offered, comma-separated (default: " + join_names(agent::default_tool_names()) +
                          "; for the bundled model, the " + join_names(curriculum::curriculum_tool_names()) +
                          " it was trained with; also: calculator)");
  command->add_option("--system-prompt", options->system_prompt_file, "File whose text replaces the system prompt")
      ->check(CLI::ExistingFile);
  command->add_option("--temperature", options->temperature, "In-process: sampling temperature (0: greedy)")
      ->capture_default_str()->check(CLI::Range(0.0, 2.0));
  command->add_option("--top-p", options->top_p, "In-process: nucleus sampling")->capture_default_str()->check(CLI::Range(0.0, 1.0));
  command->add_option("--seed", options->seed, "In-process: sampling seed")->capture_default_str();
  command->add_option("--max-output-tokens", options->max_output_tokens, "In-process: tokens per model call (0: up to the context)")
      ->capture_default_str()->check(kNonNegative);
  command->add_flag("--no-stream", options->no_stream, "HTTP: ask for whole responses instead of server-sent events");
  add_engine_options(*command, options->engine);
  command->callback([options, command, &exit_code] {
    options->resume_set = command->count("--resume") > 0;
    options->context_tokens_set = command->count("--context-tokens") > 0;
    if (Status status = run_agent(*options); !status.ok()) exit_code.value = report_error(status);
  });
}

}  // namespace loom::cli
