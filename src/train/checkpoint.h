// Checkpoints: the parameters, AdamW's moments and the step count, with the
// shape and data-order settings they belong to, in one GGUF file
// (DIR/checkpoint.gguf, written through a temporary file so a crash never
// leaves half of one). Resuming from it continues the exact run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "train/model_shape.h"

namespace loom::train {

struct CheckpointState {
  ModelShape shape;
  int64_t step = 0;  // optimizer steps done
  uint64_t seed = 0;
  int64_t batch_tokens = 0;
  std::vector<float> params, first_moment, second_moment;  // the parameter layout
};

std::string checkpoint_path(const std::string& dir);
Status save_checkpoint(const std::string& dir, const CheckpointState& state);
Result<CheckpointState> load_checkpoint(const std::string& dir);

}  // namespace loom::train
