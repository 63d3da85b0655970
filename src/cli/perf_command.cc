// `loom perf MODEL.gguf`: loom's own speed on a file, timed as llama-bench
// times llama.cpp: prefill = one prompt of --prompt-tokens from an empty cache,
// decode = --gen-tokens single-token steps after it; medians of R repetitions.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cli/checks.h"
#include "cli/commands.h"
#include "cli/engine_options.h"
#include "model/model.h"

namespace loom::cli {
namespace {

struct PerfOptions {
  std::string model_path;
  int prompt_tokens = 512;
  int gen_tokens = 128;
  int repetitions = 5;
  bool json = false;
  EngineOptions engine;
};

struct Spread {
  double median = 0, min = 0, max = 0;
};

Spread spread(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  const double median = n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
  return {median, values.front(), values.back()};
}

// The layers' matrix types, most bytes first: "q4_0", or "q4_K+q6_K" for a
// Q4_K_M file.
std::string weight_types(const model::ModelWeights& weights) {
  std::vector<std::pair<double, tensor::DType>> bytes;
  for (const model::LayerWeights& l : weights.layers) {
    for (const kernels::MatrixView* m : l.matrices()) {
      auto it = std::ranges::find(bytes, m->type, &std::pair<double, tensor::DType>::second);
      if (it == bytes.end()) it = bytes.insert(bytes.end(), {0.0, m->type});
      it->first += static_cast<double>(m->bytes());
    }
  }
  std::ranges::sort(bytes, std::greater<>());
  std::string names;
  for (const auto& [size, type] : bytes) names += (names.empty() ? "" : "+") + std::string(tensor::dtype_name(type));
  return names;
}

// Bytes of the matrices one decode step reads: every layer's and the output
// (an untied token embedding is only looked up, one row per token).
double decode_weight_bytes(const model::ModelWeights& weights) {
  double total = static_cast<double>(weights.output.bytes());
  for (const model::LayerWeights& l : weights.layers) {
    for (const kernels::MatrixView* m : l.matrices()) total += static_cast<double>(m->bytes());
  }
  return total;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Status run_perf(const PerfOptions& options) {
  if (options.prompt_tokens == 0 && options.gen_tokens == 0) {
    return invalid_argument("nothing to measure: --prompt-tokens and --gen-tokens are both 0");
  }
  TRY(apply_engine_options(options.engine));
  auto model = TRY(model::Model::load(options.model_path));
  const model::HParams& h = model->hparams();
  const int64_t capacity = std::max<int64_t>(options.engine.context, options.prompt_tokens + options.gen_tokens);
  model::KvCache cache = TRY(model->new_cache(TRY(kv_cache_type(options.engine)), capacity));
  ThreadPool pool(options.engine.threads);

  // Deterministic ids spread over the vocabulary (the same as the llama.cpp
  // anchor uses); content does not change the cost of a dense forward.
  std::vector<int32_t> prompt(options.prompt_tokens);
  for (int i = 0; i < options.prompt_tokens; ++i) prompt[i] = static_cast<int32_t>((i * 7919LL + 13) % h.vocab_size);
  std::vector<float> logits;

  // Warm-up, as llama-bench: one token through the model (pages the weights
  // in). Its own id: the prompt may be empty (decode alone).
  const int32_t warm_up = 13 % static_cast<int32_t>(h.vocab_size);
  TRY(model->forward(pool, std::span<const int32_t>(&warm_up, 1), 0, cache, model::LogitsFor::kLastToken, logits));

  std::vector<double> prefill, decode;
  for (int rep = 0; rep < options.repetitions; ++rep) {
    const auto start = std::chrono::steady_clock::now();
    if (!prompt.empty()) TRY(model->forward(pool, prompt, 0, cache, model::LogitsFor::kLastToken, logits));
    const double prefill_seconds = seconds_since(start);
    const auto decode_start = std::chrono::steady_clock::now();
    int32_t token = static_cast<int32_t>(rep % h.vocab_size);
    for (int step = 0; step < options.gen_tokens; ++step) {
      TRY(model->forward(pool, std::span<const int32_t>(&token, 1), options.prompt_tokens + step, cache,
                         model::LogitsFor::kLastToken, logits));
      token = static_cast<int32_t>((token * 31LL + 7) % h.vocab_size);
    }
    const double decode_seconds = seconds_since(decode_start);
    prefill.push_back(options.prompt_tokens / std::max(prefill_seconds, 1e-9));
    decode.push_back(options.gen_tokens / std::max(decode_seconds, 1e-9));
  }

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const Spread p = spread(prefill), d = spread(decode);
  const std::string isa(isa_name(kernels::kernels().isa));
  const std::string type = weight_types(model->weights());
  if (options.json) {
    std::printf(
        "{\"engine\":\"loom\",\"model\":\"%s\",\"type\":\"%s\",\"threads\":%d,\"isa\":\"%s\",\"prompt_tokens\":%d,"
        "\"gen_tokens\":%d,\"repetitions\":%d,\"prefill_tok_s\":%.3f,\"prefill_tok_s_min\":%.3f,"
        "\"prefill_tok_s_max\":%.3f,\"decode_tok_s\":%.3f,\"decode_tok_s_min\":%.3f,\"decode_tok_s_max\":%.3f,"
        "\"peak_rss_mib\":%.1f,\"decode_weight_bytes\":%.0f}\n",
        options.model_path.c_str(), type.c_str(), pool.size(), isa.c_str(), options.prompt_tokens,
        options.gen_tokens, options.repetitions, p.median, p.min, p.max, d.median, d.min, d.max,
        usage.ru_maxrss / 1024.0, decode_weight_bytes(model->weights()));
  } else {
    std::printf("%s (%s, %d threads, %s kernels, %d repetitions)\n", options.model_path.c_str(), type.c_str(),
                pool.size(), isa.c_str(), options.repetitions);
    std::printf("  prefill %4d tokens: %9.2f tok/s (min %.2f, max %.2f)\n", options.prompt_tokens, p.median, p.min,
                p.max);
    std::printf("  decode  %4d tokens: %9.2f tok/s (min %.2f, max %.2f)\n", options.gen_tokens, d.median, d.min,
                d.max);
    std::printf("  peak RSS: %.1f MiB\n", usage.ru_maxrss / 1024.0);
  }
  return {};
}

}  // namespace

void add_perf_command(CLI::App& app, ExitCode& exit_code) {
  auto options = std::make_shared<PerfOptions>();
  CLI::App* command = app.add_subcommand(
      "perf", "Measure prefill and decode speed on a model file, like llama-bench (medians of repetitions)");
  command->add_option("model", options->model_path, "GGUF model file")->required()->check(CLI::ExistingFile);
  command->add_option("--prompt-tokens,-p", options->prompt_tokens, "Prompt length for prefill")
      ->capture_default_str()->check(kNonNegative);
  command->add_option("--gen-tokens,-n", options->gen_tokens, "Single-token decode steps after the prompt")
      ->capture_default_str()->check(kNonNegative);
  command->add_option("--repetitions,-r", options->repetitions, "Timed repetitions")->capture_default_str()
      ->check(kPositive);
  command->add_flag("--json", options->json, "Print one JSON line");
  add_engine_options(*command, options->engine);
  command->callback([options, &exit_code] {
    if (Status status = run_perf(*options); !status.ok()) exit_code.value = report_error(status);
  });
}

}  // namespace loom::cli
