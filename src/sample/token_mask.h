// Grammar-constrained decoding over a vocabulary: a byte trie of all tokens walked
// with the grammar's states (dead subtrees pruned), and the per-sequence constraint
// that masks logits, follows accepted tokens and can wait for a trigger string.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "sample/grammar_matcher.h"

namespace loom::sample {

// The vocabulary as byte strings (token id -> bytes) in a trie laid out in
// preorder, so a mask is one linear pass that skips whole subtrees. Built once
// per model and shared read-only by every sequence. Tokens with an empty byte
// string (control tokens) never match a grammar.
class VocabTrie {
 public:
  VocabTrie(std::vector<std::string> token_bytes, std::vector<int32_t> end_of_generation);

  size_t vocab_size() const { return tokens_.size(); }
  size_t node_count() const { return nodes_.size(); }
  const std::string& token_bytes(int32_t token) const { return tokens_[token]; }
  const std::vector<int32_t>& end_of_generation() const { return end_of_generation_; }
  bool is_end_of_generation(int32_t token) const;

  // Sets `allowed` (vocab_size bits, cleared first) to the tokens whose bytes the
  // grammar accepts from `state`, and the end-of-generation tokens when it may end.
  void allowed_tokens(GrammarMatcher& matcher, GrammarMatcher::StateId state,
                      std::vector<uint64_t>& allowed) const;

 private:
  struct Node {
    int32_t skip;         // preorder index just past this node's subtree
    int32_t token_begin;  // tokens ending here: sorted_tokens_[token_begin, next node's token_begin)
    uint16_t depth;       // 1 for the first byte of a token
    uint8_t byte;
  };

  // Subtrees smaller than this are walked: a summary would not pay for itself.
  static constexpr int32_t kMinSummarizedSubtree = 16;

  void build_summaries();

  std::vector<std::string> tokens_;
  std::vector<int32_t> end_of_generation_;
  std::vector<Node> nodes_;  // plus one sentinel at the end
  std::vector<int32_t> sorted_tokens_;
  // For nodes with large subtrees: the set of bytes in the subtree (the node's own
  // byte included), so a walk can accept a whole subtree at once when all of
  // them loop the parent state back to itself (e.g. text inside a JSON string).
  std::vector<int32_t> summary_index_;  // per node: index into summaries_, or -1
  std::vector<ByteClass> summaries_;
  uint16_t max_depth_ = 0;
};

// One grammar's lazily built automaton over one vocabulary, with masks cached per
// automaton state. Every sequence using the same grammar can share one (all on
// the sampling thread): later requests then start with the states and masks
// earlier ones computed.
class CompiledGrammar {
 public:
  CompiledGrammar(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const VocabTrie> vocab,
                  int mask_cache_entries = 256);

  GrammarMatcher& matcher() { return matcher_; }
  const VocabTrie& vocab() const { return *vocab_; }
  // The allowed-token bitmap for `state`; valid until the next call.
  const std::vector<uint64_t>& mask(GrammarMatcher::StateId state);

 private:
  std::shared_ptr<const VocabTrie> vocab_;
  GrammarMatcher matcher_;
  int mask_cache_entries_;
  std::unordered_map<GrammarMatcher::StateId, std::vector<uint64_t>> masks_;
};

struct ConstraintParams {
  // Empty: constrain from the first token. Otherwise generation is free until one
  // of these strings appears in the output; the grammar then has to match the
  // output from the start of that trigger on (so the grammar includes the trigger).
  std::vector<std::string> triggers{};
};

// One sequence's constraint. Not thread-safe; owned by the thread that samples.
class GrammarConstraint {
 public:
  GrammarConstraint(std::shared_ptr<CompiledGrammar> compiled, ConstraintParams params = {});
  GrammarConstraint(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const VocabTrie> vocab,
                    ConstraintParams params = {});

  // True once the grammar applies (always, without triggers).
  bool active() const { return active_; }
  // Sets disallowed logits to -infinity; a no-op while waiting for a trigger.
  void apply(std::span<float> logits);
  // The allowed-token bitmap for the current state (all ones while inactive);
  // valid until the next call.
  const std::vector<uint64_t>& allowed();
  bool is_allowed(int32_t token);
  // Advances past a sampled token. A token the grammar rejects is an error and
  // leaves the state unchanged.
  Status accept(int32_t token);
  // Whether the grammar is satisfied (inactive constraints are always satisfied).
  bool is_complete() const { return !active_ || matcher().can_end(state_); }
  // Whether only an end-of-generation token can follow.
  bool must_end() const { return active_ && matcher().must_end(state_); }

  GrammarMatcher& matcher() const { return compiled_->matcher(); }

 private:
  Status activate(std::string_view text);

  std::shared_ptr<CompiledGrammar> compiled_;
  ConstraintParams params_;
  GrammarMatcher::StateId state_;
  bool active_;
  std::string pending_;  // output tail while waiting for a trigger
  std::vector<uint64_t> all_allowed_;
};

}  // namespace loom::sample
