// GrammarMatcher: stack expansion (closure over rule references and ends of
// alternatives) and the interning that turns stack sets into cached states.
#include "sample/grammar_matcher.h"

#include <algorithm>

namespace loom::sample {

GrammarMatcher::GrammarMatcher(std::shared_ptr<const Grammar> grammar) : grammar_(std::move(grammar)) {
  Expansion dead;
  intern_state(dead);  // state 0 = kDead
  Expansion initial;
  for (int32_t alternative : grammar_->rules[grammar_->root].alternatives) expand(alternative, -1, initial);
  start_ = intern_state(initial);
  current_ = start_;
}

int32_t GrammarMatcher::intern_node(int32_t pos, int32_t parent) {
  const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(pos)) << 32) |
                       static_cast<uint32_t>(parent + 1);
  auto [found, inserted] = node_ids_.try_emplace(key, static_cast<int32_t>(nodes_.size()));
  if (inserted) nodes_.push_back({pos, parent});
  return found->second;
}

// Closure of "the stack is at `pos` over `parent`": follows rule references into
// their alternatives and ends of alternatives back to the caller, until every
// stack has a byte class on top. Left recursion is rejected when building, so
// this terminates; `visited` keeps shared sub-closures from being walked twice.
void GrammarMatcher::expand(int32_t pos, int32_t parent, Expansion& out) {
  const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(pos)) << 32) |
                       static_cast<uint32_t>(parent + 1);
  if (!out.visited.insert(key).second) return;
  const Grammar::Element& element = grammar_->elements[pos];
  switch (element.kind) {
    case Grammar::Kind::kBytes:
      out.stacks.push_back(intern_node(pos, parent));
      return;
    case Grammar::Kind::kEnd: {
      if (parent < 0) {
        out.can_end = true;
        return;
      }
      const StackNode caller = nodes_[parent];
      expand(caller.pos + 1, caller.parent, out);
      return;
    }
    case Grammar::Kind::kRule: {
      // A reference that ends its alternative returns straight to the caller's
      // caller (a tail call), so right recursion such as `star ::= x star | ""`
      // keeps the stack flat and revisits the same interned states.
      const bool tail = grammar_->elements[pos + 1].kind == Grammar::Kind::kEnd;
      const int32_t frame = tail ? parent : intern_node(pos, parent);
      for (int32_t alternative : grammar_->rules[element.id].alternatives) expand(alternative, frame, out);
      return;
    }
  }
}

GrammarMatcher::StateId GrammarMatcher::intern_state(Expansion& expansion) {
  std::vector<int32_t>& stacks = expansion.stacks;
  std::sort(stacks.begin(), stacks.end());
  stacks.erase(std::unique(stacks.begin(), stacks.end()), stacks.end());
  if (stacks.empty() && !expansion.can_end && !states_.empty()) return kDead;
  std::vector<int32_t> key = stacks;
  key.push_back(expansion.can_end ? -1 : -2);
  auto [found, inserted] = state_ids_.try_emplace(std::move(key), static_cast<StateId>(states_.size()));
  if (inserted) {
    State new_state;
    new_state.stacks = std::move(stacks);
    new_state.can_end = expansion.can_end;
    states_.push_back(std::move(new_state));
    // The dead state (and a state that can only end) maps every byte to kDead.
    transitions_.resize(transitions_.size() + 256, states_.back().stacks.empty() ? kDead : kUnknown);
  }
  return found->second;
}

GrammarMatcher::StateId GrammarMatcher::compute_step(StateId state, uint8_t byte) {
  Expansion next;
  // Copy: expand() may grow nodes_, and states_ may grow in intern_state().
  const std::vector<int32_t> stacks = states_[state].stacks;
  for (int32_t stack : stacks) {
    const StackNode top = nodes_[stack];
    const Grammar::Element& element = grammar_->elements[top.pos];
    if (grammar_->classes[element.id].has(byte)) expand(top.pos + 1, top.parent, next);
  }
  const StateId result = intern_state(next);
  transitions_[static_cast<size_t>(state) * 256 + byte] = result;
  return result;
}

const ByteClass& GrammarMatcher::self_loop_bytes(StateId state) {
  if (!states_[state].has_self_loop_bytes) {
    ByteClass loop;
    for (int byte = 0; byte < 256; ++byte) {
      if (state != kDead && step(state, static_cast<uint8_t>(byte)) == state) loop.add(static_cast<uint8_t>(byte));
    }
    states_[state].self_loop_bytes = loop;
    states_[state].has_self_loop_bytes = true;
  }
  return states_[state].self_loop_bytes;
}

bool GrammarMatcher::accept(std::string_view bytes) {
  const StateId next = step(current_, bytes);
  if (next == kDead) return false;
  current_ = next;
  return true;
}

}  // namespace loom::sample
