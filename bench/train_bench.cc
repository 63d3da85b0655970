// Training throughput of `loom train`'s step (forward, backward, clipping,
// AdamW) in input tokens per second, on synthetic conversations shaped like
// the agentic corpus: lengths spread over the context, the loss on about half
// of the tokens. Prints the model size and the median of the timed steps.
// Usage: loom_train_bench [--threads T] [--dim D] [--layers L] [--heads H]
//          [--kv-heads K] [--ffn F] [--vocab V] [--context C] [--batch-tokens B] [--steps N]
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "train/trainer.h"

namespace {

using Clock = std::chrono::steady_clock;

double cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

loom::train::Corpus synthetic_corpus(int64_t conversations, int64_t vocab, int64_t context) {
  loom::train::Corpus corpus;
  std::mt19937_64 random(7);
  for (int64_t c = 0; c < conversations; ++c) {
    const int64_t length = context / 4 + static_cast<int64_t>(random() % (3 * context / 4));
    loom::train::Example example;
    for (int64_t i = 0; i <= length; ++i) {
      example.tokens.push_back(static_cast<int32_t>(random() % vocab));
      example.loss_mask.push_back(i >= length / 2 ? 1 : 0);
    }
    loom::train::add_example(corpus, std::move(example), context);
  }
  return corpus;
}

}  // namespace

int main(int argc, char** argv) {
  loom::train::ModelShape shape;
  shape.vocab_size = 2048;
  int threads = 2;
  int64_t batch_tokens = 8192, steps = 6;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int64_t value = std::atoll(argv[i + 1]);
    if (flag == "--threads") threads = static_cast<int>(value);
    else if (flag == "--dim") shape.hidden_size = value;
    else if (flag == "--layers") shape.num_hidden_layers = value;
    else if (flag == "--heads") shape.num_attention_heads = value;
    else if (flag == "--kv-heads") shape.num_key_value_heads = value;
    else if (flag == "--ffn") shape.intermediate_size = value;
    else if (flag == "--vocab") shape.vocab_size = value;
    else if (flag == "--context") shape.context_length = value;
    else if (flag == "--batch-tokens") batch_tokens = value;
    else if (flag == "--steps") steps = value;
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (auto status = shape.validate(); !status.ok()) {
    std::fprintf(stderr, "%s\n", status.to_string().c_str());
    return 2;
  }
  const loom::train::Corpus corpus = synthetic_corpus(400, shape.vocab_size, shape.context_length);
  loom::ThreadPool pool(threads);
  loom::train::TrainerSettings settings;
  settings.batch_tokens = batch_tokens;
  settings.total_steps = steps + 1;
  loom::train::Trainer trainer(shape, settings, corpus, pool);
  trainer.step();  // warm-up: buffers grow to size
  std::vector<double> rates, cpu_rates;
  for (int64_t step = 0; step < steps; ++step) {
    const Clock::time_point start = Clock::now();
    const double cpu_start = cpu_seconds();
    const loom::train::StepResult result = trainer.step();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    rates.push_back(static_cast<double>(result.input_tokens) / seconds);
    cpu_rates.push_back(static_cast<double>(result.input_tokens) / (cpu_seconds() - cpu_start));
  }
  std::sort(rates.begin(), rates.end());
  std::sort(cpu_rates.begin(), cpu_rates.end());
  std::printf("params %zu  dim %lld layers %lld heads %lld/%lld ffn %lld vocab %lld context %lld  batch %lld  "
              "threads %d  isa %s\n",
              trainer.parameters().size(), static_cast<long long>(shape.hidden_size),
              static_cast<long long>(shape.num_hidden_layers), static_cast<long long>(shape.num_attention_heads),
              static_cast<long long>(shape.num_key_value_heads), static_cast<long long>(shape.intermediate_size),
              static_cast<long long>(shape.vocab_size), static_cast<long long>(shape.context_length),
              static_cast<long long>(batch_tokens), pool.size(),
              std::string(loom::isa_name(loom::kernels::kernels().isa)).c_str());
  std::printf("tokens/s median %.0f  (min %.0f, max %.0f over %zu steps); per CPU-second median %.0f\n",
              rates[rates.size() / 2], rates.front(), rates.back(), rates.size(), cpu_rates[cpu_rates.size() / 2]);
  return 0;
}
