// The engine thread: admission, the batched step, preemption (see engine.h).
#include "runtime/engine.h"

#include <algorithm>
#include <chrono>
#include <optional>

namespace loom::runtime {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}
int64_t blocks_for(int64_t positions, int64_t block_size) { return (positions + block_size - 1) / block_size; }

}  // namespace

struct Engine::Sequence {
  Sequence(const text::Tokenizer& tokenizer, int64_t vocab, SequenceRequest request_in, model::KvBlockPool& pool,
           int64_t context)
      : request(std::move(request_in)),
        tokens(request.prompt),
        prompt_tokens(static_cast<int64_t>(request.prompt.size())),
        cache(pool, context),
        decoder(tokenizer, vocab, request.prompt, request.params, request.constraint, request.policy),
        stream(std::make_shared<SequenceStream>()) {}

  bool cancelled() const {
    return stream->stop_.load(std::memory_order_relaxed) ||
           (request.cancel != nullptr && request.cancel->load(std::memory_order_relaxed));
  }
  // Positions still to run through the model before the next token can be picked.
  int64_t remaining() const { return static_cast<int64_t>(tokens.size()) - computed; }

  uint64_t arrival = 0;
  SequenceRequest request;
  std::vector<int32_t> tokens;      // the prompt, then every emitted token
  int64_t prompt_tokens = 0;
  model::KvCache cache;             // block table over the engine's pool
  int64_t computed = 0;             // leading tokens whose keys and values are in the cache
  std::vector<uint64_t> hashes;     // chain hashes of the cache's leading full blocks
  SequenceDecoder decoder;
  std::vector<float> logits;
  std::shared_ptr<SequenceStream> stream;
  std::optional<int64_t> cached_prompt_tokens;  // set when first admitted
  Clock::time_point submitted, first_logits;
  bool has_logits = false;
  bool done = false;
};

// ---- SequenceStream ----

void SequenceStream::push(const TokenEvent& event) {
  Queued queued{.event = event};
  if (event.logprobs != nullptr) queued.logprobs = *event.logprobs;
  queued.event.logprobs = nullptr;
  {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(queued));
  }
  ready_.notify_one();
}

void SequenceStream::finish(Result<GenerationResult> result) {
  {
    std::lock_guard lock(mutex_);
    result_ = std::move(result);
  }
  ready_.notify_one();
}

std::optional<TokenEvent> SequenceStream::next() {
  std::unique_lock lock(mutex_);
  ready_.wait(lock, [&] { return !events_.empty() || result_.has_value(); });
  if (events_.empty()) return std::nullopt;
  current_ = std::move(events_.front());
  events_.pop_front();
  TokenEvent event = current_.event;
  if (current_.logprobs) event.logprobs = &*current_.logprobs;
  return event;
}

Result<GenerationResult> SequenceStream::result() {
  std::unique_lock lock(mutex_);
  ready_.wait(lock, [&] { return result_.has_value(); });
  return *result_;
}

// ---- Engine: set-up and the submitting side ----

Result<std::unique_ptr<Engine>> Engine::create(model::Model& model, const text::Tokenizer& tokenizer,
                                               ThreadPool& pool, const EngineOptions& options_in) {
  EngineOptions options = options_in;
  if (tokenizer.vocab_size() > model.hparams().vocab_size) {
    return invalid_argument("the tokenizer has ", tokenizer.vocab_size(), " tokens but the model only ",
                            model.hparams().vocab_size);
  }
  if (options.context <= 1 || options.context > model.hparams().max_position_embeddings) {
    return out_of_range("a context of ", options.context, " tokens; the model allows 2..",
                        model.hparams().max_position_embeddings);
  }
  if (options.max_sequences < 1 || options.max_sequences > model::Model::kMaxBatch / 2) {
    return out_of_range("--parallel ", options.max_sequences, " must be within 1..", model::Model::kMaxBatch / 2);
  }
  if (options.prefill_chunk < 1) return out_of_range("--prefill-chunk ", options.prefill_chunk, " must be positive");
  if (options.block_size < 1) return out_of_range("KV block size ", options.block_size, " must be positive");
  if (options.kv_tokens == 0) options.kv_tokens = 4 * options.context;
  if (options.kv_tokens < options.block_size) {
    return out_of_range("--kv-tokens ", options.kv_tokens, " is below one block of ", options.block_size);
  }
  const int64_t num_blocks = blocks_for(options.kv_tokens, options.block_size);
  const model::HParams& h = model.hparams();
  auto kv_pool = TRY(model::KvBlockPool::create(options.kv_type, h.num_hidden_layers, num_blocks, options.block_size,
                                                h.num_key_value_heads, h.head_dim));
  return std::unique_ptr<Engine>(new Engine(model, tokenizer, pool, options, std::move(kv_pool)));
}

Engine::Engine(model::Model& model, const text::Tokenizer& tokenizer, ThreadPool& pool, const EngineOptions& options,
               std::unique_ptr<model::KvBlockPool> kv_pool)
    : model_(&model),
      tokenizer_(&tokenizer),
      pool_(&pool),
      options_(options),
      kv_pool_(std::move(kv_pool)),
      blocks_(kv_pool_->num_blocks(), options.block_size) {
  stats_.kv_blocks_total = blocks_.total_blocks();
  stats_.block_size = options.block_size;
  thread_ = std::thread([this] { run(); });
}

Engine::~Engine() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

Result<std::shared_ptr<SequenceStream>> Engine::submit(SequenceRequest request) {
  const int64_t length = static_cast<int64_t>(request.prompt.size());
  if (length == 0) return invalid_argument("the prompt is empty");
  if (length >= options_.context) {
    return out_of_range("the prompt has ", length, " tokens; the context holds ", options_.context,
                        " (including at least one generated token)");
  }
  const int64_t needed = blocks_for(length + 1, options_.block_size);
  if (needed > blocks_.total_blocks()) {
    return out_of_range("the prompt has ", length, " tokens and needs ", needed, " KV blocks of ", options_.block_size,
                        "; the KV pool holds ", blocks_.total_blocks(), " blocks (", blocks_.total_blocks() * options_.block_size,
                        " tokens, --kv-tokens)");
  }
  for (int32_t token : request.prompt) {
    if (token < 0 || token >= model_->hparams().vocab_size) {
      return out_of_range("token id ", token, " is outside the vocabulary (0..", model_->hparams().vocab_size - 1, ")");
    }
  }
  auto sequence = std::make_unique<Sequence>(*tokenizer_, model_->hparams().vocab_size, std::move(request), *kv_pool_,
                                             options_.context);
  sequence->submitted = Clock::now();
  std::shared_ptr<SequenceStream> stream = sequence->stream;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return failed_precondition("the engine is shutting down");
    sequence->arrival = next_arrival_++;
    submitted_.push_back(std::move(sequence));
    ++stats_.waiting;
  }
  wake_.notify_one();
  return stream;
}

Result<GenerationResult> Engine::generate(std::span<const int32_t> prompt, const GenerationParams& params,
                                          sample::GrammarConstraint* constraint, TokenPolicy* policy,
                                          const Generator::TokenCallback& on_token, const std::atomic<bool>* cancel) {
  std::shared_ptr<SequenceStream> stream =
      TRY(submit({.prompt = std::vector<int32_t>(prompt.begin(), prompt.end()),
                  .params = params,
                  .constraint = constraint,
                  .policy = policy,
                  .cancel = cancel}));
  bool stopped = false;
  while (std::optional<TokenEvent> event = stream->next()) {
    if (!stopped && !on_token(*event)) {
      stopped = true;
      stream->cancel();
    }
  }
  GenerationResult result = TRY(stream->result());
  if (stopped) result.finish = FinishReason::kCancelled;
  return result;
}

EngineStats Engine::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

// ---- the engine thread ----

void Engine::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    take_submissions();
    if (stopping_) break;
    if (running_.empty() && waiting_.empty()) {
      wake_.wait(lock, [&] { return stopping_ || !submitted_.empty(); });
      continue;
    }
    lock.unlock();
    reap_cancelled();
    admit();
    if (!running_.empty()) {
      if (Status status = step(); !status.ok()) fail_all(status);
    }
    update_stats();
    lock.lock();
  }
  lock.unlock();
  for (auto& sequence : running_) finish(*sequence, FinishReason::kCancelled);
  for (auto& sequence : waiting_) finish(*sequence, FinishReason::kCancelled);
  running_.clear();
  waiting_.clear();
  update_stats();
}

void Engine::take_submissions() {
  for (auto& sequence : submitted_) waiting_.push_back(std::move(sequence));
  submitted_.clear();
}

void Engine::reap_cancelled() {
  for (auto& sequence : running_) {
    if (sequence->cancelled()) finish(*sequence, FinishReason::kCancelled);
  }
  for (auto& sequence : waiting_) {
    if (sequence->cancelled()) finish(*sequence, FinishReason::kCancelled);
  }
  std::erase_if(running_, [](const auto& sequence) { return sequence->done; });
  std::erase_if(waiting_, [](const auto& sequence) { return sequence->done; });
}

void Engine::admit() {
  const int64_t block_size = options_.block_size;
  while (!waiting_.empty() && static_cast<int64_t>(running_.size()) < options_.max_sequences) {
    Sequence& sequence = *waiting_.front();
    const int64_t length = static_cast<int64_t>(sequence.tokens.size());
    // Leave at least the last token to compute: its logits pick the next one.
    KvBlockManager::Match match = blocks_.match_prefix(sequence.tokens, (length - 1) / block_size);
    const int64_t needed = blocks_for(length, block_size) - static_cast<int64_t>(match.blocks.size());
    if (needed > blocks_.available_blocks()) {  // stays queued until blocks come back
      for (auto block = match.blocks.rbegin(); block != match.blocks.rend(); ++block) blocks_.release(*block);
      break;
    }
    std::vector<int32_t>& table = sequence.cache.block_table();
    table = match.blocks;
    for (int64_t block = 0; block < needed; ++block) table.push_back(*blocks_.allocate());
    sequence.hashes = std::move(match.hashes);
    sequence.computed = static_cast<int64_t>(table.size() - needed) * block_size;
    if (!sequence.cached_prompt_tokens) {
      sequence.cached_prompt_tokens = std::min(sequence.computed, sequence.prompt_tokens);
      counters_.prefix_hit_tokens += *sequence.cached_prompt_tokens;
    }
    sequence.logits.resize(static_cast<size_t>(model_->hparams().vocab_size));
    running_.push_back(std::move(waiting_.front()));
    waiting_.pop_front();
  }
}

bool Engine::reserve_blocks(Sequence& sequence, int64_t positions) {
  std::vector<int32_t>& table = sequence.cache.block_table();
  while (static_cast<int64_t>(table.size()) * options_.block_size < positions) {
    std::optional<int32_t> block = blocks_.allocate();
    if (!block) return false;
    table.push_back(*block);
  }
  return true;
}

void Engine::release_blocks(Sequence& sequence) {
  // Last block first: the least recently used cached blocks are evicted
  // first, and a chain is worth most from its start.
  std::vector<int32_t>& table = sequence.cache.block_table();
  for (auto block = table.rbegin(); block != table.rend(); ++block) blocks_.release(*block);
  table.clear();
  sequence.hashes.clear();
  sequence.computed = 0;
}

void Engine::preempt(Sequence& sequence) {
  release_blocks(sequence);
  ++counters_.preemptions;
  auto found = std::find_if(running_.begin(), running_.end(), [&](const auto& s) { return s.get() == &sequence; });
  waiting_.push_front(std::move(*found));
  running_.erase(found);
}

void Engine::publish_full_blocks(Sequence& sequence) {
  const int64_t block_size = options_.block_size;
  const std::vector<int32_t>& table = sequence.cache.block_table();
  for (int64_t index = static_cast<int64_t>(sequence.hashes.size()); (index + 1) * block_size <= sequence.computed;
       ++index) {
    const uint64_t parent = index == 0 ? 0 : sequence.hashes.back();
    const std::span<const int32_t> block_tokens(sequence.tokens.data() + index * block_size, block_size);
    sequence.hashes.push_back(blocks_.publish(table[static_cast<size_t>(index)], parent, block_tokens));
  }
}

Status Engine::step() {
  // 1. Every sequence about to feed one token needs a block for its position;
  //    when none is left, the newest running sequence gives its blocks back.
  for (size_t index = 0; index < running_.size();) {
    Sequence& sequence = *running_[index];
    if (sequence.remaining() != 1 || reserve_blocks(sequence, sequence.computed + 1)) {
      ++index;
      continue;
    }
    auto newest = std::max_element(running_.begin(), running_.end(),
                                   [](const auto& a, const auto& b) { return a->arrival < b->arrival; });
    if (newest->get() == &sequence && running_.size() == 1) {
      finish(sequence, FinishReason::kContextFull);  // it holds the whole pool
      running_.clear();
      return {};
    }
    preempt(**newest);
    index = 0;  // positions in running_ moved
  }

  // 2. The batch: one token per decoding sequence, then prompt chunks.
  chunks_.clear();
  std::vector<Sequence*> batch;
  int64_t decode_tokens = 0, prefill_tokens = 0;
  auto add = [&](Sequence& sequence, int64_t count) {
    const bool last = sequence.computed + count == static_cast<int64_t>(sequence.tokens.size());
    chunks_.push_back({.tokens = std::span(sequence.tokens).subspan(sequence.computed, count),
                       .start_pos = sequence.computed,
                       .cache = &sequence.cache,
                       .logits_for = last ? model::LogitsFor::kLastToken : model::LogitsFor::kNone,
                       .logits = sequence.logits.data()});
    batch.push_back(&sequence);
    const int64_t prompt_part = std::clamp<int64_t>(sequence.prompt_tokens - sequence.computed, 0, count);
    prefill_tokens += prompt_part;
    decode_tokens += count - prompt_part;
  };
  for (auto& sequence : running_) {
    if (sequence->remaining() == 1) add(*sequence, 1);
  }
  int64_t budget = std::min(options_.prefill_chunk, model::Model::kMaxBatch - static_cast<int64_t>(batch.size()));
  for (auto& sequence : running_) {
    if (budget == 0) break;
    if (sequence->remaining() <= 1) continue;
    const int64_t count = std::min(budget, sequence->remaining());
    add(*sequence, count);
    budget -= count;
  }
  if (batch.empty()) return {};

  // 3. One forward pass for all of them.
  const auto start = Clock::now();
  TRY(model_->forward_chunks(*pool_, chunks_));
  const auto end = Clock::now();
  const double seconds = seconds_between(start, end);
  const double total = static_cast<double>(prefill_tokens + decode_tokens);
  counters_.prefill_tokens += prefill_tokens;
  counters_.decode_tokens += decode_tokens;
  counters_.prefill_seconds += seconds * static_cast<double>(prefill_tokens) / total;
  counters_.decode_seconds += seconds * static_cast<double>(decode_tokens) / total;
  ++counters_.steps;

  // 4. Pick the next token of every sequence whose chunk reached its end.
  //    Each sequence samples with its own sampler, grammar and policy, so the
  //    passes over the vocabulary run on the pool; the results are applied
  //    (streamed, finished) here in batch order.
  std::vector<Sequence*> sampling;
  for (size_t index = 0; index < batch.size(); ++index) {
    Sequence& sequence = *batch[index];
    sequence.computed += static_cast<int64_t>(chunks_[index].tokens.size());
    publish_full_blocks(sequence);
    if (chunks_[index].logits_for != model::LogitsFor::kNone) sampling.push_back(&sequence);
  }
  std::vector<std::optional<Result<SequenceDecoder::Step>>> steps(sampling.size());
  const auto sample = [&](int64_t begin, int64_t end, int) {
    for (int64_t index = begin; index < end; ++index) {
      Sequence& sequence = *sampling[static_cast<size_t>(index)];
      steps[static_cast<size_t>(index)].emplace(sequence.decoder.next(sequence.logits));
    }
  };
  if (sampling.size() > 1) {
    pool_->parallel_for(static_cast<int64_t>(sampling.size()), sample);
  } else {
    sample(0, static_cast<int64_t>(sampling.size()), 0);
  }
  for (size_t index = 0; index < sampling.size(); ++index) after_forward(*sampling[index], std::move(*steps[index]));
  std::erase_if(running_, [](const auto& sequence) { return sequence->done; });
  return {};
}

void Engine::after_forward(Sequence& sequence, Result<SequenceDecoder::Step> step) {
  if (!sequence.has_logits) {
    sequence.has_logits = true;
    sequence.first_logits = Clock::now();
  }
  if (!step.ok()) {
    release_blocks(sequence);
    sequence.stream->finish(step.status());
    sequence.done = true;
    return;
  }
  if (step->finish) return finish(sequence, *step->finish);
  sequence.stream->push(step->event);
  if (step->stop_string) return finish(sequence, FinishReason::kStopString);
  if (step->budget_spent) return finish(sequence, FinishReason::kLength);
  sequence.tokens.push_back(step->event.token);
  // Feeding it would take position tokens.size() - 1; the context ends before.
  if (static_cast<int64_t>(sequence.tokens.size()) >= options_.context) finish(sequence, FinishReason::kContextFull);
}

void Engine::finish(Sequence& sequence, FinishReason reason) {
  if (sequence.done) return;
  if (std::optional<TokenEvent> tail = sequence.decoder.tail(reason)) sequence.stream->push(*tail);
  release_blocks(sequence);
  const auto now = Clock::now();
  GenerationResult result;
  result.tokens = sequence.decoder.generated();
  result.text = sequence.decoder.text();
  result.finish = reason;
  result.prompt_tokens = sequence.prompt_tokens;
  result.cached_prompt_tokens = sequence.cached_prompt_tokens.value_or(0);
  result.prefill_seconds = seconds_between(sequence.submitted, sequence.has_logits ? sequence.first_logits : now);
  result.decode_seconds = sequence.has_logits ? seconds_between(sequence.first_logits, now) : 0.0;
  sequence.stream->finish(std::move(result));
  sequence.done = true;
}

void Engine::fail_all(const Status& status) {
  for (auto& sequence : running_) {
    release_blocks(*sequence);
    sequence->stream->finish(status);
  }
  running_.clear();
}

void Engine::update_stats() {
  std::lock_guard lock(mutex_);
  const int64_t waiting = static_cast<int64_t>(waiting_.size() + submitted_.size());
  stats_ = counters_;
  stats_.running = static_cast<int64_t>(running_.size());
  stats_.waiting = waiting;
  stats_.kv_blocks_used = blocks_.used_blocks();
  stats_.kv_blocks_total = blocks_.total_blocks();
  stats_.kv_blocks_cached = blocks_.cached_blocks();
  stats_.block_size = options_.block_size;
}

}  // namespace loom::runtime
