// `loom perf-engine MODEL.gguf`: the serving engine's two headline numbers.
// (1) Aggregate decode tokens/s with --streams concurrent sequences against
// one: every stream's token times are recorded and the rate is taken over the
// window in which all of them were decoding. (2) Time to first token of a
// second conversation turn that re-sends a --prefix-tokens history (served from
// the prefix cache) against the cold first turn. Medians of --repetitions.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "cli/checks.h"
#include "cli/commands.h"
#include "cli/engine_options.h"
#include "model/model.h"
#include "runtime/engine.h"

namespace loom::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct PerfEngineOptions {
  std::string model_path;
  int streams = 8;
  int gen_tokens = 64;
  int prompt_tokens = 32;
  int prefix_tokens = 4000;
  int repetitions = 3;
  std::string only;  // "decode", "prefix" or empty for both
  bool json = false;
  EngineOptions engine;
  runtime::EngineOptions batching;
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

// Deterministic ids spread over the vocabulary, different for each `seed`.
std::vector<int32_t> synthetic_prompt(int64_t length, int64_t seed, int64_t vocab) {
  std::vector<int32_t> prompt(static_cast<size_t>(length));
  for (int64_t i = 0; i < length; ++i) prompt[i] = static_cast<int32_t>(3 + (i * 7919 + seed * 104729 + 13) % (vocab - 3));
  return prompt;
}

// Greedy, never stopping early: the end-of-generation ids are banned.
runtime::GenerationParams fixed_length(const text::Tokenizer& tokenizer, int max_tokens) {
  runtime::GenerationParams params;
  params.sampling.temperature = 0.0f;
  params.max_tokens = max_tokens;
  for (int32_t id : tokenizer.end_of_generation_ids()) params.sampling.logit_bias.emplace_back(id, -1e9f);
  return params;
}

// Aggregate tokens/s of `streams` sequences over the window where all decode.
Result<double> decode_rate(runtime::Engine& engine, int streams, int gen_tokens, int prompt_tokens, int64_t seed) {
  const int64_t vocab = engine.model().hparams().vocab_size;
  std::vector<std::vector<Clock::time_point>> times(static_cast<size_t>(streams));
  std::vector<Status> statuses(static_cast<size_t>(streams));
  std::vector<std::thread> threads;
  for (int s = 0; s < streams; ++s) {
    threads.emplace_back([&, s] {
      const std::vector<int32_t> prompt = synthetic_prompt(prompt_tokens, seed * 1000 + s, vocab);
      Result<runtime::GenerationResult> result =
          engine.generate(prompt, fixed_length(engine.tokenizer(), gen_tokens), nullptr, nullptr,
                          [&](const runtime::TokenEvent& event) {
                            if (event.token >= 0) times[s].push_back(Clock::now());
                            return true;
                          });
      if (!result.ok()) statuses[s] = result.status();
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const Status& status : statuses) {
    if (!status.ok()) return status;
  }
  Clock::time_point window_start = Clock::time_point::min(), window_end = Clock::time_point::max();
  for (const auto& stream : times) {
    if (stream.size() < 2) return internal_error("a stream produced fewer than two tokens");
    window_start = std::max(window_start, stream.front());
    window_end = std::min(window_end, stream.back());
  }
  int64_t tokens = 0;
  for (const auto& stream : times) {
    tokens += std::count_if(stream.begin(), stream.end(),
                            [&](Clock::time_point t) { return t > window_start && t <= window_end; });
  }
  const double seconds = std::chrono::duration<double>(window_end - window_start).count();
  if (seconds <= 0 || tokens == 0) return internal_error("the streams never decoded together; raise --gen-tokens");
  return static_cast<double>(tokens) / seconds;
}

// Seconds from submission to the first generated token.
Result<double> time_to_first_token(runtime::Engine& engine, const std::vector<int32_t>& prompt, int max_tokens,
                                   std::vector<int32_t>* generated, int64_t* cached) {
  const auto start = Clock::now();
  double first = -1;
  runtime::GenerationResult result =
      TRY(engine.generate(prompt, fixed_length(engine.tokenizer(), max_tokens), nullptr, nullptr,
                          [&](const runtime::TokenEvent& event) {
                            if (first < 0 && event.token >= 0) {
                              first = std::chrono::duration<double>(Clock::now() - start).count();
                            }
                            return true;
                          }));
  if (generated != nullptr) *generated = result.tokens;
  if (cached != nullptr) *cached = result.cached_prompt_tokens;
  return first;
}

Status run_perf_engine(PerfEngineOptions& options) {
  TRY(apply_engine_options(options.engine));
  auto model = TRY(model::Model::load(options.model_path));
  auto tokenizer = TRY(text::Tokenizer::from_gguf(model->file()));
  ThreadPool pool(options.engine.threads);
  runtime::EngineOptions batching = options.batching;
  batching.kv_type = TRY(kv_cache_type(options.engine));
  batching.max_sequences = std::max<int64_t>(batching.max_sequences, options.streams);
  const int64_t needed = options.prefix_tokens + 2 * (options.prompt_tokens + 16) + 64;
  batching.context = options.engine.context > 0 ? options.engine.context
                                                : std::min<int64_t>(model->hparams().max_position_embeddings,
                                                                    std::max<int64_t>(needed, 1024));
  const std::unique_ptr<runtime::Engine> engine = TRY(runtime::Engine::create(*model, *tokenizer, pool, batching));
  const int64_t vocab = model->hparams().vocab_size;
  std::printf("%s (%d threads, %s kernels, %d repetitions; medians)\n", options.model_path.c_str(), pool.size(),
              std::string(isa_name(kernels::kernels().isa)).c_str(), options.repetitions);
  TRY(time_to_first_token(*engine, synthetic_prompt(8, 999, vocab), 1, nullptr, nullptr));  // warm-up

  std::string json = "{\"engine\":\"loom\",\"model\":\"" + options.model_path + "\"";
  if (options.only != "prefix") {
    std::vector<double> single, many;
    for (int rep = 0; rep < options.repetitions; ++rep) {  // interleaved, so both see the same machine load
      single.push_back(TRY(decode_rate(*engine, 1, options.gen_tokens, options.prompt_tokens, 2 * rep)));
      many.push_back(TRY(decode_rate(*engine, options.streams, options.gen_tokens, options.prompt_tokens, 2 * rep + 1)));
      std::fprintf(stderr, "  run %d: 1 stream %.2f tok/s, %d streams %.2f tok/s\n", rep + 1, single.back(),
                   options.streams, many.back());
    }
    const double one = median(single), all = median(many);
    std::printf("  decode, 1 stream:   %9.2f tok/s\n  decode, %d streams: %9.2f tok/s aggregate (%.2fx)\n", one,
                options.streams, all, all / one);
    json += str_cat(",\"streams\":", options.streams, ",\"decode_tok_s_1\":", one, ",\"decode_tok_s_n\":", all,
                    ",\"decode_speedup\":", all / one);
  }
  if (options.only != "decode") {
    std::vector<double> cold, warm;
    int64_t cached = 0;
    for (int rep = 0; rep < options.repetitions; ++rep) {
      // Turn one: a new history (nothing cached). Turn two: the same history,
      // the answer and a new user message.
      std::vector<int32_t> turn = synthetic_prompt(options.prefix_tokens, 5000 + rep, vocab);
      std::vector<int32_t> answer;
      cold.push_back(TRY(time_to_first_token(*engine, turn, 16, &answer, nullptr)));
      turn.insert(turn.end(), answer.begin(), answer.end());
      const std::vector<int32_t> message = synthetic_prompt(options.prompt_tokens, 7000 + rep, vocab);
      turn.insert(turn.end(), message.begin(), message.end());
      warm.push_back(TRY(time_to_first_token(*engine, turn, 1, nullptr, &cached)));
      std::fprintf(stderr, "  run %d: cold %.3f s, second turn %.3f s (%lld cached)\n", rep + 1, cold.back(),
                   warm.back(), static_cast<long long>(cached));
    }
    const double c = median(cold), w = median(warm);
    std::printf("  TTFT, %d-token history, cold:  %8.3f s\n  TTFT, second turn (%lld cached): %8.3f s (%.1f%% of cold)\n",
                options.prefix_tokens, c, static_cast<long long>(cached), w, 100.0 * w / c);
    json += str_cat(",\"prefix_tokens\":", options.prefix_tokens, ",\"ttft_cold_s\":", c, ",\"ttft_warm_s\":", w,
                    ",\"ttft_ratio\":", w / c, ",\"cached_tokens\":", cached);
  }
  if (options.json) std::printf("%s}\n", json.c_str());
  return {};
}

}  // namespace

void add_perf_engine_command(CLI::App& app, ExitCode& exit_code) {
  auto options = std::make_shared<PerfEngineOptions>();
  CLI::App* command = app.add_subcommand(
      "perf-engine", "Measure the serving engine: aggregate decode tok/s of N streams vs 1, and time to first token "
                     "of a second turn served from the prefix cache vs cold");
  command->add_option("model", options->model_path, "GGUF model file")->required()->check(CLI::ExistingFile);
  command->add_option("--streams", options->streams, "Concurrent streams compared with one")->capture_default_str()
      ->check(kPositive);
  command->add_option("--gen-tokens,-n", options->gen_tokens, "Tokens each stream generates")->capture_default_str()
      ->check(CLI::Range(2, 100000));
  command->add_option("--prompt-tokens,-p", options->prompt_tokens, "Prompt of each stream, and the new message of a turn")
      ->capture_default_str()->check(kPositive);
  command->add_option("--prefix-tokens", options->prefix_tokens, "History a second turn re-sends")
      ->capture_default_str()->check(kPositive);
  command->add_option("--repetitions,-r", options->repetitions, "Timed repetitions")->capture_default_str()
      ->check(kPositive);
  command->add_option("--only", options->only, "Run only one of the two measurements")->check(CLI::IsMember({"decode", "prefix"}));
  command->add_option("--prefill-chunk", options->batching.prefill_chunk, "Prompt tokens per engine step")
      ->capture_default_str();
  command->add_flag("--json", options->json, "Also print one JSON line");
  add_engine_options(*command, options->engine);
  command->callback([options, &exit_code] {
    if (Status status = run_perf_engine(*options); !status.ok()) exit_code.value = report_error(status);
  });
}

}  // namespace loom::cli
