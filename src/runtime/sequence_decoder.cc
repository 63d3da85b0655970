// The per-token logic of one sequence (see sequence_decoder.h).
#include "runtime/sequence_decoder.h"

#include <algorithm>

namespace loom::runtime {

std::string_view finish_reason_name(FinishReason reason) {
  switch (reason) {
    case FinishReason::kEndOfGeneration: return "end_of_generation";
    case FinishReason::kStopString: return "stop";
    case FinishReason::kLength: return "length";
    case FinishReason::kContextFull: return "context_full";
    case FinishReason::kCancelled: return "cancelled";
    case FinishReason::kGrammarDead: return "grammar";
  }
  return "unknown";
}

SequenceDecoder::SequenceDecoder(const text::Tokenizer& tokenizer, int64_t vocab_size, std::span<const int32_t> prompt,
                                 const GenerationParams& params, sample::GrammarConstraint* constraint,
                                 TokenPolicy* policy)
    : tokenizer_(&tokenizer),
      params_(params),
      constraint_(constraint),
      policy_(policy),
      sampler_(params.sampling, static_cast<size_t>(vocab_size)),
      stops_(params.stop),
      detokenizer_(tokenizer, text::SpecialTokens::kKeep),
      history_(prompt.begin(), prompt.end()) {
  const auto end = tokenizer.end_of_generation_ids();
  end_ids_.assign(end.begin(), end.end());
}

Result<SequenceDecoder::Step> SequenceDecoder::next(std::span<float> logits) {
  Step step;
  if (static_cast<int32_t>(generated_.size()) >= params_.max_tokens) {
    step.finish = FinishReason::kLength;
    return step;
  }
  if (pending_forced_.empty() && policy_ != nullptr) pending_forced_ = policy_->forced_tokens();
  TokenEvent& event = step.event;
  if (!pending_forced_.empty()) {
    event.token = pending_forced_.front();
    event.forced = true;
    pending_forced_.erase(pending_forced_.begin());
  } else {
    event.token = sampler_.sample(logits, history_, constraint_);
    if (event.token < 0) {
      step.finish = FinishReason::kGrammarDead;
      return step;
    }
    if (params_.sampling.logprobs) event.logprobs = &sampler_.last_logprobs();
    if (policy_ != nullptr) {
      if (std::optional<std::vector<int32_t>> replacement = policy_->replace(event.token);
          replacement.has_value() && !replacement->empty()) {
        event.token = replacement->front();
        event.forced = true;
        event.logprobs = nullptr;
        pending_forced_.assign(replacement->begin() + 1, replacement->end());
      }
    }
  }
  if (constraint_ != nullptr) {
    // A forced token the grammar rejects leaves the grammar as it was.
    if (Status accepted = constraint_->accept(event.token); !accepted.ok() && !event.forced) return accepted;
  }
  if (policy_ != nullptr) policy_->observe(event.token, tokenizer_->token_bytes(event.token));
  if (!event.forced && std::find(end_ids_.begin(), end_ids_.end(), event.token) != end_ids_.end()) {
    step.finish = FinishReason::kEndOfGeneration;
    return step;
  }
  generated_.push_back(event.token);
  history_.push_back(event.token);
  const sample::StopMatcher::Output out = stops_.feed(detokenizer_.push(event.token));
  event.text = out.text;
  text_ += event.text;
  step.stop_string = out.stopped;
  step.budget_spent = static_cast<int32_t>(generated_.size()) >= params_.max_tokens;
  return step;
}

std::optional<TokenEvent> SequenceDecoder::tail(FinishReason reason) {
  if (reason == FinishReason::kStopString) return std::nullopt;
  TokenEvent tail;
  tail.token = -1;
  tail.text = stops_.feed(detokenizer_.flush()).text + (stops_.stopped() ? "" : stops_.flush());
  if (tail.text.empty()) return std::nullopt;
  text_ += tail.text;
  return tail;
}

}  // namespace loom::runtime
