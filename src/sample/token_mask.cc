// VocabTrie construction and the pruned walk, and GrammarConstraint's trigger
// handling and mask cache.
#include "sample/token_mask.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace loom::sample {

VocabTrie::VocabTrie(std::vector<std::string> token_bytes, std::vector<int32_t> end_of_generation)
    : tokens_(std::move(token_bytes)), end_of_generation_(std::move(end_of_generation)) {
  std::sort(end_of_generation_.begin(), end_of_generation_.end());
  std::vector<int32_t> order;
  for (size_t token = 0; token < tokens_.size(); ++token) {
    const size_t length = tokens_[token].size();
    if (length == 0 || length > std::numeric_limits<uint16_t>::max()) continue;
    if (is_end_of_generation(static_cast<int32_t>(token))) continue;
    order.push_back(static_cast<int32_t>(token));
  }
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return tokens_[a] < tokens_[b]; });

  // Sorted strings give the preorder directly: each one adds nodes for the bytes
  // past its common prefix with the previous one; open nodes deeper than that
  // prefix are closed (their subtree ends where the new node starts).
  std::vector<int32_t> open;  // open[d] = node at depth d+1 on the current path
  std::string_view previous;
  for (int32_t token : order) {
    const std::string_view bytes = tokens_[token];
    size_t common = 0;
    while (common < previous.size() && common < bytes.size() && previous[common] == bytes[common]) ++common;
    while (open.size() > common) {
      nodes_[open.back()].skip = static_cast<int32_t>(nodes_.size());
      open.pop_back();
    }
    for (size_t depth = common; depth < bytes.size(); ++depth) {
      open.push_back(static_cast<int32_t>(nodes_.size()));
      nodes_.push_back(Node{.skip = 0, .token_begin = static_cast<int32_t>(sorted_tokens_.size()),
                            .depth = static_cast<uint16_t>(depth + 1), .byte = static_cast<uint8_t>(bytes[depth])});
    }
    sorted_tokens_.push_back(token);  // duplicates share the node: ranges are contiguous
    max_depth_ = std::max<uint16_t>(max_depth_, static_cast<uint16_t>(bytes.size()));
    previous = bytes;
  }
  for (int32_t node : open) nodes_[node].skip = static_cast<int32_t>(nodes_.size());
  nodes_.push_back(Node{.skip = 0, .token_begin = static_cast<int32_t>(sorted_tokens_.size()), .depth = 0, .byte = 0});
  build_summaries();
}

void VocabTrie::build_summaries() {
  // Subtree byte sets bottom-up: in reverse preorder every child comes before its
  // parent, and the parent of a node is the nearest earlier node one level up.
  const int32_t count = static_cast<int32_t>(nodes_.size()) - 1;
  std::vector<ByteClass> subtree(count);
  std::vector<int32_t> parent(count, -1), path;
  for (int32_t index = 0; index < count; ++index) {
    path.resize(nodes_[index].depth - 1);
    if (!path.empty()) parent[index] = path.back();
    path.push_back(index);
  }
  for (int32_t index = count - 1; index >= 0; --index) {
    subtree[index].add(nodes_[index].byte);
    if (parent[index] < 0) continue;
    for (int word = 0; word < 4; ++word) subtree[parent[index]].bits[word] |= subtree[index].bits[word];
  }
  summary_index_.assign(nodes_.size(), -1);
  for (int32_t index = 0; index < count; ++index) {
    if (nodes_[index].skip - index < kMinSummarizedSubtree) continue;
    summary_index_[index] = static_cast<int32_t>(summaries_.size());
    summaries_.push_back(subtree[index]);
  }
}

bool VocabTrie::is_end_of_generation(int32_t token) const {
  return std::binary_search(end_of_generation_.begin(), end_of_generation_.end(), token);
}

void VocabTrie::allowed_tokens(GrammarMatcher& matcher, GrammarMatcher::StateId state,
                               std::vector<uint64_t>& allowed) const {
  allowed.assign((tokens_.size() + 63) / 64, 0);
  if (matcher.can_end(state)) {
    for (int32_t token : end_of_generation_) allowed[token >> 6] |= uint64_t{1} << (token & 63);
  }
  if (matcher.must_end(state) || state == GrammarMatcher::kDead) return;
  // states[d] = grammar state after the first d bytes of the current path.
  std::vector<GrammarMatcher::StateId> states(max_depth_ + 1);
  states[0] = state;
  const int32_t end = static_cast<int32_t>(nodes_.size()) - 1;
  for (int32_t index = 0; index < end;) {
    const Node& node = nodes_[index];
    const GrammarMatcher::StateId parent = states[node.depth - 1];
    const GrammarMatcher::StateId next = matcher.step(parent, node.byte);
    if (next == GrammarMatcher::kDead) {
      index = node.skip;
      continue;
    }
    // Only states that loop on this byte can loop on a whole subtree; asking just
    // then keeps self_loop_bytes() (256 steps, once per state) off structural states.
    if (next == parent && summary_index_[index] >= 0) {
      const ByteClass& bytes = summaries_[summary_index_[index]];
      const ByteClass& loop = matcher.self_loop_bytes(parent);
      if ((bytes.bits[0] & ~loop.bits[0]) == 0 && (bytes.bits[1] & ~loop.bits[1]) == 0 &&
          (bytes.bits[2] & ~loop.bits[2]) == 0 && (bytes.bits[3] & ~loop.bits[3]) == 0) {
        // Every token below stays in `parent`, a live state: all are allowed.
        for (int32_t slot = node.token_begin; slot < nodes_[node.skip].token_begin; ++slot) {
          const int32_t token = sorted_tokens_[slot];
          allowed[token >> 6] |= uint64_t{1} << (token & 63);
        }
        index = node.skip;
        continue;
      }
    }
    states[node.depth] = next;
    for (int32_t slot = node.token_begin; slot < nodes_[index + 1].token_begin; ++slot) {
      const int32_t token = sorted_tokens_[slot];
      allowed[token >> 6] |= uint64_t{1} << (token & 63);
    }
    ++index;
  }
}

CompiledGrammar::CompiledGrammar(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const VocabTrie> vocab,
                                 int mask_cache_entries)
    : vocab_(std::move(vocab)), matcher_(std::move(grammar)), mask_cache_entries_(mask_cache_entries) {}

const std::vector<uint64_t>& CompiledGrammar::mask(GrammarMatcher::StateId state) {
  auto found = masks_.find(state);
  if (found != masks_.end()) return found->second;
  if (static_cast<int>(masks_.size()) >= mask_cache_entries_) masks_.clear();
  std::vector<uint64_t>& mask = masks_[state];
  vocab_->allowed_tokens(matcher_, state, mask);
  return mask;
}

GrammarConstraint::GrammarConstraint(std::shared_ptr<CompiledGrammar> compiled, ConstraintParams params)
    : compiled_(std::move(compiled)),
      params_(std::move(params)),
      state_(compiled_->matcher().start()),
      active_(params_.triggers.empty()) {
  all_allowed_.assign((compiled_->vocab().vocab_size() + 63) / 64, ~uint64_t{0});
}

GrammarConstraint::GrammarConstraint(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const VocabTrie> vocab,
                                     ConstraintParams params)
    : GrammarConstraint(std::make_shared<CompiledGrammar>(std::move(grammar), std::move(vocab)), std::move(params)) {}

const std::vector<uint64_t>& GrammarConstraint::allowed() {
  if (!active_) return all_allowed_;
  return compiled_->mask(state_);
}

bool GrammarConstraint::is_allowed(int32_t token) {
  const std::vector<uint64_t>& mask = allowed();
  return (mask[token >> 6] >> (token & 63)) & 1;
}

void GrammarConstraint::apply(std::span<float> logits) {
  if (!active_) return;
  const std::vector<uint64_t>& mask = allowed();
  const size_t count = std::min(logits.size(), compiled_->vocab().vocab_size());
  for (size_t token = 0; token < count; ++token) {
    if (!((mask[token >> 6] >> (token & 63)) & 1)) logits[token] = -std::numeric_limits<float>::infinity();
  }
  for (size_t token = count; token < logits.size(); ++token) logits[token] = -std::numeric_limits<float>::infinity();
}

Status GrammarConstraint::activate(std::string_view text) {
  const GrammarMatcher::StateId next = matcher().step(matcher().start(), text);
  if (next == GrammarMatcher::kDead) {
    return invalid_argument("grammar rejects the text after its trigger: '", text, "'");
  }
  state_ = next;
  active_ = true;
  pending_.clear();
  return {};
}

Status GrammarConstraint::accept(int32_t token) {
  if (token < 0 || static_cast<size_t>(token) >= compiled_->vocab().vocab_size()) {
    return out_of_range("token ", token, " is outside the vocabulary");
  }
  const bool end = compiled_->vocab().is_end_of_generation(token);
  if (!active_) {
    if (end) return {};
    pending_ += compiled_->vocab().token_bytes(token);
    size_t first = std::string::npos;
    size_t longest = 0;
    for (const std::string& trigger : params_.triggers) {
      first = std::min(first, pending_.find(trigger));
      longest = std::max(longest, trigger.size());
    }
    if (first != std::string::npos) return activate(std::string_view(pending_).substr(first));
    // Keep only what could still be the start of a trigger.
    if (pending_.size() >= longest) pending_.erase(0, pending_.size() - (longest - 1));
    return {};
  }
  if (end) {
    if (!matcher().can_end(state_)) return invalid_argument("end of generation before the grammar is complete");
    return {};
  }
  const std::string& bytes = compiled_->vocab().token_bytes(token);
  const GrammarMatcher::StateId next = bytes.empty() ? GrammarMatcher::kDead : matcher().step(state_, bytes);
  if (next == GrammarMatcher::kDead) return invalid_argument("token ", token, " is not allowed by the grammar here");
  state_ = next;
  return {};
}

}  // namespace loom::sample
