// The batching engine against the single-sequence Generator on a random-weight
// test model with an F32 KV cache: batched, joined mid-run, queued for blocks,
// preempted or served from the prefix cache, every sequence gets the greedy
// tokens it gets alone; cancelled and finished sequences give their blocks back.
#include "runtime/engine.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <unistd.h>

#include "model/test_model.h"

namespace loom::runtime {
namespace {

class EngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    path_ = (std::filesystem::temp_directory_path() / ("loom_engine_" + std::to_string(::getpid()) + ".gguf")).string();
    ASSERT_TRUE(model::write_test_model({.architecture = "llama", .shape = "tiny", .type = "f32", .seed = 7}, path_).ok());
  }
  static void TearDownTestSuite() { std::filesystem::remove(path_); }

  void SetUp() override {
    auto model = model::Model::load(path_);
    ASSERT_TRUE(model.ok()) << model.status().to_string();
    model_ = std::move(*model);
    // The reference Generator runs while the engine thread uses model_: its own
    // model (activation buffers) and thread pool.
    auto reference = model::Model::load(path_);
    ASSERT_TRUE(reference.ok());
    reference_model_ = std::move(*reference);
    auto tokenizer = text::Tokenizer::from_gguf(model_->file());
    ASSERT_TRUE(tokenizer.ok());
    tokenizer_ = std::move(*tokenizer);
  }

  std::unique_ptr<Engine> make_engine(EngineOptions options) {
    options.kv_type = tensor::DType::kF32;
    if (options.context == EngineOptions{}.context) options.context = 1024;  // the tiny model holds 2048
    auto engine = Engine::create(*model_, *tokenizer_, pool_, options);
    EXPECT_TRUE(engine.ok()) << engine.status().to_string();
    return engine.ok() ? std::move(*engine) : nullptr;
  }

  static GenerationParams greedy(int32_t max_tokens) {
    GenerationParams params;
    params.sampling.temperature = 0.0f;
    params.max_tokens = max_tokens;
    return params;
  }

  // What the one-sequence Generator produces for `prompt`.
  GenerationResult alone(const std::vector<int32_t>& prompt, int32_t max_tokens) {
    auto generator = Generator::create(*reference_model_, *tokenizer_, reference_pool_, tensor::DType::kF32, 1024);
    EXPECT_TRUE(generator.ok());
    auto result = generator->generate(prompt, greedy(max_tokens), nullptr, nullptr, [](const TokenEvent&) { return true; });
    EXPECT_TRUE(result.ok()) << result.status().to_string();
    return *result;
  }

  // A prompt of `length` tokens that differs by `seed`, avoiding the special ids.
  static std::vector<int32_t> prompt_of(int64_t length, int32_t seed) {
    std::vector<int32_t> prompt = {1};
    for (int64_t i = 1; i < length; ++i) prompt.push_back(static_cast<int32_t>(3 + (i * 37 + seed * 101) % 500));
    return prompt;
  }

  // Reads a stream to the end; returns the result and the streamed text.
  static std::pair<GenerationResult, std::string> drain(SequenceStream& stream) {
    std::string text;
    while (std::optional<TokenEvent> event = stream.next()) text += event->text;
    Result<GenerationResult> result = stream.result();
    EXPECT_TRUE(result.ok()) << result.status().to_string();
    return {result.ok() ? *result : GenerationResult{}, text};
  }

  // Stats are published after each engine step: wait for the pool to settle.
  static EngineStats settled(const Engine& engine) {
    for (int attempt = 0; attempt < 500; ++attempt) {
      const EngineStats stats = engine.stats();
      if (stats.running == 0 && stats.waiting == 0 && stats.kv_blocks_used == 0) return stats;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return engine.stats();
  }

  static inline std::string path_;
  ThreadPool pool_{2};
  ThreadPool reference_pool_{1};
  std::unique_ptr<model::Model> model_;
  std::unique_ptr<model::Model> reference_model_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
};

TEST_F(EngineTest, BatchedSequencesMatchEachAlone) {
  auto engine = make_engine({.max_sequences = 4, .prefill_chunk = 64});
  const std::vector<std::vector<int32_t>> prompts = {prompt_of(5, 1), prompt_of(90, 2), prompt_of(33, 3),
                                                     prompt_of(150, 4), prompt_of(17, 5)};
  std::vector<std::shared_ptr<SequenceStream>> streams;
  for (const auto& prompt : prompts) {
    auto stream = engine->submit({.prompt = prompt, .params = greedy(24)});
    ASSERT_TRUE(stream.ok()) << stream.status().to_string();
    streams.push_back(*stream);
  }
  size_t generated = 0;
  for (size_t s = 0; s < prompts.size(); ++s) {
    const GenerationResult expected = alone(prompts[s], 24);
    generated += expected.tokens.size();
    const auto [result, text] = drain(*streams[s]);
    EXPECT_EQ(result.tokens, expected.tokens) << "sequence " << s;
    EXPECT_EQ(result.finish, expected.finish) << "sequence " << s;
    EXPECT_EQ(text, expected.text) << "sequence " << s;
  }
  EXPECT_GT(generated, 3u * 24);  // the comparison is about real generations, not early ends
  const EngineStats stats = settled(*engine);
  EXPECT_EQ(stats.kv_blocks_used, 0);
  // Five sequences with at most four running: fewer steps than one after another.
  EXPECT_LT(stats.steps, 5 * 24);
}

TEST_F(EngineTest, SequenceJoinsWhileOthersRun) {
  auto engine = make_engine({.max_sequences = 4, .prefill_chunk = 16});
  const std::vector<int32_t> first = prompt_of(20, 11), second = prompt_of(70, 12);
  auto running = engine->submit({.prompt = first, .params = greedy(40)});
  ASSERT_TRUE(running.ok());
  // Wait until the first sequence is decoding, then join.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE((*running)->next().has_value());
  auto joined = engine->submit({.prompt = second, .params = greedy(20)});
  ASSERT_TRUE(joined.ok());
  EXPECT_EQ(drain(**joined).first.tokens, alone(second, 20).tokens);
  const auto [result, text] = drain(**running);
  EXPECT_EQ(result.tokens, alone(first, 40).tokens);
}

TEST_F(EngineTest, PrefixCacheServesASharedPrefix) {
  auto engine = make_engine({.max_sequences = 2, .block_size = 16});
  std::vector<int32_t> shared = prompt_of(100, 21);
  std::vector<int32_t> turn_one = shared, turn_two = shared;
  turn_one.insert(turn_one.end(), {40, 41, 42});
  turn_two.insert(turn_two.end(), {50, 51, 52, 53, 54});
  auto first = engine->generate(turn_one, greedy(8), nullptr, nullptr, [](const TokenEvent&) { return true; });
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->cached_prompt_tokens, 0);
  auto second = engine->generate(turn_two, greedy(12), nullptr, nullptr, [](const TokenEvent&) { return true; });
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->cached_prompt_tokens, 96);  // the six full blocks of the shared 100 tokens
  EXPECT_EQ(second->tokens, alone(turn_two, 12).tokens);
  // The same prompt again: everything but the last token comes from the cache.
  auto again = engine->generate(turn_two, greedy(12), nullptr, nullptr, [](const TokenEvent&) { return true; });
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->cached_prompt_tokens, (static_cast<int64_t>(turn_two.size()) - 1) / 16 * 16);
  EXPECT_EQ(again->tokens, second->tokens);
  EXPECT_EQ(settled(*engine).prefix_hit_tokens, second->cached_prompt_tokens + again->cached_prompt_tokens);
}

TEST_F(EngineTest, BlocksComeBackAfterFinishAndCancel) {
  auto engine = make_engine({.max_sequences = 4, .kv_tokens = 256});
  ASSERT_TRUE(engine->generate(prompt_of(40, 31), greedy(10), nullptr, nullptr, [](const TokenEvent&) { return true; }).ok());
  EXPECT_EQ(settled(*engine).kv_blocks_used, 0);

  auto stream = engine->submit({.prompt = prompt_of(30, 32), .params = greedy(500)});
  ASSERT_TRUE(stream.ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*stream)->next().has_value());
  (*stream)->cancel();
  const auto [result, text] = drain(**stream);
  EXPECT_EQ(result.finish, FinishReason::kCancelled);
  EXPECT_LT(result.tokens.size(), 500u);
  const EngineStats stats = settled(*engine);
  EXPECT_EQ(stats.kv_blocks_used, 0);
  EXPECT_EQ(stats.kv_blocks_total, 16);
}

TEST_F(EngineTest, CallbackReturningFalseCancels) {
  auto engine = make_engine({});
  int calls = 0;
  auto result = engine->generate(prompt_of(10, 33), greedy(200), nullptr, nullptr,
                                 [&](const TokenEvent&) { return ++calls < 4; });
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->finish, FinishReason::kCancelled);
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(settled(*engine).kv_blocks_used, 0);
}

TEST_F(EngineTest, RequestsQueueWhenThePoolIsFullAndNoneIsTruncated) {
  // 64 positions: one 40-token prompt with its 20 tokens at a time.
  auto engine = make_engine({.max_sequences = 4, .kv_tokens = 64, .block_size = 16});
  const std::vector<std::vector<int32_t>> prompts = {prompt_of(40, 41), prompt_of(40, 42), prompt_of(40, 43)};
  std::vector<std::shared_ptr<SequenceStream>> streams;
  for (const auto& prompt : prompts) streams.push_back(*engine->submit({.prompt = prompt, .params = greedy(20)}));
  for (size_t s = 0; s < prompts.size(); ++s) {
    const GenerationResult expected = alone(prompts[s], 20);
    const auto [result, text] = drain(*streams[s]);
    EXPECT_EQ(result.tokens, expected.tokens) << "sequence " << s;
    EXPECT_EQ(result.finish, expected.finish) << "sequence " << s;
  }
  EXPECT_EQ(settled(*engine).kv_blocks_used, 0);
}

TEST_F(EngineTest, DecodingSequencesPreemptTheNewestWhenBlocksRunOut) {
  // Two prompts fit at once, but not with all their generated tokens: the
  // newer one gives its blocks back, waits, and resumes where it was.
  auto engine = make_engine({.max_sequences = 2, .kv_tokens = 96, .block_size = 16});
  const std::vector<std::vector<int32_t>> prompts = {prompt_of(30, 51), prompt_of(30, 52)};
  std::vector<std::shared_ptr<SequenceStream>> streams;
  for (const auto& prompt : prompts) streams.push_back(*engine->submit({.prompt = prompt, .params = greedy(40)}));
  for (size_t s = 0; s < prompts.size(); ++s) {
    const GenerationResult expected = alone(prompts[s], 40);
    EXPECT_EQ(drain(*streams[s]).first.tokens, expected.tokens) << "sequence " << s;
  }
  const EngineStats stats = settled(*engine);
  EXPECT_GT(stats.preemptions, 0);
  EXPECT_EQ(stats.kv_blocks_used, 0);
}

TEST_F(EngineTest, PromptsBeyondThePoolOrContextAreErrorsWithNumbers) {
  auto engine = make_engine({.kv_tokens = 64, .context = 512, .block_size = 16});
  auto too_big = engine->submit({.prompt = prompt_of(100, 61), .params = greedy(4)});
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.status().message().find("100 tokens"), std::string::npos) << too_big.status().message();
  EXPECT_NE(too_big.status().message().find("64 tokens"), std::string::npos) << too_big.status().message();
  auto too_long = engine->submit({.prompt = prompt_of(512, 62), .params = greedy(4)});
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.status().message().find("512"), std::string::npos);
  EXPECT_FALSE(engine->submit({.prompt = {}, .params = greedy(4)}).ok());
}

// Forces one token per step (so the sequence never ends early) and cancels
// another sequence once that one's prompt is partly computed.
class CancelOtherMidPrefill : public TokenPolicy {
 public:
  CancelOtherMidPrefill(const Engine& engine, std::atomic<bool>& cancel, int64_t after_prefill_tokens)
      : engine_(engine), cancel_(cancel), after_(after_prefill_tokens) {}
  std::vector<int32_t> forced_tokens() override {
    const int64_t prefilled = engine_.stats().prefill_tokens;
    if (prefilled > after_ && !cancel_.load()) {
      cancel_.store(true);
      prefill_when_cancelled = prefilled;
    }
    return {100};
  }
  void observe(int32_t, std::string_view) override {}
  int64_t prefill_when_cancelled = 0;

 private:
  const Engine& engine_;
  std::atomic<bool>& cancel_;
  int64_t after_;
};

TEST_F(EngineTest, SequenceCancelledMidPrefillFreesItsBlocks) {
  auto engine = make_engine({.max_sequences = 2, .prefill_chunk = 16});
  std::atomic<bool> cancel_long{false};
  const std::vector<int32_t> short_prompt = prompt_of(8, 71), long_prompt = prompt_of(600, 72);
  CancelOtherMidPrefill policy(*engine, cancel_long, 8 + 64);
  auto decoding = engine->submit({.prompt = short_prompt, .params = greedy(60), .policy = &policy});
  ASSERT_TRUE(decoding.ok());
  ASSERT_TRUE((*decoding)->next().has_value());  // decoding before the long prompt arrives
  auto prefilling = engine->submit({.prompt = long_prompt, .params = greedy(10), .cancel = &cancel_long});
  ASSERT_TRUE(prefilling.ok());
  const auto [cancelled, text] = drain(**prefilling);
  EXPECT_EQ(cancelled.finish, FinishReason::kCancelled);
  EXPECT_TRUE(cancelled.tokens.empty());
  EXPECT_LT(policy.prefill_when_cancelled, 8 + 600);  // cancelled before its prompt was done
  EXPECT_EQ(drain(**decoding).first.tokens.size(), 60u);
  EXPECT_EQ(settled(*engine).kv_blocks_used, 0);
}

}  // namespace
}  // namespace loom::runtime
