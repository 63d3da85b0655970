// The `loom train` loop (see training_run.h).
#include "train/training_run.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "base/cpu_features.h"
#include "kernels/kernels.h"
#include "model/gguf_file.h"
#include "text/tokenizer.h"
#include "train/export.h"

namespace loom::train {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string duration_text(double seconds) {
  const int64_t total = static_cast<int64_t>(std::llround(std::max(0.0, seconds)));
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof text, "%lldh%02lldm", static_cast<long long>(total / 3600),
                  static_cast<long long>(total / 60 % 60));
  } else {
    std::snprintf(text, sizeof text, "%lldm%02llds", static_cast<long long>(total / 60),
                  static_cast<long long>(total % 60));
  }
  return text;
}

void print_corpus(const char* what, const std::string& path, const Corpus& corpus) {
  std::fprintf(stderr,
               "%s: %s: %lld conversations, %lld input tokens, %lld trained tokens; %lld truncated to the context, "
               "%lld skipped (nothing to train on)\n",
               what, path.c_str(), static_cast<long long>(corpus.examples.size()),
               static_cast<long long>(corpus.input_tokens), static_cast<long long>(corpus.target_tokens),
               static_cast<long long>(corpus.truncated), static_cast<long long>(corpus.skipped));
}

void print_eval(Trainer& trainer, const Corpus* valid) {
  if (valid == nullptr) return;
  const Clock::time_point start = Clock::now();
  const LossSum loss = trainer.evaluate(*valid);
  std::fprintf(stderr, "eval step %lld | valid loss %.4f | ppl %.2f | %lld tokens | %.1fs\n",
               static_cast<long long>(trainer.steps_done()), loss.mean(), std::exp(loss.mean()),
               static_cast<long long>(loss.tokens), seconds_since(start));
}

Status save(const Trainer& trainer, const std::string& dir) {
  TRY(save_checkpoint(dir, trainer.checkpoint()));
  std::fprintf(stderr, "checkpoint step %lld -> %s\n", static_cast<long long>(trainer.steps_done()),
               checkpoint_path(dir).c_str());
  return {};
}

}  // namespace

Status run_training(const TrainingRunOptions& options) {
  const model::GgufFile tokenizer_file = TRY(model::GgufFile::open(options.tokenizer_path));
  const auto tokenizer = TRY(text::Tokenizer::from_gguf(tokenizer_file));
  ModelShape shape = options.shape;
  shape.vocab_size = tokenizer->vocab_size();
  TRY(shape.validate());
  TrainerSettings settings = options.settings;
  if (settings.batch_tokens < shape.context_length) {
    return invalid_argument("--batch-tokens ", settings.batch_tokens, " must be at least the context (",
                            shape.context_length, ") so that every conversation fits in a batch");
  }
  if (options.steps < 0 || options.epochs < 0) return invalid_argument("--steps and --epochs must not be negative");

  ThreadPool pool(options.threads);
  const Corpus train = TRY(load_corpus(options.train_path, *tokenizer, shape.context_length, pool));
  print_corpus("train", options.train_path, train);
  Corpus valid;
  if (!options.valid_path.empty()) {
    valid = TRY(load_corpus(options.valid_path, *tokenizer, shape.context_length, pool));
    print_corpus("valid", options.valid_path, valid);
  }
  const Corpus* held_out = options.valid_path.empty() ? nullptr : &valid;

  BatchStream counter(train, settings.batch_tokens, settings.seed);
  settings.total_steps = options.steps > 0 ? options.steps : counter.steps_in_epochs(std::max<int64_t>(1, options.epochs));
  Trainer trainer(shape, settings, train, pool);
  std::fprintf(stderr,
               "model: llama, %lld parameters (hidden %lld, %lld layers, %lld heads / %lld kv, ffn %lld, vocab %lld, "
               "context %lld); %lld steps of <= %lld tokens; %d threads, %s\n",
               static_cast<long long>(trainer.parameters().size()), static_cast<long long>(shape.hidden_size),
               static_cast<long long>(shape.num_hidden_layers), static_cast<long long>(shape.num_attention_heads),
               static_cast<long long>(shape.num_key_value_heads), static_cast<long long>(shape.intermediate_size),
               static_cast<long long>(shape.vocab_size), static_cast<long long>(shape.context_length),
               static_cast<long long>(settings.total_steps), static_cast<long long>(settings.batch_tokens), pool.size(),
               std::string(isa_name(kernels::kernels().isa)).c_str());
  if (!options.resume_dir.empty()) {
    CheckpointState state = TRY(load_checkpoint(options.resume_dir));
    TRY(trainer.restore(std::move(state)));
    std::fprintf(stderr, "resumed from %s at step %lld\n", checkpoint_path(options.resume_dir).c_str(),
                 static_cast<long long>(trainer.steps_done()));
  }

  const Clock::time_point start = Clock::now();
  Clock::time_point last_print = start;
  const int64_t first_step = trainer.steps_done();
  double window_loss = 0.0;
  int64_t window_targets = 0, window_tokens = 0;
  while (trainer.steps_done() < settings.total_steps) {
    const StepResult result = trainer.step();
    window_loss += result.loss.sum;
    window_targets += result.loss.tokens;
    window_tokens += result.input_tokens;
    const int64_t done = trainer.steps_done();
    const double since_print = seconds_since(last_print);
    if (since_print >= 2.0 || done == settings.total_steps || done - first_step <= 3) {
      const double per_step = seconds_since(start) / static_cast<double>(done - first_step);
      std::fprintf(stderr, "step %lld/%lld | loss %.4f | lr %.2e | grad %.3f | %.0f tok/s | ETA %s\n",
                   static_cast<long long>(done), static_cast<long long>(settings.total_steps),
                   window_targets ? window_loss / window_targets : 0.0, result.learning_rate, result.grad_norm,
                   window_tokens / since_print, duration_text(per_step * (settings.total_steps - done)).c_str());
      last_print = Clock::now();
      window_loss = 0.0;
      window_targets = window_tokens = 0;
    }
    if (options.eval_every > 0 && done % options.eval_every == 0 && done < settings.total_steps) {
      print_eval(trainer, held_out);
    }
    if (!options.checkpoint_dir.empty() && options.checkpoint_every > 0 && done % options.checkpoint_every == 0 &&
        done < settings.total_steps) {
      TRY(save(trainer, options.checkpoint_dir));
    }
  }
  print_eval(trainer, held_out);
  if (!options.checkpoint_dir.empty()) TRY(save(trainer, options.checkpoint_dir));
  ExportOptions export_options{.matrix_type = options.out_type,
                               .name = std::filesystem::path(options.out_path).stem().string()};
  TRY(export_gguf(shape, trainer.parameters().data(), tokenizer_file, export_options, options.out_path));
  std::fprintf(stderr, "wrote %s (%s, %s)\n", options.out_path.c_str(),
               std::string(tensor::dtype_name(options.out_type)).c_str(),
               duration_text(seconds_since(start)).c_str());
  return {};
}

}  // namespace loom::train
