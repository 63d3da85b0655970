// `loom train` end to end: tokenizer and corpora in, progress and held-out
// loss on stderr, checkpoints on the way, a runnable GGUF model out.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "tensor/dtype.h"
#include "train/model_shape.h"
#include "train/trainer.h"

namespace loom::train {

struct TrainingRunOptions {
  std::string tokenizer_path;  // GGUF with tokenizer.* metadata (and the chat template)
  std::string train_path;      // JSONL conversations
  std::string valid_path;      // JSONL, held out; may be empty
  std::string out_path;        // the model GGUF
  ModelShape shape;            // vocab_size comes from the tokenizer
  int64_t steps = 0;           // 0: use epochs
  int64_t epochs = 0;          // 0 with steps 0: one epoch
  TrainerSettings settings;    // total_steps is derived from steps / epochs
  int threads = 0;
  std::string checkpoint_dir;
  int64_t checkpoint_every = 0;  // 0: only at the end (when checkpoint_dir is set)
  std::string resume_dir;
  int64_t eval_every = 0;        // 0: only at the end
  tensor::DType out_type = tensor::DType::kF32;
};

Status run_training(const TrainingRunOptions& options);

}  // namespace loom::train
