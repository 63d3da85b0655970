// Byte-pair encoding: initial symbols (bytes or characters, with byte
// fallback and unknown handling as Hugging Face's BPE model does), then merges.
#include "text/bpe.h"

#include <algorithm>
#include <cstdio>

#include "text/unicode.h"

namespace loom::text {

void MergeTable::reserve(size_t count) {
  while ((keys_.size() * 3) / 4 < count + 1) grow();
}

void MergeTable::grow() {
  std::vector<uint64_t> old_keys = std::move(keys_), old_values = std::move(values_);
  const size_t capacity = old_keys.empty() ? 1024 : old_keys.size() * 2;
  keys_.assign(capacity, ~0ull);
  values_.assign(capacity, 0);
  shift_ = 64 - __builtin_ctzll(capacity);
  for (size_t index = 0; index < old_keys.size(); ++index) {
    if (old_keys[index] == ~0ull) continue;
    size_t slot = slot_of(old_keys[index]);
    while (keys_[slot] != ~0ull) slot = (slot + 1) & (capacity - 1);
    keys_[slot] = old_keys[index];
    values_[slot] = old_values[index];
  }
}

void MergeTable::insert(int32_t left, int32_t right, uint32_t rank, int32_t merged) {
  if ((count_ + 1) * 4 > keys_.size() * 3) grow();
  const uint64_t key = key_of(left, right);
  const uint64_t value = (static_cast<uint64_t>(rank) << 32) | static_cast<uint32_t>(merged);
  size_t slot = slot_of(key);
  while (keys_[slot] != ~0ull && keys_[slot] != key) slot = (slot + 1) & (keys_.size() - 1);
  if (keys_[slot] == ~0ull) ++count_;
  keys_[slot] = key;
  values_[slot] = value;
}

bool MergeTable::find(int32_t left, int32_t right, uint32_t& rank, int32_t& merged) const {
  if (keys_.empty()) return false;
  const uint64_t key = key_of(left, right);
  for (size_t slot = slot_of(key);; slot = (slot + 1) & (keys_.size() - 1)) {
    if (keys_[slot] == key) {
      rank = static_cast<uint32_t>(values_[slot] >> 32);
      merged = static_cast<int32_t>(values_[slot] & 0xFFFFFFFFu);
      return true;
    }
    if (keys_[slot] == ~0ull) return false;
  }
}

BpeModel::BpeModel(BpeConfig config, const std::vector<std::string>& token_texts, const std::vector<bool>& in_model,
                   const std::vector<BpeMerge>& merges, const std::vector<uint32_t>& ranks)
    : config_(config), texts_(token_texts) {
  vocab_.reserve(texts_.size());
  byte_ids_.assign(256, -1);
  fallback_ids_.assign(256, -1);
  if (config_.alphabet == BpeConfig::Alphabet::kCharacters) bmp_ids_.assign(0x10000, -1);
  for (size_t id = 0; id < texts_.size(); ++id) {
    if (!in_model[id] || texts_[id].empty()) continue;
    const std::string_view text = texts_[id];
    // The first id wins when a text repeats (GGUF files may list one twice).
    if (!vocab_.emplace(text, static_cast<int32_t>(id)).second) continue;
    if (text.size() == 1) byte_ids_[static_cast<uint8_t>(text[0])] = static_cast<int32_t>(id);
    if (text.size() == 6 && text.starts_with("<0x") && text.back() == '>') {
      unsigned value = 0;
      if (std::sscanf(text.data() + 3, "%2X", &value) == 1) fallback_ids_[value] = static_cast<int32_t>(id);
    }
    if (!bmp_ids_.empty()) {
      size_t pos = 0;
      const char32_t code_point = decode_utf8(text, pos);
      if (pos == text.size() && code_point < 0x10000) bmp_ids_[code_point] = static_cast<int32_t>(id);
    }
  }
  merges_.reserve(merges.size());
  for (size_t index = 0; index < merges.size(); ++index) {
    const uint32_t rank = ranks.empty() ? static_cast<uint32_t>(index) : ranks[index];
    merges_.insert(merges[index].left, merges[index].right, rank, merges[index].merged);
  }
}

std::optional<int32_t> BpeModel::find(std::string_view text) const {
  auto it = vocab_.find(text);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

void BpeModel::initial_symbols(std::string_view piece, BpeScratch& scratch) const {
  auto& symbols = scratch.symbols;
  symbols.clear();
  bool previous_unknown = false;
  const auto add = [&](int32_t id) {
    const int32_t pos = static_cast<int32_t>(symbols.size());
    symbols.push_back({id, pos - 1, pos + 1});
  };
  for (size_t pos = 0; pos < piece.size();) {
    int32_t id = -1;
    const size_t start = pos;
    if (config_.alphabet == BpeConfig::Alphabet::kBytes) {
      id = byte_ids_[static_cast<uint8_t>(piece[pos])];
      ++pos;
    } else {
      const char32_t code_point = decode_utf8(piece, pos);
      if (code_point < 0x10000) {
        id = bmp_ids_[code_point];
      } else if (auto found = find(piece.substr(start, pos - start))) {
        id = *found;
      }
    }
    if (id >= 0) {
      add(id);
      previous_unknown = false;
      continue;
    }
    if (config_.byte_fallback) {
      bool all_bytes = true;
      for (size_t byte = start; byte < pos; ++byte) all_bytes &= fallback_ids_[static_cast<uint8_t>(piece[byte])] >= 0;
      if (all_bytes) {
        for (size_t byte = start; byte < pos; ++byte) add(fallback_ids_[static_cast<uint8_t>(piece[byte])]);
        previous_unknown = false;
        continue;
      }
    }
    if (config_.unk_id) {
      if (!(config_.fuse_unk && previous_unknown)) add(*config_.unk_id);
      previous_unknown = true;
    }
    // Without an unknown token the character is dropped, as Hugging Face does.
  }
  if (!symbols.empty()) symbols.back().next = -1;
}

void BpeModel::merge_all(BpeScratch& scratch) const {
  auto& symbols = scratch.symbols;
  auto& heap = scratch.heap;
  heap.clear();
  // Lowest rank first, then leftmost position.
  const auto later = [](const BpeScratch::Candidate& a, const BpeScratch::Candidate& b) {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  };
  const auto push_pair = [&](int32_t left) {
    if (left < 0) return;
    const int32_t right = symbols[left].next;
    if (right < 0) return;
    uint32_t rank;
    int32_t merged;
    if (!merges_.find(symbols[left].id, symbols[right].id, rank, merged)) return;
    heap.push_back({rank, left, merged});
    std::push_heap(heap.begin(), heap.end(), later);
  };
  for (int32_t pos = 0; pos + 1 < static_cast<int32_t>(symbols.size()); ++pos) {
    uint32_t rank;
    int32_t merged;
    if (merges_.find(symbols[pos].id, symbols[pos + 1].id, rank, merged)) heap.push_back({rank, pos, merged});
  }
  std::make_heap(heap.begin(), heap.end(), later);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    const BpeScratch::Candidate top = heap.back();
    heap.pop_back();
    BpeScratch::Symbol& left = symbols[top.pos];
    if (left.id < 0 || left.next < 0) continue;
    // Stale when either side changed since the candidate was pushed.
    uint32_t rank;
    int32_t merged;
    if (!merges_.find(left.id, symbols[left.next].id, rank, merged) || merged != top.merged) continue;
    BpeScratch::Symbol& right = symbols[left.next];
    left.id = merged;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = top.pos;
    right.id = -1;
    push_pair(left.prev);
    push_pair(top.pos);
  }
}

void BpeModel::encode_piece(std::string_view piece, std::vector<int32_t>& out, BpeScratch& scratch) const {
  if (piece.empty()) return;
  if (config_.ignore_merges) {
    if (auto whole = find(piece)) {
      out.push_back(*whole);
      return;
    }
  }
  initial_symbols(piece, scratch);
  if (scratch.symbols.size() > 1) merge_all(scratch);
  for (const auto& symbol : scratch.symbols) {
    if (symbol.id >= 0) out.push_back(symbol.id);
  }
}

}  // namespace loom::text
