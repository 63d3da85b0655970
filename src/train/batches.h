// The order examples are seen in. Epoch e visits every example once, in a
// permutation drawn from (seed, e); examples are packed greedily, in that
// order, into batches of at most batch_tokens input tokens. The batch of a
// step depends only on the corpus, the seed and the step, so a resumed run
// sees exactly the batches an uninterrupted one would.
#pragma once

#include <cstdint>
#include <vector>

#include "train/corpus.h"
#include "train/transformer.h"

namespace loom::train {

// Batches of one epoch: lists of example indices. With shuffle off (held-out
// evaluation) the examples stay in file order.
std::vector<std::vector<int64_t>> epoch_batches(const Corpus& corpus, int64_t batch_tokens, uint64_t seed,
                                                int64_t epoch, bool shuffle);

// The transformer batch of a list of examples.
Batch make_batch(const Corpus& corpus, const std::vector<int64_t>& examples);

// Walks the epochs' batches step by step.
class BatchStream {
 public:
  BatchStream(const Corpus& corpus, int64_t batch_tokens, uint64_t seed);
  // The example indices of the next step.
  const std::vector<int64_t>& next();
  // Back to the first step, then over `steps` steps without building them.
  void seek(int64_t steps);
  int64_t epoch() const { return epoch_; }
  // Steps in the first `epochs` epochs.
  int64_t steps_in_epochs(int64_t epochs) const;

 private:
  const Corpus& corpus_;
  int64_t batch_tokens_;
  uint64_t seed_;
  int64_t epoch_ = -1;
  size_t position_ = 0;
  std::vector<std::vector<int64_t>> batches_;
};

}  // namespace loom::train
