// End to end under every instruction set this CPU runs (the run-time override
// `--isa` / LOOM_ISA): a prompt through prefill (multi-token tiles) and then
// single-token decode steps must pick the same top-1 token at every position
// as the scalar reference kernels (up to near ties of the random weights), for
// each weight type the benchmark uses (and BF16 and Q4_K_M).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
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
// Random-weight models have near ties, and their logits are small sums of
// large cancelling terms, so summation order moves them by up to about 1%;
// a different top-1 is accepted only where the reference's logits of the two
// tokens are this close (relative), and at most once per file and ISA.
constexpr float kTieTolerance = 2e-2f;

// Logits after every position: the prompt in one prefill call (multi-token
// tiles), then fixed tokens one decode step at a time.
std::vector<std::vector<float>> all_logits(model::Model& model, ThreadPool& pool) {
  const int64_t vocab = model.hparams().vocab_size;
  model::KvCache cache = *model.new_cache(tensor::DType::kF16, kPromptTokens + kDecodeSteps);
  std::vector<int32_t> prompt(kPromptTokens);
  for (int i = 0; i < kPromptTokens; ++i) prompt[i] = static_cast<int32_t>((i * 37 + 5) % vocab);
  std::vector<float> logits;
  EXPECT_TRUE(model.forward(pool, prompt, 0, cache, model::LogitsFor::kAllTokens, logits).ok());
  std::vector<std::vector<float>> rows;
  for (int pos = 0; pos < kPromptTokens; ++pos) {
    rows.emplace_back(logits.begin() + pos * vocab, logits.begin() + (pos + 1) * vocab);
  }
  for (int step = 0; step < kDecodeSteps; ++step) {
    const int32_t token = static_cast<int32_t>((step * 53 + 11) % vocab);
    EXPECT_TRUE(model.forward(pool, std::span<const int32_t>(&token, 1), kPromptTokens + step, cache,
                              model::LogitsFor::kLastToken, logits)
                    .ok());
    rows.push_back(logits);
  }
  return rows;
}

int32_t argmax(const std::vector<float>& logits) {
  return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

TEST(IsaEndToEnd, EveryInstructionSetPicksTheScalarTopTokens) {
  const Isa original = kernels::kernels().isa;
  ThreadPool pool(2);
  for (const char* architecture : {"llama", "qwen3"}) {
    for (const char* type : {"f16", "bf16", "q8_0", "q4_0", "q4_k_m"}) {
      const std::string path = ::testing::TempDir() + "isa_e2e_" + architecture + "_" + type + ".gguf";
      model::TestModelOptions options;
      options.architecture = architecture;
      options.type = type;
      ASSERT_TRUE(model::write_test_model(options, path).ok());
      auto model = model::Model::load(path);
      ASSERT_TRUE(model.ok()) << model.status().to_string();
      ASSERT_TRUE(kernels::select_isa(Isa::kScalar).ok());
      const std::vector<std::vector<float>> expected = all_logits(**model, pool);
      for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
        if (!isa_supported(isa)) continue;
        ASSERT_TRUE(kernels::select_isa(isa).ok());
        const std::vector<std::vector<float>> actual = all_logits(**model, pool);
        int same = 0;
        for (size_t pos = 0; pos < expected.size(); ++pos) {
          const int32_t want = argmax(expected[pos]);
          const int32_t got = argmax(actual[pos]);
          same += want == got;
          const float gap = expected[pos][want] - expected[pos][got];
          EXPECT_LE(gap, kTieTolerance * std::max(1.0f, std::abs(expected[pos][want])))
              << architecture << " " << type << " " << isa_name(isa) << " position " << pos << ": top-1 " << got
              << " instead of " << want;
        }
        EXPECT_GE(same, static_cast<int>(expected.size()) - 1) << architecture << " " << type << " " << isa_name(isa);
      }
      std::remove(path.c_str());
    }
  }
  ASSERT_TRUE(kernels::select_isa(original).ok());
}

}  // namespace
}  // namespace loom
