// End to end under every instruction set this CPU runs (the run-time override
// `--isa` / LOOM_ISA): a prompt through prefill (multi-token tiles) and then
// single-token decode steps must pick the same top-1 token at every position
// as the scalar reference kernels, for each weight type the benchmark uses.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "base/cpu_features.h"
#include "base/thread_pool.h"
#include "kernels/kernels.h"
#include "model/model.h"
#include "model/test_model.h"

namespace loom {
namespace {

constexpr int kPromptTokens = 12;
constexpr int kDecodeSteps = 6;

int32_t argmax(const float* logits, int64_t vocab) {
  return static_cast<int32_t>(std::max_element(logits, logits + vocab) - logits);
}

// Top-1 after every prompt position (one prefill call), then greedy decode.
std::vector<int32_t> top_tokens(model::Model& model, ThreadPool& pool) {
  const int64_t vocab = model.hparams().vocab_size;
  model::KvCache cache = *model.new_cache(tensor::DType::kF16, kPromptTokens + kDecodeSteps);
  std::vector<int32_t> prompt(kPromptTokens);
  for (int i = 0; i < kPromptTokens; ++i) prompt[i] = static_cast<int32_t>((i * 37 + 5) % vocab);
  std::vector<float> logits;
  EXPECT_TRUE(model.forward(pool, prompt, 0, cache, model::LogitsFor::kAllTokens, logits).ok());
  std::vector<int32_t> top;
  for (int pos = 0; pos < kPromptTokens; ++pos) top.push_back(argmax(logits.data() + pos * vocab, vocab));
  int32_t token = top.back();
  for (int step = 0; step < kDecodeSteps; ++step) {
    EXPECT_TRUE(model.forward(pool, std::span<const int32_t>(&token, 1), kPromptTokens + step, cache,
                              model::LogitsFor::kLastToken, logits)
                    .ok());
    token = argmax(logits.data(), vocab);
    top.push_back(token);
  }
  return top;
}

TEST(IsaEndToEnd, EveryInstructionSetPicksTheScalarTopTokens) {
  const Isa original = kernels::kernels().isa;
  ThreadPool pool(2);
  for (const char* architecture : {"llama", "qwen3"}) {
    for (const char* type : {"f16", "q8_0", "q4_0"}) {
      const std::string path = ::testing::TempDir() + "isa_e2e_" + architecture + "_" + type + ".gguf";
      model::TestModelOptions options;
      options.architecture = architecture;
      options.type = type;
      ASSERT_TRUE(model::write_test_model(options, path).ok());
      auto model = model::Model::load(path);
      ASSERT_TRUE(model.ok()) << model.status().to_string();
      ASSERT_TRUE(kernels::select_isa(Isa::kScalar).ok());
      const std::vector<int32_t> expected = top_tokens(**model, pool);
      for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
        if (!isa_supported(isa)) continue;
        ASSERT_TRUE(kernels::select_isa(isa).ok());
        EXPECT_EQ(top_tokens(**model, pool), expected) << architecture << " " << type << " " << isa_name(isa);
      }
      std::remove(path.c_str());
    }
  }
  ASSERT_TRUE(kernels::select_isa(original).ok());
}

}  // namespace
}  // namespace loom
