// forward_chunks: several sequences in one batch give exactly the logits each
// gives alone, to float rounding (attention never crosses sequences).
#include <gtest/gtest.h>

#include "model/model.h"
#include "support/oracle.h"

namespace loom::model {
namespace {

TEST(ModelBatch, ChunksOfSeveralSequencesMatchSeparateForwards) {
  auto model = Model::load(testing::fixtures_dir() + "/stories260k/stories260K-q8_0.gguf");
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  ThreadPool pool(2);
  const int64_t vocab = (*model)->hparams().vocab_size;
  const std::vector<std::vector<int32_t>> prompts = {{1, 400, 401, 402}, {1, 300}, {1, 260, 261, 262, 263, 264}};
  const std::vector<int32_t> next = {410, 310, 270};

  // Alone: prefill each prompt, then one decode step.
  std::vector<std::vector<float>> expected_prefill, expected_decode;
  for (size_t s = 0; s < prompts.size(); ++s) {
    KvCache cache = *(*model)->new_cache(tensor::DType::kF16, 32);
    std::vector<float> logits;
    ASSERT_TRUE((*model)->forward(pool, prompts[s], 0, cache, LogitsFor::kAllTokens, logits).ok());
    expected_prefill.push_back(logits);
    ASSERT_TRUE((*model)->forward(pool, std::span(&next[s], 1), static_cast<int64_t>(prompts[s].size()), cache,
                                  LogitsFor::kLastToken, logits)
                    .ok());
    expected_decode.push_back(logits);
  }

  // Together: one batch for the three prefills, one for the three decode steps.
  std::vector<KvCache> caches;
  for (size_t s = 0; s < prompts.size(); ++s) caches.push_back(*(*model)->new_cache(tensor::DType::kF16, 32));
  std::vector<std::vector<float>> prefill(prompts.size()), decode(prompts.size());
  std::vector<SequenceChunk> chunks;
  for (size_t s = 0; s < prompts.size(); ++s) {
    prefill[s].resize(prompts[s].size() * vocab);
    chunks.push_back({.tokens = prompts[s], .start_pos = 0, .cache = &caches[s],
                      .logits_for = LogitsFor::kAllTokens, .logits = prefill[s].data()});
  }
  ASSERT_TRUE((*model)->forward_chunks(pool, chunks).ok());
  chunks.clear();
  for (size_t s = 0; s < prompts.size(); ++s) {
    decode[s].resize(vocab);
    chunks.push_back({.tokens = std::span(&next[s], 1), .start_pos = static_cast<int64_t>(prompts[s].size()),
                      .cache = &caches[s], .logits_for = LogitsFor::kLastToken, .logits = decode[s].data()});
  }
  ASSERT_TRUE((*model)->forward_chunks(pool, chunks).ok());
  for (size_t s = 0; s < prompts.size(); ++s) {
    // Batched and single-token matmuls may sum in different orders: equal to
    // float rounding, far below any rounding flip of an activation.
    ASSERT_EQ(prefill[s].size(), expected_prefill[s].size());
    for (size_t i = 0; i < prefill[s].size(); ++i) {
      ASSERT_NEAR(prefill[s][i], expected_prefill[s][i], 1e-4) << "sequence " << s << " logit " << i;
    }
    for (size_t i = 0; i < decode[s].size(); ++i) {
      ASSERT_NEAR(decode[s][i], expected_decode[s][i], 1e-4) << "sequence " << s << " logit " << i;
    }
  }
}

TEST(ModelBatch, RejectsChunksBeyondTheirCache) {
  auto model = Model::load(testing::fixtures_dir() + "/stories260k/stories260K-f32.gguf");
  ASSERT_TRUE(model.ok());
  ThreadPool pool(1);
  KvCache cache = *(*model)->new_cache(tensor::DType::kF16, 4);
  const std::vector<int32_t> tokens = {1, 2, 3};
  std::vector<float> logits(512);
  const SequenceChunk chunk{.tokens = tokens, .start_pos = 2, .cache = &cache, .logits = logits.data()};
  const Status status = (*model)->forward_chunks(pool, std::span(&chunk, 1));
  EXPECT_EQ(status.code(), StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace loom::model
