// Real weights: the trained stories260K checkpoint must reproduce llama2.c's
// run.c logits (teacher-forced) and greedy ids exactly, and llama.cpp's greedy
// ids for the quantized conversions.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "kernels/kernels.h"
#include "model/model.h"
#include "support/oracle.h"

namespace loom::model {
namespace {

const std::string kDir = testing::fixtures_dir() + "/stories260k/";

nlohmann::json reference() {
  std::ifstream in(kDir + "reference.json");
  return nlohmann::json::parse(in);
}

std::vector<int32_t> greedy(Model& model, ThreadPool& pool, int steps, tensor::DType kv_type) {
  KvCache cache = *model.new_cache(kv_type, steps + 1);
  std::vector<int32_t> out;
  std::vector<float> logits;
  int32_t token = 1;  // BOS
  for (int step = 0; step < steps; ++step) {
    EXPECT_TRUE(model.forward(pool, std::span(&token, 1), step, cache, LogitsFor::kLastToken, logits).ok());
    token = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    out.push_back(token);
  }
  return out;
}

// A greedy run that follows llama.cpp's (`type`: "q4_0" or "q8_0") for at
// least `min_steps` and parts, if at all, only at a close call: loom's token is
// llama.cpp's runner-up within 0.05 probability.
void expect_follows_until_close_call(const std::vector<int32_t>& ids, const std::string& type, size_t min_steps) {
  const nlohmann::json ref = reference()["llamacpp"][type];
  const auto expected = ref["generated"].get<std::vector<int32_t>>();
  const size_t step = std::mismatch(ids.begin(), ids.end(), expected.begin()).first - ids.begin();
  EXPECT_GE(step, min_steps);
  if (step < ids.size()) {
    const nlohmann::json& top = ref["top5"][step];
    EXPECT_EQ(top[1][0].get<int32_t>(), ids[step]) << "step " << step;
    EXPECT_LT(top[0][1].get<double>() - top[1][1].get<double>(), 0.05) << "step " << step;
    std::printf("[ info     ] %s greedy run parts from llama.cpp's at step %zu (p %.3f vs %.3f)\n", type.c_str(), step,
                top[0][1].get<double>(), top[1][1].get<double>());
  }
}

TEST(Stories260k, TeacherForcedLogitsMatchRunC) {
  const nlohmann::json ref = reference();
  std::vector<int32_t> tokens = {1};
  for (int id : ref["runc"]["generated"]) tokens.push_back(id);
  tokens.resize(200);
  std::ifstream in(kDir + "runc_logits_f32.bin", std::ios::binary);
  std::vector<float> expected(200 * 512);
  in.read(reinterpret_cast<char*>(expected.data()), expected.size() * sizeof(float));
  ASSERT_TRUE(in.good());

  auto model = Model::load(kDir + "stories260K-f32.gguf");
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  ThreadPool pool(2);
  KvCache cache = *(*model)->new_cache(tensor::DType::kF32, 200);
  std::vector<float> logits;
  ASSERT_TRUE((*model)->forward(pool, tokens, 0, cache, LogitsFor::kAllTokens, logits).ok());
  float max_diff = 0;
  for (size_t i = 0; i < expected.size(); ++i) max_diff = std::max(max_diff, std::abs(logits[i] - expected[i]));
  // run.c is fp32 with a different summation order; its README measures ~1e-4.
  EXPECT_LT(max_diff, 5e-4f);
}

TEST(Stories260k, F32GreedyIdsMatchRunC) {
  const nlohmann::json ref = reference();
  ThreadPool pool(1);  // one thread: these tiny matmuls gain nothing from more
  auto model = Model::load(kDir + "stories260K-f32.gguf");
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  const std::vector<int32_t> ids = greedy(**model, pool, 200, tensor::DType::kF32);
  EXPECT_EQ(ids, ref["runc"]["generated"].get<std::vector<int32_t>>());
}

TEST(Stories260k, Q4_0GreedyIdsFollowLlamaCppUntilACloseCall) {
  // loom rounds activations exactly as llama.cpp does, so the two agree up to
  // float summation order; rare rounding flips in keys and values accumulate
  // along a sequence, so a greedy run may part ways at a step where llama.cpp
  // itself barely prefers its token. Required: at least 64 identical steps,
  // and a parting step (if any) where loom's token is llama.cpp's runner-up
  // within 0.05 probability.
  ThreadPool pool(1);
  auto model = Model::load(kDir + "stories260K-q4_0.gguf");
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  expect_follows_until_close_call(greedy(**model, pool, 200, tensor::DType::kF32), "q4_0", 64);
}

// Loads with the row layout: matmul then sums each row in vec_dot's order,
// which is llama.cpp's x86 order closely enough to reproduce its run.
std::unique_ptr<Model> load_with_row_layout(const std::string& path) {
  const Isa isa = kernels::kernels().isa;
  EXPECT_TRUE(kernels::select_isa(Isa::kScalar).ok());  // prefers no panels
  auto model = Model::load(path);
  EXPECT_TRUE(kernels::select_isa(isa).ok());
  EXPECT_TRUE(model.ok()) << model.status().to_string();
  return model.ok() ? std::move(*model) : nullptr;
}

TEST(Stories260k, Q8_0GreedyIdsMatchLlamaCppUpToTheKnownNearTie) {
  // The fixture's README: llama.cpp's Q8_0 run is reproducible up to step 72,
  // where a near tie makes the summation order decide.
  const nlohmann::json ref = reference();
  std::unique_ptr<Model> model = load_with_row_layout(kDir + "stories260K-q8_0.gguf");
  ASSERT_NE(model, nullptr);
  ThreadPool pool(1);
  const std::vector<int32_t> ids = greedy(*model, pool, 72, tensor::DType::kF32);
  const auto expected = ref["llamacpp"]["q8_0"]["generated"].get<std::vector<int32_t>>();
  const auto mismatch = std::mismatch(ids.begin(), ids.end(), expected.begin());
  EXPECT_EQ(mismatch.first, ids.end()) << "greedy ids part from llama.cpp's at step " << mismatch.first - ids.begin();
}

TEST(Stories260k, Q8_0OnPanelsFollowsLlamaCppUntilACloseCall) {
  // Weight panels (kernels/panels.h, on AVX-512) sum each row block by block,
  // another order than llama.cpp's. This model is tiny and sharp: a last-bit
  // difference in one matmul output can move one activation by a whole Q8_0
  // step at the next layer, which shifts later logits by up to 0.5 (the scalar
  // and AVX-512 kernels part that way at step 20 even in the row layout).
  // Required, as for Q4_0: the runs part, if at all, where loom's token is
  // llama.cpp's runner-up within 0.05 probability, after at least 32 steps.
  if (!kernels::kernels().prefer_panels) GTEST_SKIP() << "this ISA keeps the row layout";
  auto model = Model::load(kDir + "stories260K-q8_0.gguf");
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  ASSERT_EQ((*model)->weights().layers[0].attn_q.layout, kernels::WeightLayout::kPanels);
  ThreadPool pool(1);
  expect_follows_until_close_call(greedy(**model, pool, 72, tensor::DType::kF32), "q8_0", 32);
}

TEST(Stories260k, F16CacheStillFollowsRunCBeforeTheNearTie) {
  auto model = Model::load(kDir + "stories260K-f32.gguf");
  ASSERT_TRUE(model.ok());
  ThreadPool pool(1);
  const std::vector<int32_t> ids = greedy(**model, pool, 37, tensor::DType::kF16);
  const auto expected = reference()["runc"]["generated"].get<std::vector<int32_t>>();
  EXPECT_EQ(ids, std::vector<int32_t>(expected.begin(), expected.begin() + 37));
}

}  // namespace
}  // namespace loom::model
