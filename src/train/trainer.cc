// One training step and evaluation (see trainer.h).
#include "train/trainer.h"

namespace loom::train {

Trainer::Trainer(const ModelShape& shape, const TrainerSettings& settings, const Corpus& train, ThreadPool& pool)
    : settings_(settings),
      train_(train),
      pool_(pool),
      transformer_(shape, pool),
      params_(initial_parameters(shape, transformer_.layout(), settings.seed)),
      grads_(transformer_.layout().total()),
      optimizer_(transformer_.layout(), settings.optimizer),
      stream_(train, settings.batch_tokens, settings.seed) {
  transformer_.reserve_rows(settings.batch_tokens);
}

StepResult Trainer::step() {
  const Batch batch = make_batch(train_, stream_.next());
  StepResult result;
  result.input_tokens = batch.size();
  result.loss = transformer_.run(batch, params_.data(), grads_.data());
  result.grad_norm = clip_gradients(grads_.data(), static_cast<int64_t>(grads_.size()), settings_.optimizer.clip_norm);
  result.learning_rate = scheduled_learning_rate(settings_.optimizer, steps_done_, settings_.total_steps);
  optimizer_.update(pool_, params_.data(), grads_.data(), result.learning_rate, steps_done_ + 1);
  ++steps_done_;
  return result;
}

LossSum Trainer::evaluate(const Corpus& corpus) {
  LossSum total;
  for (const std::vector<int64_t>& examples : epoch_batches(corpus, settings_.batch_tokens, 0, 0, false)) {
    const LossSum loss = transformer_.run(make_batch(corpus, examples), params_.data(), nullptr);
    total.sum += loss.sum;
    total.tokens += loss.tokens;
  }
  return total;
}

CheckpointState Trainer::checkpoint() const {
  CheckpointState state;
  state.shape = shape();
  state.step = steps_done_;
  state.seed = settings_.seed;
  state.batch_tokens = settings_.batch_tokens;
  state.params = params_;
  state.first_moment = optimizer_.first_moment();
  state.second_moment = optimizer_.second_moment();
  return state;
}

Status Trainer::restore(CheckpointState state) {
  const ModelShape& a = state.shape;
  const ModelShape& b = shape();
  if (a.vocab_size != b.vocab_size || a.hidden_size != b.hidden_size || a.intermediate_size != b.intermediate_size ||
      a.num_hidden_layers != b.num_hidden_layers || a.num_attention_heads != b.num_attention_heads ||
      a.num_key_value_heads != b.num_key_value_heads || a.context_length != b.context_length ||
      a.rope_theta != b.rope_theta || a.rms_norm_eps != b.rms_norm_eps || a.tied_embeddings != b.tied_embeddings) {
    return invalid_argument("the checkpoint's model shape differs from the one asked for");
  }
  if (state.seed != settings_.seed || state.batch_tokens != settings_.batch_tokens) {
    return invalid_argument("the checkpoint was made with --seed ", state.seed, " --batch-tokens ", state.batch_tokens,
                            "; resume with the same values so the data order continues");
  }
  params_ = std::move(state.params);
  optimizer_.first_moment() = std::move(state.first_moment);
  optimizer_.second_moment() = std::move(state.second_moment);
  stream_.seek(state.step);
  steps_done_ = state.step;
  return {};
}

}  // namespace loom::train
