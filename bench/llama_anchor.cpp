// llama_anchor: times llama.cpp's prebuilt CPU libraries on one GGUF file the
// way llama-bench does (one persistent context and thread pool; prefill = one
// llama_decode of the prompt batch from an empty cache; decode = single-token
// llama_decode calls after it), so bench/run_llama_bench.sh can compare loom
// against it. Prints one JSON line with the same fields as `loom perf --json`.
// Built by the benchmark script against node-llama-cpp's shipped libraries.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "ggml-backend.h"
#include "llama.h"

namespace {

struct Options {
  std::string model;
  std::string backend_dir;
  int prompt_tokens = 512;
  int gen_tokens = 128;
  int threads = 2;
  int repetitions = 5;
};

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Stats {
  double median, min, max;
};

Stats stats(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  const double median = n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
  return {median, values.front(), values.back()};
}

void quiet_log(ggml_log_level, const char*, void*) {}

bool decode_or_report(llama_context* context, llama_batch batch) {
  const int result = llama_decode(context, batch);
  if (result != 0) std::fprintf(stderr, "llama_anchor: llama_decode failed (%d)\n", result);
  return result == 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--prompt-tokens" && has_value) {
      options.prompt_tokens = std::atoi(argv[++i]);
    } else if (arg == "--gen-tokens" && has_value) {
      options.gen_tokens = std::atoi(argv[++i]);
    } else if (arg == "--threads" && has_value) {
      options.threads = std::atoi(argv[++i]);
    } else if (arg == "--repetitions" && has_value) {
      options.repetitions = std::atoi(argv[++i]);
    } else if (arg == "--backend-dir" && has_value) {
      options.backend_dir = argv[++i];
    } else if (options.model.empty() && arg[0] != '-') {
      options.model = arg;
    } else {
      std::fprintf(stderr, "usage: llama_anchor MODEL.gguf --backend-dir DIR [--prompt-tokens N] [--gen-tokens N] "
                           "[--threads N] [--repetitions R]\n");
      return 2;
    }
  }
  if (options.model.empty() || options.backend_dir.empty() || options.repetitions < 1) {
    std::fprintf(stderr, "llama_anchor: a model and --backend-dir are required\n");
    return 2;
  }

  llama_log_set(quiet_log, nullptr);
  ggml_backend_load_all_from_path(options.backend_dir.c_str());
  llama_backend_init();

  llama_model_params model_params = llama_model_default_params();
  model_params.n_gpu_layers = 0;
  llama_model* model = llama_model_load_from_file(options.model.c_str(), model_params);
  if (model == nullptr) {
    std::fprintf(stderr, "llama_anchor: cannot load %s\n", options.model.c_str());
    return 1;
  }
  llama_context_params context_params = llama_context_default_params();
  context_params.n_ctx = options.prompt_tokens + options.gen_tokens;
  context_params.n_batch = std::max(options.prompt_tokens, 1);
  context_params.n_ubatch = std::max(options.prompt_tokens, 1);
  context_params.n_threads = options.threads;
  context_params.n_threads_batch = options.threads;
  context_params.no_perf = true;
  llama_context* context = llama_init_from_model(model, context_params);
  if (context == nullptr) {
    std::fprintf(stderr, "llama_anchor: cannot create a context\n");
    return 1;
  }
  const int vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));

  // Deterministic token ids spread over the vocabulary (content does not
  // change the cost of a dense forward).
  std::vector<llama_token> prompt(options.prompt_tokens);
  for (int i = 0; i < options.prompt_tokens; ++i) prompt[i] = static_cast<llama_token>((i * 7919 + 13) % vocab);

  // Warm-up, as llama-bench: one token through the model, then an empty cache.
  llama_token warm = prompt.empty() ? 0 : prompt[0];
  if (!decode_or_report(context, llama_batch_get_one(&warm, 1))) return 1;
  llama_memory_clear(llama_get_memory(context), true);

  std::vector<double> prefill, decode;
  for (int rep = 0; rep < options.repetitions; ++rep) {
    llama_memory_clear(llama_get_memory(context), true);
    const double start = now_seconds();
    if (!decode_or_report(context, llama_batch_get_one(prompt.data(), options.prompt_tokens))) return 1;
    llama_synchronize(context);
    const double prefill_end = now_seconds();
    llama_token token = static_cast<llama_token>(rep % vocab);
    for (int step = 0; step < options.gen_tokens; ++step) {
      if (!decode_or_report(context, llama_batch_get_one(&token, 1))) return 1;
      llama_synchronize(context);
      token = static_cast<llama_token>((token * 31 + 7) % vocab);
    }
    const double decode_end = now_seconds();
    prefill.push_back(options.prompt_tokens / (prefill_end - start));
    decode.push_back(options.gen_tokens / (decode_end - prefill_end));
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const Stats p = stats(prefill), d = stats(decode);
  std::printf(
      "{\"engine\":\"llama.cpp\",\"model\":\"%s\",\"threads\":%d,\"prompt_tokens\":%d,\"gen_tokens\":%d,"
      "\"repetitions\":%d,\"prefill_tok_s\":%.3f,\"prefill_tok_s_min\":%.3f,\"prefill_tok_s_max\":%.3f,"
      "\"decode_tok_s\":%.3f,\"decode_tok_s_min\":%.3f,\"decode_tok_s_max\":%.3f,\"peak_rss_mib\":%.1f}\n",
      options.model.c_str(), options.threads, options.prompt_tokens, options.gen_tokens, options.repetitions, p.median,
      p.min, p.max, d.median, d.min, d.max, usage.ru_maxrss / 1024.0);
  llama_free(context);
  llama_model_free(model);
  llama_backend_free();
  return 0;
}
