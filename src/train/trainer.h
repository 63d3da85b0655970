// Trainer: the training loop's state (parameters, AdamW, data position) and
// one optimizer step at a time: batch -> forward/backward -> clip -> AdamW.
// Checkpoint and restore capture all of it, so a resumed run continues the
// loss curve of an uninterrupted one bit for bit (same ISA).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "base/thread_pool.h"
#include "train/batches.h"
#include "train/checkpoint.h"
#include "train/corpus.h"
#include "train/optimizer.h"
#include "train/transformer.h"

namespace loom::train {

struct TrainerSettings {
  int64_t batch_tokens = 8192;  // input tokens per step, at most
  int64_t total_steps = 1000;   // the schedule's length
  OptimizerOptions optimizer;
  uint64_t seed = 1;            // initial parameters and data order
};

struct StepResult {
  LossSum loss;
  double learning_rate = 0;
  double grad_norm = 0;  // before clipping
  int64_t input_tokens = 0;
};

class Trainer {
 public:
  // `train` must outlive the trainer.
  Trainer(const ModelShape& shape, const TrainerSettings& settings, const Corpus& train, ThreadPool& pool);

  StepResult step();
  // Mean loss over every target of `corpus` (no update).
  LossSum evaluate(const Corpus& corpus);

  int64_t steps_done() const { return steps_done_; }
  const std::vector<float>& parameters() const { return params_; }
  const ModelShape& shape() const { return transformer_.shape(); }

  CheckpointState checkpoint() const;
  // Continues from a checkpoint of the same shape, seed and batch size.
  Status restore(CheckpointState state);

 private:
  TrainerSettings settings_;
  const Corpus& train_;
  ThreadPool& pool_;
  Transformer transformer_;
  std::vector<float> params_, grads_;
  AdamW optimizer_;
  BatchStream stream_;
  int64_t steps_done_ = 0;
};

}  // namespace loom::train
