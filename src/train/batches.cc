// Deterministic data order (see batches.h).
#include "train/batches.h"

#include <numeric>
#include <random>

namespace loom::train {

std::vector<std::vector<int64_t>> epoch_batches(const Corpus& corpus, int64_t batch_tokens, uint64_t seed,
                                                int64_t epoch, bool shuffle) {
  std::vector<int64_t> order(corpus.examples.size());
  std::iota(order.begin(), order.end(), 0);
  if (shuffle) {
    // Fisher-Yates on mt19937_64 (exactly specified), not std::shuffle (whose
    // algorithm is the library's choice).
    std::mt19937_64 random(seed * 0x9e3779b97f4a7c15ull + static_cast<uint64_t>(epoch) + 1);
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[random() % i]);
  }
  std::vector<std::vector<int64_t>> batches;
  std::vector<int64_t> current;
  int64_t tokens = 0;
  for (int64_t index : order) {
    const int64_t count = corpus.examples[index].input_count();
    if (!current.empty() && tokens + count > batch_tokens) {
      batches.push_back(std::move(current));
      current.clear();
      tokens = 0;
    }
    current.push_back(index);
    tokens += count;
  }
  if (!current.empty()) batches.push_back(std::move(current));
  return batches;
}

Batch make_batch(const Corpus& corpus, const std::vector<int64_t>& examples) {
  Batch batch;
  for (int64_t index : examples) {
    const Example& example = corpus.examples[index];
    batch.add_sequence(example.tokens, example.loss_mask);
  }
  return batch;
}

BatchStream::BatchStream(const Corpus& corpus, int64_t batch_tokens, uint64_t seed)
    : corpus_(corpus), batch_tokens_(batch_tokens), seed_(seed) {}

const std::vector<int64_t>& BatchStream::next() {
  if (epoch_ < 0 || position_ >= batches_.size()) {
    ++epoch_;
    batches_ = epoch_batches(corpus_, batch_tokens_, seed_, epoch_, /*shuffle=*/true);
    position_ = 0;
  }
  return batches_[position_++];
}

void BatchStream::seek(int64_t steps) {
  epoch_ = -1;
  position_ = 0;
  for (int64_t step = 0; step < steps; ++step) next();
}

int64_t BatchStream::steps_in_epochs(int64_t epochs) const {
  int64_t steps = 0;
  for (int64_t epoch = 0; epoch < epochs; ++epoch) {
    steps += static_cast<int64_t>(epoch_batches(corpus_, batch_tokens_, seed_, epoch, true).size());
  }
  return steps;
}

}  // namespace loom::train
