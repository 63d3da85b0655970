// Engine: serves many sequences at once on one model. One engine thread owns
// the model, the paged KV pool and every running sequence; other threads
// submit() requests and read their own sequence's events. Each step runs, as
// one Model::forward_chunks batch, the next token of every decoding sequence
// and prompt chunks of the ones still prefilling (at most prefill_chunk prompt
// tokens per step, so a long prompt does not stall the others); new requests
// join between steps (continuous batching). Prompts start from the longest
// chain of cached full blocks (KvBlockManager). When blocks run out, waiting
// requests stay queued, and a decoding sequence that needs a block takes it
// from the newest running sequence, which goes back to the queue and later
// recomputes (mostly from the prefix cache).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "model/kv_cache.h"
#include "model/model.h"
#include "runtime/generator.h"
#include "runtime/kv_block_manager.h"
#include "runtime/sequence_decoder.h"
#include "text/tokenizer.h"

namespace loom::runtime {

struct EngineOptions {
  int64_t max_sequences = 8;     // running at once; more wait in the queue
  int64_t kv_tokens = 0;         // KV pool size in positions; 0: 4 x context
  int64_t prefill_chunk = 256;   // prompt tokens computed per step, over all sequences
  int64_t context = 4096;        // positions one sequence may use
  int64_t block_size = model::kDefaultKvBlockSize;
  tensor::DType kv_type = tensor::DType::kF16;
};

// Counters and gauges for /metrics, read from any thread.
struct EngineStats {
  int64_t running = 0;
  int64_t waiting = 0;
  int64_t kv_blocks_used = 0;
  int64_t kv_blocks_total = 0;
  int64_t kv_blocks_cached = 0;
  int64_t block_size = 0;
  int64_t prefix_hit_tokens = 0;   // prompt tokens taken from the prefix cache
  int64_t prefill_tokens = 0;      // prompt tokens computed
  int64_t decode_tokens = 0;       // generated tokens fed back
  double prefill_seconds = 0;      // step time, split between prefill and decode by token count
  double decode_seconds = 0;
  int64_t preemptions = 0;
  int64_t steps = 0;
};

struct SequenceRequest {
  std::vector<int32_t> prompt;
  GenerationParams params;
  // Both may be null; they must outlive the sequence (until its stream ends).
  sample::GrammarConstraint* constraint = nullptr;
  TokenPolicy* policy = nullptr;
  // Polled each step when set; must outlive the sequence.
  const std::atomic<bool>* cancel = nullptr;
};

// The submitting thread's end of one sequence: its events in order, then the result.
class SequenceStream {
 public:
  // Blocks until the next event; nullopt once the sequence has ended.
  // event.logprobs points into the stream until the next call.
  std::optional<TokenEvent> next();
  // Asks the engine to stop the sequence (finish kCancelled) at its next step.
  void cancel() { stop_.store(true); }
  // After next() returned nullopt.
  Result<GenerationResult> result();

 private:
  friend class Engine;
  struct Queued {
    TokenEvent event;
    std::optional<sample::StepLogprobs> logprobs;
  };
  void push(const TokenEvent& event);
  void finish(Result<GenerationResult> result);

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Queued> events_;
  Queued current_;
  std::optional<Result<GenerationResult>> result_;
  std::atomic<bool> stop_{false};
};

class Engine {
 public:
  // The model, tokenizer and pool must outlive the engine; the engine thread
  // is their only user while it runs.
  static Result<std::unique_ptr<Engine>> create(model::Model& model, const text::Tokenizer& tokenizer,
                                                ThreadPool& pool, const EngineOptions& options);
  ~Engine();  // cancels what is left and joins the engine thread
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Queues a sequence. Errors (empty prompt, a prompt beyond the context or
  // the whole KV pool) come back at once, with the numbers.
  Result<std::shared_ptr<SequenceStream>> submit(SequenceRequest request);

  // submit() and read the stream on the calling thread, which runs on_token
  // (returning false stops the sequence). Same contract as Generator::generate.
  Result<GenerationResult> generate(std::span<const int32_t> prompt, const GenerationParams& params,
                                    sample::GrammarConstraint* constraint, TokenPolicy* policy,
                                    const Generator::TokenCallback& on_token, const std::atomic<bool>* cancel = nullptr);

  EngineStats stats() const;
  const EngineOptions& options() const { return options_; }
  int64_t context() const { return options_.context; }
  const model::Model& model() const { return *model_; }
  const text::Tokenizer& tokenizer() const { return *tokenizer_; }

 private:
  struct Sequence;
  Engine(model::Model& model, const text::Tokenizer& tokenizer, ThreadPool& pool, const EngineOptions& options,
         std::unique_ptr<model::KvBlockPool> kv_pool);

  void run();
  void take_submissions();
  void reap_cancelled();
  void admit();
  Status step();
  bool reserve_blocks(Sequence& sequence, int64_t positions);
  void preempt(Sequence& sequence);
  void release_blocks(Sequence& sequence);
  void publish_full_blocks(Sequence& sequence);
  void after_forward(Sequence& sequence, Result<SequenceDecoder::Step> step);
  void finish(Sequence& sequence, FinishReason reason);
  void fail_all(const Status& status);
  void update_stats();

  model::Model* model_;
  const text::Tokenizer* tokenizer_;
  ThreadPool* pool_;
  EngineOptions options_;
  std::unique_ptr<model::KvBlockPool> kv_pool_;
  KvBlockManager blocks_;

  // Engine thread only.
  std::vector<std::unique_ptr<Sequence>> running_;  // in arrival order
  std::deque<std::unique_ptr<Sequence>> waiting_;   // in arrival order
  std::vector<model::SequenceChunk> chunks_;
  EngineStats counters_;  // the cumulative part of stats_

  // Shared with submitting threads.
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::unique_ptr<Sequence>> submitted_;
  bool stopping_ = false;
  uint64_t next_arrival_ = 0;
  EngineStats stats_;
  std::thread thread_;
};

}  // namespace loom::runtime
