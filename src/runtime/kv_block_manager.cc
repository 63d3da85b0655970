// Block allocation, refcounts and the prefix cache (see kv_block_manager.h).
#include "runtime/kv_block_manager.h"

#include <algorithm>

#include "base/status.h"

namespace loom::runtime {
namespace {

uint64_t mix(uint64_t x) {  // splitmix64 finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

KvBlockManager::KvBlockManager(int64_t num_blocks, int64_t block_size)
    : block_size_(block_size), blocks_(static_cast<size_t>(num_blocks)) {
  CHECK(num_blocks > 0 && block_size > 0);
  // Hand out low block ids first.
  for (int64_t block = num_blocks - 1; block >= 0; --block) free_.push_back(static_cast<int32_t>(block));
}

uint64_t KvBlockManager::chain_hash(uint64_t parent, std::span<const int32_t> block_tokens) {
  uint64_t hash = mix(parent + 0x9e3779b97f4a7c15ULL);
  for (int32_t token : block_tokens) hash = mix(hash ^ static_cast<uint32_t>(token));
  return hash == 0 ? 1 : hash;  // 0 stands for "no parent"
}

KvBlockManager::Match KvBlockManager::match_prefix(std::span<const int32_t> tokens, int64_t max_blocks) {
  Match match;
  uint64_t parent = 0;
  const int64_t full = std::min(max_blocks, static_cast<int64_t>(tokens.size()) / block_size_);
  for (int64_t index = 0; index < full; ++index) {
    const std::span<const int32_t> block_tokens = tokens.subspan(index * block_size_, block_size_);
    const uint64_t hash = chain_hash(parent, block_tokens);
    const auto found = by_hash_.find(hash);
    if (found == by_hash_.end()) break;
    Block& block = blocks_[static_cast<size_t>(found->second)];
    if (block.parent != parent || !std::equal(block_tokens.begin(), block_tokens.end(), block.tokens.begin())) break;
    if (block.refs++ == 0) {
      lru_.erase(block.in_lru);
      ++used_;
    }
    match.blocks.push_back(found->second);
    match.hashes.push_back(hash);
    parent = hash;
  }
  return match;
}

std::optional<int32_t> KvBlockManager::allocate() {
  int32_t id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else if (!lru_.empty()) {
    id = lru_.front();
    lru_.pop_front();
    unpublish(id);
  } else {
    return std::nullopt;
  }
  blocks_[static_cast<size_t>(id)].refs = 1;
  ++used_;
  return id;
}

uint64_t KvBlockManager::publish(int32_t id, uint64_t parent, std::span<const int32_t> block_tokens) {
  Block& block = blocks_[static_cast<size_t>(id)];
  const uint64_t hash = chain_hash(parent, block_tokens);
  if (block.published || by_hash_.contains(hash)) return hash;
  block.published = true;
  block.hash = hash;
  block.parent = parent;
  block.tokens.assign(block_tokens.begin(), block_tokens.end());
  by_hash_.emplace(hash, id);
  return hash;
}

void KvBlockManager::release(int32_t id) {
  Block& block = blocks_[static_cast<size_t>(id)];
  CHECK(block.refs > 0);
  if (--block.refs > 0) return;
  --used_;
  if (block.published) {
    block.in_lru = lru_.insert(lru_.end(), id);
  } else {
    free_.push_back(id);
  }
}

void KvBlockManager::unpublish(int32_t id) {
  Block& block = blocks_[static_cast<size_t>(id)];
  by_hash_.erase(block.hash);
  block.published = false;
  block.tokens.clear();
}

}  // namespace loom::runtime
