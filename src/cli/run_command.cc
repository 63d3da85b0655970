// `loom run MODEL.gguf "prompt"`: raw-prompt generation streamed to stdout,
// with a one-line speed summary on stderr. With --effort the prompt is one
// user message through the server's path instead (chat template at that
// effort, budget forcing, the auto router and escalation): reasoning is shown
// dimmed, then the answer, then one usage line.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "cli/checks.h"
#include "cli/commands.h"
#include "cli/engine_options.h"
#include "model/model.h"
#include "runtime/engine.h"
#include "runtime/generator.h"
#include "server/chat_writer.h"
#include "server/effort_generation.h"
#include "server/model_backend.h"
#include "text/tokenizer.h"

namespace loom::cli {
namespace {

// Answer tokens allowed after the reasoning budget when --max-tokens is not given.
constexpr int64_t kAnswerAllowance = 1024;

struct RunOptions {
  std::string model_path;
  std::string prompt;
  int max_tokens = 128;
  bool max_tokens_given = false;
  float temperature = 0.8f;
  float top_p = 0.95f;
  int top_k = 40;
  uint64_t seed = 0;
  bool no_bos = false;
  std::string effort;            // empty: raw prompt
  std::string reasoning_config;  // JSON file (docs/reasoning.md)
  EngineOptions engine;
};

Status run_raw(const RunOptions& options) {
  TRY(apply_engine_options(options.engine));
  auto model = TRY(model::Model::load(options.model_path));
  auto tokenizer = TRY(text::Tokenizer::from_gguf(model->file()));
  const std::vector<int32_t> prompt = tokenizer->encode(options.prompt, !options.no_bos);
  if (prompt.empty()) return invalid_argument("the prompt is empty and the model adds no BOS token");

  // The generator keeps room for one token past the prompt even when
  // --max-tokens is 0 (the prompt alone: its prefill speed).
  const int64_t needed = static_cast<int64_t>(prompt.size()) + std::max(options.max_tokens, 1);
  const int64_t context = options.engine.context > 0 ? options.engine.context
                                                      : std::min(needed, model->hparams().max_position_embeddings);
  ThreadPool pool(options.engine.threads);
  runtime::Generator generator =
      TRY(runtime::Generator::create(*model, *tokenizer, pool, TRY(kv_cache_type(options.engine)), context));
  const runtime::GenerationParams params{.sampling = {.temperature = options.temperature,
                                                      .top_k = options.top_k,
                                                      .top_p = options.top_p,
                                                      .seed = options.seed},
                                         .max_tokens = options.max_tokens};
  std::fputs(options.prompt.c_str(), stdout);
  std::fflush(stdout);
  const runtime::GenerationResult result =
      TRY(generator.generate(prompt, params, nullptr, nullptr, [&](const runtime::TokenEvent& event) {
        std::fputs(event.text.c_str(), stdout);
        std::fflush(stdout);
        return true;
      }));
  std::fputs("\n", stdout);
  const size_t generated = result.tokens.size();
  std::fprintf(stderr, "[%lld prompt tokens at %.1f tok/s, %zu generated at %.1f tok/s, stop: %s, %s kernels]\n",
               static_cast<long long>(result.prompt_tokens),
               result.prompt_tokens / std::max(result.prefill_seconds, 1e-9), generated,
               generated / std::max(result.decode_seconds, 1e-9),
               std::string(runtime::finish_reason_name(result.finish)).c_str(),
               std::string(isa_name(kernels::kernels().isa)).c_str());
  return {};
}

// The most tokens a request may need: the largest budget it can reach plus an
// allowance for the answer (auto may escalate up to the escalation ceiling).
int64_t default_max_tokens(const server::ServingModel& model, const server::PreparedPrompt& prompt) {
  const reasoning::ReasoningSettings& settings = model.reasoning();
  int32_t budget = prompt.effort ? prompt.effort->budget : -1;
  if (prompt.route) {
    const reasoning::Effort top = std::max(prompt.route->effort, settings.escalation.ceiling);
    budget = std::max(budget, reasoning::plan_effort(top, model.reasoning_style(), settings.budgets).budget);
  }
  return std::max<int64_t>(budget, 0) + kAnswerAllowance;
}

// Writes reasoning dimmed (on a terminal) and the answer plain, as they stream.
class Printer {
 public:
  Printer() : tty_(::isatty(::fileno(stdout)) != 0) {}
  ~Printer() { end_reasoning(); }
  void events(const std::vector<chat::ParseEvent>& events) {
    for (const chat::ParseEvent& event : events) {
      if (event.kind == chat::ParseEvent::Kind::kReasoningDelta) {
        if (!in_reasoning_ && tty_) std::fputs("\x1b[2m", stdout);
        in_reasoning_ = true;
        std::fputs(event.text.c_str(), stdout);
      } else if (event.kind == chat::ParseEvent::Kind::kContentDelta) {
        if (in_reasoning_) {
          end_reasoning();
          std::fputs("\n\n", stdout);
        }
        std::fputs(event.text.c_str(), stdout);
      } else if (event.kind == chat::ParseEvent::Kind::kToolCallStart) {
        end_reasoning();
        std::printf("\n[tool call %s] ", event.name.c_str());
      } else if (event.kind == chat::ParseEvent::Kind::kToolCallArgumentsDelta) {
        std::fputs(event.text.c_str(), stdout);
      }
    }
    std::fflush(stdout);
  }
  void end_reasoning() {
    if (in_reasoning_ && tty_) std::fputs("\x1b[0m", stdout);
    in_reasoning_ = false;
  }

 private:
  bool tty_;
  bool in_reasoning_ = false;
};

Status run_with_effort(const RunOptions& options) {
  // The serving path reads 0 as "up to the context"; a chat turn with no
  // answer at all is not a request anyone means.
  if (options.max_tokens_given && options.max_tokens == 0) {
    return invalid_argument("--max-tokens 0 leaves no room for an answer; with --effort give 1 or more");
  }
  TRY(apply_engine_options(options.engine));
  auto model = TRY(model::Model::load(options.model_path));
  auto tokenizer = TRY(text::Tokenizer::from_gguf(model->file()));
  server::ServingModelOptions model_options;
  model_options.id = "loom-run";
  model_options.context_length =
      options.engine.context > 0 ? options.engine.context : model->hparams().max_position_embeddings;
  if (!options.reasoning_config.empty()) {
    model_options.reasoning = TRY(reasoning::load_reasoning_settings(options.reasoning_config));
  }
  const server::ServingModel serving = TRY(server::ServingModel::create(*tokenizer, model_options));

  server::GenerationRequest request;
  chat::Message user{.role = chat::Role::kUser, .content_form = chat::ContentForm::kString};
  user.content.push_back({.text = options.prompt});
  request.messages.push_back(std::move(user));
  request.effort = TRY(reasoning::parse_effort(options.effort));
  request.sampling.temperature = options.temperature;
  request.sampling.top_p = options.top_p;
  request.sampling.seed = options.seed;
  const server::PreparedPrompt prompt = TRY(serving.prepare(request, "run"));
  request.max_output_tokens = options.max_tokens_given ? options.max_tokens : default_max_tokens(serving, prompt);

  // Room for the prompt at any effort escalation may re-render it at.
  constexpr int64_t kPromptSlack = 64;
  const int64_t context = std::min(static_cast<int64_t>(prompt.ids.size()) + request.max_output_tokens + kPromptSlack,
                                   model_options.context_length);
  ThreadPool pool(options.engine.threads);
  const runtime::EngineOptions engine_options{.max_sequences = 1, .context = context,
                                              .kv_type = TRY(kv_cache_type(options.engine))};
  const std::unique_ptr<runtime::Engine> engine = TRY(runtime::Engine::create(*model, *tokenizer, pool, engine_options));
  server::ModelBackend backend(*engine, serving.family());
  const std::atomic<bool> cancelled{false};
  Printer printer;
  const auto start = std::chrono::steady_clock::now();
  const server::GenerationOutcome outcome = TRY(server::generate_at_effort(
      serving, backend, request, prompt, "run", {}, [&](const std::vector<chat::ParseEvent>& events, std::span<const server::TokenLogprob>) {
        printer.events(events);
        return true;
      }, cancelled));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  printer.end_reasoning();
  std::fputs("\n", stdout);
  std::fflush(stdout);
  const server::Usage& usage = outcome.usage;
  std::fprintf(stderr,
               "[%lld prompt tokens, %lld reasoning tokens, %lld answer tokens, %.1f tok/s, %.3f s, stop: %s, effort: %s]\n",
               static_cast<long long>(usage.prompt_tokens), static_cast<long long>(usage.reasoning_tokens),
               static_cast<long long>(usage.completion_tokens - usage.reasoning_tokens),
               static_cast<double>(usage.completion_tokens) / std::max(seconds, 1e-9), seconds,
               std::string(server::finish_reason_name(outcome.finish)).c_str(), outcome.effort.to_string().c_str());
  return {};
}

Status run_generation(const RunOptions& options) {
  return options.effort.empty() ? run_raw(options) : run_with_effort(options);
}

}  // namespace

void add_run_command(CLI::App& app, ExitCode& exit_code) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* command = app.add_subcommand("run", "Generate text from a raw prompt, or a chat turn with --effort, streamed to stdout");
  command->add_option("model", options->model_path, "GGUF model file")->required()->check(CLI::ExistingFile);
  command->add_option("prompt", options->prompt, "Prompt text (no chat template is applied unless --effort is given)")->required();
  CLI::Option* max_tokens = command->add_option("--max-tokens,-n", options->max_tokens,
                                                "Tokens to generate (with --effort: default the budget + 1024)")
                                ->capture_default_str()->check(kNonNegative);
  command->add_option("--temperature", options->temperature, "Sampling temperature; 0 is greedy")
      ->capture_default_str()->check(kNonNegative);
  command->add_option("--top-p", options->top_p, "Nucleus sampling mass")->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  command->add_option("--top-k", options->top_k, "Keep the K most likely tokens; 0 is off (raw prompts)")->capture_default_str()
      ->check(kNonNegative);
  command->add_option("--seed", options->seed, "Random seed (same seed, same output)")->capture_default_str();
  command->add_flag("--no-bos", options->no_bos, "Do not add the model's BOS token (raw prompts)");
  command->add_option("--effort", options->effort,
                      "Reasoning effort: none, minimal, low, medium, high, xhigh or auto; the prompt becomes a user "
                      "message in the model's chat template (docs/reasoning.md)");
  command->add_option("--reasoning-config", options->reasoning_config,
                      "JSON file: budgets per effort, router and escalation thresholds (with --effort)")
      ->check(CLI::ExistingFile);
  add_engine_options(*command, options->engine);
  command->callback([options, max_tokens, &exit_code] {
    options->max_tokens_given = max_tokens->count() > 0;
    if (Status status = run_generation(*options); !status.ok()) exit_code.value = report_error(status);
  });
}

}  // namespace loom::cli
