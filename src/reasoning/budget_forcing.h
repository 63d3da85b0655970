// Budget forcing: a TokenPolicy that counts reasoning tokens after the opening
// marker and, once the budget is spent and the text is at a UTF-8 character
// boundary, forces the family's closing sequence (optionally preceded by a
// sentence) so the answer follows. For xhigh it can also replace an early
// close by "Wait" (s1). Sits between the sampler and the detokenizer in
// runtime::Generator.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "reasoning/effort_policy.h"
#include "runtime/generator.h"
#include "text/tokenizer.h"

namespace loom::reasoning {

struct BudgetForcingOptions {
  ReasoningMarkers markers;
  int32_t budget = 0;               // reasoning tokens before the close is forced
  std::string sentence;             // written before the forced close; empty: none
  bool starts_in_reasoning = false; // the prompt already opened the block
  // Otherwise write markers.forced_open as the first tokens: a thinking-mode
  // request always thinks, and its budget always applies (a model that skipped
  // the opener would escape it).
  bool force_open = false;
  int32_t min_reasoning = 0;        // a close sampled before this many tokens...
  int32_t max_waits = 0;            // ...is replaced by wait_text, at most this often
  std::string wait_text = "\nWait";
};

struct BudgetStats {
  int32_t reasoning_tokens = 0;     // after the opener, up to and including the close
  bool opened = false;
  bool closed_by_model = false;
  bool forced = false;
  int32_t forced_close_tokens = 0;  // length of the forced sentence + close
  bool forced_open = false;         // the opener was written by the policy
  int32_t utf8_wait_tokens = 0;     // tokens sampled past the budget to finish a character
  int32_t waits = 0;                // early closes replaced by wait_text
};

class BudgetForcing : public runtime::TokenPolicy {
 public:
  enum class Phase { kBeforeReasoning, kReasoning, kForcing, kAnswer };

  static Result<BudgetForcing> create(const text::Tokenizer& tokenizer, BudgetForcingOptions options);

  std::vector<int32_t> forced_tokens() override;
  void observe(int32_t token, std::string_view bytes) override;
  std::optional<std::vector<int32_t>> replace(int32_t sampled) override;

  const BudgetStats& stats() const { return stats_; }
  Phase phase() const { return phase_; }
  // Whether the token observed last belongs to the answer (not to reasoning,
  // its markers or the forced close).
  bool last_token_in_answer() const { return last_in_answer_; }
  // The forced sentence + close, as token ids.
  const std::vector<int32_t>& closing_ids() const { return closing_ids_; }

 private:
  BudgetForcing(const text::Tokenizer& tokenizer, BudgetForcingOptions options)
      : tokenizer_(&tokenizer), options_(std::move(options)) {}
  void track_utf8(std::string_view bytes);

  const text::Tokenizer* tokenizer_;
  BudgetForcingOptions options_;
  std::vector<int32_t> closing_ids_;
  std::vector<int32_t> wait_ids_;
  std::vector<int32_t> open_ids_;   // empty: the model opens the block itself
  Phase phase_ = Phase::kBeforeReasoning;
  BudgetStats stats_;
  std::string tail_;                // recent bytes, to find markers split over tokens
  int pending_continuations_ = 0;   // UTF-8 continuation bytes the text still owes
  int32_t forced_left_ = 0;         // forced close tokens not yet observed
  bool last_in_answer_ = false;
};

}  // namespace loom::reasoning
