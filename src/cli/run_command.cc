// `loom run MODEL.gguf "prompt"`: raw-prompt generation streamed to stdout,
// with a one-line speed summary on stderr.
#include <chrono>
#include <cstdio>

#include "cli/commands.h"
#include "cli/engine_options.h"
#include "model/model.h"
#include "sample/sampler.h"
#include "text/detokenizer.h"
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

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Status run_generation(const RunOptions& options) {
  TRY(apply_engine_options(options.engine));
  auto model = TRY(model::Model::load(options.model_path));
  auto tokenizer = TRY(text::Tokenizer::from_gguf(model->file()));
  std::vector<int32_t> tokens = tokenizer->encode(options.prompt, !options.no_bos);
  if (tokens.empty()) return invalid_argument("the prompt is empty and the model adds no BOS token");

  const int64_t needed = static_cast<int64_t>(tokens.size()) + options.max_tokens;
  const int64_t capacity = options.engine.context > 0 ? options.engine.context
                                                       : std::min(needed, model->hparams().max_position_embeddings);
  if (static_cast<int64_t>(tokens.size()) >= capacity) {
    return out_of_range("the prompt has ", tokens.size(), " tokens; the context holds ", capacity);
  }
  model::KvCache cache = TRY(model->new_cache(TRY(kv_cache_type(options.engine)), capacity));
  ThreadPool pool(options.engine.threads);
  sample::Sampler sampler({.temperature = options.temperature,
                           .top_k = options.top_k,
                           .top_p = options.top_p,
                           .seed = options.seed},
                          static_cast<size_t>(model->hparams().vocab_size));
  text::StreamingDetokenizer detokenizer(*tokenizer, text::SpecialTokens::kSkip);
  const auto end_ids = tokenizer->end_of_generation_ids();

  std::fputs(options.prompt.c_str(), stdout);
  std::fflush(stdout);
  std::vector<float> logits;
  const auto prefill_start = Clock::now();
  TRY(model->forward(pool, tokens, 0, cache, model::LogitsFor::kLastToken, logits));
  const double prefill_seconds = seconds_since(prefill_start);
  const size_t prompt_tokens = tokens.size();

  const auto decode_start = Clock::now();
  int generated = 0;
  const char* stop_reason = "length";
  while (generated < options.max_tokens && static_cast<int64_t>(tokens.size()) < capacity) {
    const int32_t token = sampler.sample(logits, tokens);
    if (std::find(end_ids.begin(), end_ids.end(), token) != end_ids.end()) {
      stop_reason = "end of text";
      break;
    }
    tokens.push_back(token);
    ++generated;
    std::fputs(detokenizer.push(token).c_str(), stdout);
    std::fflush(stdout);
    if (generated == options.max_tokens || static_cast<int64_t>(tokens.size()) >= capacity) break;
    TRY(model->forward(pool, std::span(&tokens.back(), 1), static_cast<int64_t>(tokens.size()) - 1, cache,
                       model::LogitsFor::kLastToken, logits));
  }
  std::fputs(detokenizer.flush().c_str(), stdout);
  std::fputs("\n", stdout);
  const double decode_seconds = seconds_since(decode_start);
  std::fprintf(stderr, "[%zu prompt tokens at %.1f tok/s, %d generated at %.1f tok/s, stop: %s, %s kernels]\n",
               prompt_tokens, prompt_tokens / std::max(prefill_seconds, 1e-9), generated,
               generated / std::max(decode_seconds, 1e-9), stop_reason,
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
