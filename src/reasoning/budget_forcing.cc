// Budget forcing state machine (see budget_forcing.h).
#include "reasoning/budget_forcing.h"

#include <algorithm>

namespace loom::reasoning {
namespace {

constexpr int32_t kMaxUtf8WaitTokens = 3;

std::string_view trim_left(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n' || text.front() == '\t' ||
                           text.front() == '\r')) {
    text.remove_prefix(1);
  }
  return text;
}

}  // namespace

Result<BudgetForcing> BudgetForcing::create(const text::Tokenizer& tokenizer, BudgetForcingOptions options) {
  if (options.markers.open.empty() || options.markers.close.empty() || options.markers.forced_close.empty()) {
    return invalid_argument("budget forcing needs the family's reasoning markers");
  }
  if (options.budget < 0) return invalid_argument("reasoning budget must be non-negative");
  BudgetForcing policy(tokenizer, std::move(options));
  const BudgetForcingOptions& opts = policy.options_;
  // No sentence when nothing was thought: it would be the whole reasoning.
  const std::string closing =
      (opts.sentence.empty() || opts.budget == 0 ? std::string() : "\n\n" + opts.sentence) + opts.markers.forced_close;
  policy.closing_ids_ = tokenizer.encode(closing, /*add_special=*/false);
  policy.wait_ids_ = tokenizer.encode(opts.wait_text, /*add_special=*/false);
  if (policy.closing_ids_.empty()) return internal_error("the closing sequence encodes to no tokens");
  if (opts.max_waits > 0 && policy.wait_ids_.empty()) return invalid_argument("wait_text encodes to no tokens");
  policy.stats_.forced_close_tokens = static_cast<int32_t>(policy.closing_ids_.size());
  if (opts.starts_in_reasoning) {
    policy.phase_ = Phase::kReasoning;
    policy.stats_.opened = true;
  } else if (opts.force_open) {
    const std::string& opener = opts.markers.forced_open.empty() ? opts.markers.open : opts.markers.forced_open;
    policy.open_ids_ = tokenizer.encode(opener, /*add_special=*/false);
    if (policy.open_ids_.empty()) return internal_error("the opening marker encodes to no tokens");
  }
  return policy;
}

std::vector<int32_t> BudgetForcing::forced_tokens() {
  if (phase_ == Phase::kBeforeReasoning && !open_ids_.empty() && !stats_.forced_open) {
    stats_.forced_open = true;
    return open_ids_;
  }
  if (phase_ != Phase::kReasoning || stats_.reasoning_tokens < options_.budget) return {};
  // Never cut a character: the model finishes it first (byte-level vocabularies
  // spread one character over several tokens).
  // Three more tokens finish any valid character; still pending after that,
  // the text is not UTF-8 there and waiting longer would only spend tokens.
  if (pending_continuations_ != 0 && stats_.utf8_wait_tokens < kMaxUtf8WaitTokens) return {};
  phase_ = Phase::kForcing;
  stats_.forced = true;
  forced_left_ = static_cast<int32_t>(closing_ids_.size());
  return closing_ids_;
}

std::optional<std::vector<int32_t>> BudgetForcing::replace(int32_t sampled) {
  if (phase_ != Phase::kReasoning || stats_.waits >= options_.max_waits ||
      stats_.reasoning_tokens >= options_.min_reasoning) {
    return std::nullopt;
  }
  // Only a close written by this one token can be taken back; a close spread
  // over several tokens has already been streamed when it completes.
  if (tokenizer_->token_bytes(sampled).find(options_.markers.close) == std::string_view::npos) return std::nullopt;
  ++stats_.waits;
  return wait_ids_;
}

void BudgetForcing::track_utf8(std::string_view bytes) {
  for (unsigned char byte : bytes) {
    if (byte < 0x80) {
      pending_continuations_ = 0;
    } else if ((byte & 0xC0) == 0x80) {
      if (pending_continuations_ > 0) --pending_continuations_;  // a stray one cuts nothing
    } else if ((byte & 0xE0) == 0xC0) {
      pending_continuations_ = 1;
    } else if ((byte & 0xF0) == 0xE0) {
      pending_continuations_ = 2;
    } else if ((byte & 0xF8) == 0xF0) {
      pending_continuations_ = 3;
    } else {
      pending_continuations_ = 0;  // not UTF-8 at all
    }
  }
}

void BudgetForcing::observe(int32_t token, std::string_view bytes) {
  last_in_answer_ = phase_ == Phase::kAnswer;
  const size_t keep = 2 * std::max(options_.markers.open.size(), options_.markers.close.size());
  switch (phase_) {
    case Phase::kBeforeReasoning: {
      tail_ += bytes;
      const std::string_view head = trim_left(tail_);
      if (head.find(options_.markers.open) != std::string_view::npos) {
        phase_ = Phase::kReasoning;
        stats_.opened = true;
        tail_.clear();
      } else if (!std::string_view(options_.markers.open).starts_with(head)) {
        phase_ = Phase::kAnswer;  // the model answered without reasoning
        last_in_answer_ = true;
      }
      return;
    }
    case Phase::kReasoning:
      if (stats_.reasoning_tokens >= options_.budget) ++stats_.utf8_wait_tokens;
      ++stats_.reasoning_tokens;
      track_utf8(bytes);
      tail_ += bytes;
      if (tail_.find(options_.markers.close) != std::string::npos) {
        phase_ = Phase::kAnswer;
        stats_.closed_by_model = true;
      }
      if (tail_.size() > keep) tail_.erase(0, tail_.size() - keep);
      return;
    case Phase::kForcing:
      ++stats_.reasoning_tokens;
      if (--forced_left_ <= 0) phase_ = Phase::kAnswer;
      return;
    case Phase::kAnswer: return;  // a later close is answer text: the block is over
  }
}

}  // namespace loom::reasoning
