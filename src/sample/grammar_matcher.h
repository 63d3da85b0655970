// Incremental recognizer for a Grammar over bytes: a pushdown matcher whose sets of
// stacks are interned into states, with byte transitions built lazily and cached
// (a lazily determinized automaton), so a state is one integer and a step is one lookup.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "sample/grammar.h"

namespace loom::sample {

class GrammarMatcher {
 public:
  using StateId = int32_t;
  // The state with no live stack: every byte is rejected from here on.
  static constexpr StateId kDead = 0;

  explicit GrammarMatcher(std::shared_ptr<const Grammar> grammar);

  const Grammar& grammar() const { return *grammar_; }
  StateId start() const { return start_; }

  // The state after `byte`; kDead when the grammar cannot continue with it.
  StateId step(StateId state, uint8_t byte) {
    const StateId next = transitions_[static_cast<size_t>(state) * 256 + byte];
    return next != kUnknown ? next : compute_step(state, byte);
  }
  StateId step(StateId state, std::string_view bytes) {
    for (char byte : bytes) {
      state = step(state, static_cast<uint8_t>(byte));
      if (state == kDead) break;
    }
    return state;
  }
  // Whether the text read so far is a complete sentence of the grammar.
  bool can_end(StateId state) const { return states_[state].can_end; }
  // Whether anything (a byte or the end) can still follow.
  bool is_live(StateId state) const { return state != kDead; }
  // Whether `state` accepts no more bytes (only the end).
  bool must_end(StateId state) const { return states_[state].stacks.empty(); }

  // A convenience cursor for callers that track one position.
  StateId state() const { return current_; }
  // Advances the cursor; on rejection returns false and leaves it unchanged.
  bool accept(std::string_view bytes);
  bool is_complete() const { return can_end(current_); }
  void reset() { current_ = start_; }

  // Bytes that lead from `state` back to itself (computed once per state): a
  // token made only of these bytes is accepted from it, however long it is.
  const ByteClass& self_loop_bytes(StateId state);

  size_t state_count() const { return states_.size(); }
  size_t stack_node_count() const { return nodes_.size(); }

 private:
  static constexpr StateId kUnknown = -1;
  // One frame of a stack: a position in grammar.elements (a byte class at the top,
  // a rule reference below) and the frame under it (-1 at the bottom). Frames are
  // interned, so equal stacks share one id and sets of stacks are sets of ints.
  struct StackNode {
    int32_t pos;
    int32_t parent;
  };
  struct State {
    std::vector<int32_t> stacks;  // sorted ids of frames whose top is a byte class
    bool can_end = false;
    bool has_self_loop_bytes = false;
    ByteClass self_loop_bytes;
  };
  struct Expansion {
    std::vector<int32_t> stacks;
    bool can_end = false;
    std::unordered_set<uint64_t> visited;
  };

  int32_t intern_node(int32_t pos, int32_t parent);
  void expand(int32_t pos, int32_t parent, Expansion& out);
  StateId intern_state(Expansion& expansion);
  StateId compute_step(StateId state, uint8_t byte);

  std::shared_ptr<const Grammar> grammar_;
  std::vector<StackNode> nodes_;
  std::unordered_map<uint64_t, int32_t> node_ids_;
  std::vector<State> states_;
  std::vector<StateId> transitions_;  // [state * 256 + byte], kUnknown until computed
  std::map<std::vector<int32_t>, StateId> state_ids_;  // key: stacks + can_end flag
  StateId start_ = kDead;
  StateId current_ = kDead;
};

}  // namespace loom::sample
