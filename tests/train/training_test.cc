// Training end to end on a tiny corpus: the loss goes down, the run does not
// depend on the thread count, and checkpoint + resume continues the loss
// curve of an uninterrupted run bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "train/trainer.h"
#include "train_test_support.h"

namespace loom::train {
namespace {

// Conversations with a learnable rule: after a prompt of random tokens, the
// answer repeats the prompt (the loss is taken on the answer only).
Corpus copy_corpus(int64_t conversations, int64_t vocab, uint64_t seed) {
  Corpus corpus;
  std::mt19937_64 random(seed);
  for (int64_t c = 0; c < conversations; ++c) {
    const int64_t length = 3 + static_cast<int64_t>(random() % 5);
    Example example;
    example.tokens.push_back(0);  // start
    for (int64_t i = 0; i < length; ++i) example.tokens.push_back(2 + static_cast<int32_t>(random() % (vocab - 2)));
    example.tokens.push_back(1);  // separator
    example.loss_mask.assign(example.tokens.size(), 0);
    for (int64_t i = 0; i < length; ++i) {
      example.tokens.push_back(example.tokens[1 + i]);
      example.loss_mask.push_back(1);
    }
    add_example(corpus, std::move(example), 64);
  }
  return corpus;
}

TrainerSettings settings(int64_t total_steps) {
  TrainerSettings s;
  s.batch_tokens = 160;
  s.total_steps = total_steps;
  s.optimizer.learning_rate = 1e-2;
  s.optimizer.warmup_steps = 5;
  s.seed = 3;
  return s;
}

TEST(Training, FewStepsLowerTheLoss) {
  ThreadPool pool(2);
  const ModelShape shape = testing::tiny_shape(12);
  const Corpus train = copy_corpus(200, shape.vocab_size, 1);
  const Corpus valid = copy_corpus(40, shape.vocab_size, 2);
  Trainer trainer(shape, settings(60), train, pool);
  const double before = trainer.evaluate(valid).mean();
  EXPECT_NEAR(before, std::log(12.0), 0.1) << "a fresh model is near uniform";
  for (int step = 0; step < 60; ++step) trainer.step();
  const double after = trainer.evaluate(valid).mean();
  EXPECT_LT(after, before - 0.3) << "before " << before << ", after " << after;
}

std::vector<double> losses(Trainer& trainer, int steps) {
  std::vector<double> result;
  for (int step = 0; step < steps; ++step) result.push_back(trainer.step().loss.sum);
  return result;
}

TEST(Training, ThreadCountDoesNotChangeTheRun) {
  const ModelShape shape = testing::tiny_shape(12);
  const Corpus train = copy_corpus(50, shape.vocab_size, 1);
  ThreadPool one(1), three(3);
  Trainer a(shape, settings(8), train, one), b(shape, settings(8), train, three);
  EXPECT_EQ(losses(a, 8), losses(b, 8));
  EXPECT_EQ(a.parameters(), b.parameters());
}

TEST(Training, ResumeContinuesTheUninterruptedRun) {
  ThreadPool pool(2);
  const ModelShape shape = testing::tiny_shape(12);
  const Corpus train = copy_corpus(50, shape.vocab_size, 1);  // several epochs in 12 steps
  Trainer uninterrupted(shape, settings(12), train, pool);
  const std::vector<double> expected = losses(uninterrupted, 12);

  const std::string dir = testing::temp_path("checkpoint");
  {
    Trainer first(shape, settings(12), train, pool);
    const std::vector<double> head = losses(first, 5);
    EXPECT_EQ(head, std::vector<double>(expected.begin(), expected.begin() + 5));
    ASSERT_TRUE(save_checkpoint(dir, first.checkpoint()).ok());
  }
  auto state = load_checkpoint(dir);
  ASSERT_TRUE(state.ok()) << state.status().to_string();
  EXPECT_EQ(state->step, 5);
  Trainer resumed(shape, settings(12), train, pool);
  ASSERT_TRUE(resumed.restore(std::move(*state)).ok());
  const std::vector<double> tail = losses(resumed, 7);
  EXPECT_EQ(tail, std::vector<double>(expected.begin() + 5, expected.end()));
  EXPECT_EQ(resumed.parameters(), uninterrupted.parameters());
  std::filesystem::remove_all(dir);
}

TEST(Training, ResumeRefusesAnotherShapeOrDataOrder) {
  ThreadPool pool(1);
  const ModelShape shape = testing::tiny_shape(12);
  const Corpus train = copy_corpus(20, shape.vocab_size, 1);
  Trainer trainer(shape, settings(4), train, pool);
  CheckpointState other_seed = trainer.checkpoint();
  other_seed.seed += 1;
  EXPECT_FALSE(trainer.restore(other_seed).ok());
  ModelShape wider = shape;
  wider.intermediate_size += 8;
  Trainer other(wider, settings(4), train, pool);
  EXPECT_FALSE(trainer.restore(other.checkpoint()).ok());
}

}  // namespace
}  // namespace loom::train
