// `loom run MODEL.gguf "prompt"`: raw-prompt generation streamed to stdout,
// with a one-line speed summary on stderr.
#include <cstdio>

#include "cli/commands.h"
#include "cli/engine_options.h"
#include "model/model.h"
#include "runtime/generator.h"
#include "text/tokenizer.h"

namespace loom::cli {
namespace {

struct RunOptions {
  std::string model_path;
  std::string prompt;
  int max_tokens = 128;
  float temperature = 0.8f;
  float top_p = 0.95f;
  int top_k = 40;
  uint64_t seed = 0;
  bool no_bos = false;
  EngineOptions engine;
};

Status run_generation(const RunOptions& options) {
  TRY(apply_engine_options(options.engine));
  auto model = TRY(model::Model::load(options.model_path));
  auto tokenizer = TRY(text::Tokenizer::from_gguf(model->file()));
  const std::vector<int32_t> prompt = tokenizer->encode(options.prompt, !options.no_bos);
  if (prompt.empty()) return invalid_argument("the prompt is empty and the model adds no BOS token");

  const int64_t needed = static_cast<int64_t>(prompt.size()) + options.max_tokens;
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

}  // namespace

void add_run_command(CLI::App& app, ExitCode& exit_code) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* command = app.add_subcommand("run", "Generate text from a raw prompt, streamed to stdout");
  command->add_option("model", options->model_path, "GGUF model file")->required()->check(CLI::ExistingFile);
  command->add_option("prompt", options->prompt, "Prompt text (no chat template is applied)")->required();
  command->add_option("--max-tokens,-n", options->max_tokens, "Tokens to generate")->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  command->add_option("--temperature", options->temperature, "Sampling temperature; 0 is greedy")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  command->add_option("--top-p", options->top_p, "Nucleus sampling mass")->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  command->add_option("--top-k", options->top_k, "Keep the K most likely tokens; 0 is off")->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  command->add_option("--seed", options->seed, "Random seed (same seed, same output)")->capture_default_str();
  command->add_flag("--no-bos", options->no_bos, "Do not add the model's BOS token");
  add_engine_options(*command, options->engine);
  command->callback([options, &exit_code] {
    if (Status status = run_generation(*options); !status.ok()) exit_code.value = report_error(status);
  });
}

}  // namespace loom::cli
