// `loom eval MODEL.gguf --tokens 1,2,3 --top-k K`: teacher-forces a token
// sequence and prints, per position, the top-K next tokens with their
// log-probabilities as JSON lines {"pos":P,"top":[[id,logprob],...]}.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "cli/checks.h"
#include "cli/commands.h"
#include "cli/engine_options.h"
#include "model/model.h"

namespace loom::cli {
namespace {

struct EvalOptions {
  std::string model_path;
  std::vector<int32_t> tokens;
  int top_k = 5;
  EngineOptions engine;
};

// log-softmax of one row, then the k largest entries, best first.
std::vector<std::pair<int32_t, double>> top_log_probs(const float* logits, int64_t vocab, int k) {
  const float max_logit = *std::max_element(logits, logits + vocab);
  double sum = 0.0;
  for (int64_t i = 0; i < vocab; ++i) sum += std::exp(static_cast<double>(logits[i]) - max_logit);
  const double log_sum = std::log(sum) + max_logit;
  std::vector<int32_t> ids(vocab);
  std::iota(ids.begin(), ids.end(), 0);
  const int64_t count = std::min<int64_t>(k, vocab);
  std::partial_sort(ids.begin(), ids.begin() + count, ids.end(), [&](int32_t a, int32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  std::vector<std::pair<int32_t, double>> top;
  for (int64_t i = 0; i < count; ++i) top.emplace_back(ids[i], logits[ids[i]] - log_sum);
  return top;
}

Status run_eval(const EvalOptions& options) {
  TRY(apply_engine_options(options.engine));
  if (options.tokens.empty()) return invalid_argument("--tokens needs at least one token id");
  auto model = TRY(model::Model::load(options.model_path));
  const int64_t capacity = options.engine.context > 0 ? options.engine.context
                                                       : static_cast<int64_t>(options.tokens.size());
  model::KvCache cache = TRY(model->new_cache(TRY(kv_cache_type(options.engine)), capacity));
  ThreadPool pool(options.engine.threads);
  std::vector<float> logits;
  TRY(model->forward(pool, options.tokens, 0, cache, model::LogitsFor::kAllTokens, logits));
  const int64_t vocab = model->hparams().vocab_size;
  for (size_t pos = 0; pos < options.tokens.size(); ++pos) {
    std::string line = "{\"pos\":" + std::to_string(pos) + ",\"top\":[";
    const auto top = top_log_probs(logits.data() + pos * vocab, vocab, options.top_k);
    for (size_t i = 0; i < top.size(); ++i) {
      char entry[64];
      std::snprintf(entry, sizeof(entry), "%s[%d,%.9g]", i ? "," : "", top[i].first, top[i].second);
      line += entry;
    }
    line += "]}\n";
    std::fputs(line.c_str(), stdout);
  }
  return {};
}

}  // namespace

void add_eval_command(CLI::App& app, ExitCode& exit_code) {
  auto options = std::make_shared<EvalOptions>();
  CLI::App* command = app.add_subcommand(
      "eval", "Teacher-force token ids and print each position's top-K next tokens with log-probabilities (JSON lines)");
  command->add_option("model", options->model_path, "GGUF model file")->required()->check(CLI::ExistingFile);
  command->add_option("--tokens", options->tokens, "Comma-separated token ids")->required()->delimiter(',');
  command->add_option("--top-k,-k", options->top_k, "Alternatives per position")->capture_default_str()
      ->check(kPositive);
  add_engine_options(*command, options->engine);
  command->callback([options, &exit_code] {
    if (Status status = run_eval(*options); !status.ok()) exit_code.value = report_error(status);
  });
}

}  // namespace loom::cli
