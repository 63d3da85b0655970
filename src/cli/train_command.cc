// `loom train`: trains a Llama-architecture model from scratch on the CPU and
// writes it as a GGUF file that `loom run`, `loom serve` and `loom agent` load.
#include <memory>

#include "cli/checks.h"
#include "cli/commands.h"
#include "cli/engine_options.h"
#include "train/training_run.h"

namespace loom::cli {
namespace {

struct TrainCommandOptions {
  train::TrainingRunOptions run;
  std::string out_type = "f32";
  std::string isa;
  bool untied = false;
};

Status run_train(TrainCommandOptions options) {
  TRY(apply_engine_options({.threads = options.run.threads, .isa = options.isa}));
  options.run.out_type = TRY(tensor::parse_dtype(options.out_type));
  options.run.shape.tied_embeddings = !options.untied;
  return train::run_training(options.run);
}

}  // namespace

void add_train_command(CLI::App& app, ExitCode& exit_code) {
  auto options = std::make_shared<TrainCommandOptions>();
  train::TrainingRunOptions& run = options->run;
  train::ModelShape& shape = run.shape;
  train::OptimizerOptions& optimizer = run.settings.optimizer;
  CLI::App* command = app.add_subcommand(
      "train",
      "Train a Llama-architecture model from scratch on the CPU (docs/training.md).\n"
      "Data: JSONL, one conversation per line: {\"segments\": [{\"text\": \"...\", \"train\": false}, ...]};\n"
      "the loss is taken on the tokens of train:true segments. Progress (step, loss, lr, tokens/s, ETA)\n"
      "and the held-out loss go to stderr; the result is a GGUF model carrying the tokenizer and chat template.");
  command->add_option("--tokenizer", run.tokenizer_path, "GGUF file with the tokenizer metadata and chat template")
      ->required()->check(CLI::ExistingFile);
  command->add_option("--train", run.train_path, "Training conversations (JSONL)")->required()->check(CLI::ExistingFile);
  command->add_option("--valid", run.valid_path, "Held-out conversations (JSONL) for the evaluation loss")
      ->check(CLI::ExistingFile);
  command->add_option("--out,-o", run.out_path, "Output model .gguf")->required();
  command->add_option("--out-type", options->out_type, "Matrix type of the output: f32, f16, bf16 or q8_0")
      ->capture_default_str();
  auto* group = command->add_option_group("model shape");
  group->add_option("--dim", shape.hidden_size, "Hidden size")->capture_default_str();
  group->add_option("--layers", shape.num_hidden_layers, "Decoder layers")->capture_default_str();
  group->add_option("--heads", shape.num_attention_heads, "Attention heads")->capture_default_str();
  group->add_option("--kv-heads", shape.num_key_value_heads, "Key/value heads (grouped-query attention)")
      ->capture_default_str();
  group->add_option("--ffn", shape.intermediate_size, "Feed-forward (SwiGLU) size")->capture_default_str();
  group->add_option("--context", shape.context_length, "Context length; longer conversations are truncated")
      ->capture_default_str();
  group->add_option("--rope-theta", shape.rope_theta, "RoPE base frequency")->capture_default_str();
  group->add_flag("--untied", options->untied, "Separate output matrix instead of the tied token embedding");
  command->add_option("--steps", run.steps, "Optimizer steps (default: --epochs)")->check(kPositive);
  command->add_option("--epochs", run.epochs, "Passes over the training data (default 1 when --steps is not given)")
      ->check(kPositive);
  command->add_option("--batch-tokens", run.settings.batch_tokens,
                      "Input tokens per step, at most (whole conversations are packed; >= --context)")
      ->capture_default_str()->check(kPositive);
  command->add_option("--lr", optimizer.learning_rate, "Peak learning rate")->capture_default_str()
      ->check(kAboveZero);
  command->add_option("--warmup", optimizer.warmup_steps, "Linear warmup steps")->capture_default_str()
      ->check(kNonNegative);
  command->add_option("--min-lr-ratio", optimizer.min_lr_ratio, "The cosine decays to lr * this")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  command->add_option("--weight-decay", optimizer.weight_decay, "AdamW decoupled weight decay (matrices)")
      ->capture_default_str()->check(kNonNegative);
  command->add_option("--clip", optimizer.clip_norm, "Global gradient-norm clip (0: off)")->capture_default_str()
      ->check(kNonNegative);
  command->add_option("--seed", run.settings.seed, "Seed of the initial weights and the data order")
      ->capture_default_str();
  command->add_option("--threads", run.threads, "Compute threads (default: one per core)")->check(kNonNegative);
  command->add_option("--isa", options->isa, "Instruction set: scalar, avx2 or avx512 (default: the best)");
  command->add_option("--checkpoint", run.checkpoint_dir, "Directory for checkpoints (written at the end too)");
  command->add_option("--checkpoint-every", run.checkpoint_every, "Steps between checkpoints")
      ->capture_default_str()->check(kNonNegative);
  command->add_option("--resume", run.resume_dir, "Continue from the checkpoint in this directory")
      ->check(CLI::ExistingDirectory);
  command->add_option("--eval-every", run.eval_every, "Steps between held-out evaluations (always at the end)")
      ->capture_default_str()->check(kNonNegative);
  command->callback([options, &exit_code] {
    if (Status status = run_train(*options); !status.ok()) exit_code.value = report_error(status);
  });
}

}  // namespace loom::cli
