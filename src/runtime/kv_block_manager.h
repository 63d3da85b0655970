// KvBlockManager: which blocks of a KvBlockPool are free, which sequences use
// them, and the prefix cache. A block that holds a full block of tokens is
// published under hash(parent block's hash, its tokens), so a later sequence
// whose tokens start the same way maps the same blocks instead of computing
// them. Blocks are refcounted; a published block nobody references stays
// cached until the pool runs out, then the least recently used goes first.
// Engine-thread only (no locking).
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

namespace loom::runtime {

class KvBlockManager {
 public:
  KvBlockManager(int64_t num_blocks, int64_t block_size);

  int64_t block_size() const { return block_size_; }
  int64_t total_blocks() const { return static_cast<int64_t>(blocks_.size()); }
  // Blocks referenced by some sequence.
  int64_t used_blocks() const { return used_; }
  // Blocks allocate() can hand out: free ones and unreferenced cached ones.
  int64_t available_blocks() const { return total_blocks() - used_; }
  // Published blocks (referenced or not).
  int64_t cached_blocks() const { return static_cast<int64_t>(by_hash_.size()); }

  // The hash of a full block of tokens following the block hashed `parent`
  // (0 for the first block).
  static uint64_t chain_hash(uint64_t parent, std::span<const int32_t> block_tokens);

  struct Match {
    std::vector<int32_t> blocks;   // referenced once more each; release them when done
    std::vector<uint64_t> hashes;  // their chain hashes
  };
  // The longest chain of published blocks that starts `tokens`, at most max_blocks.
  Match match_prefix(std::span<const int32_t> tokens, int64_t max_blocks);

  // A block to write (referenced once): a free one, else the least recently
  // used unreferenced cached one (unpublished first). None when every block is in use.
  std::optional<int32_t> allocate();

  // Publishes `block`, now holding exactly `block_tokens` after the block hashed
  // `parent`; returns its hash. A block already published, or a chain some
  // other block already holds, is left as it is.
  uint64_t publish(int32_t block, uint64_t parent, std::span<const int32_t> block_tokens);

  // Drops one reference.
  void release(int32_t block);

 private:
  struct Block {
    int32_t refs = 0;
    bool published = false;
    uint64_t hash = 0;
    uint64_t parent = 0;
    std::vector<int32_t> tokens;          // of a published block, to rule out hash collisions
    std::list<int32_t>::iterator in_lru;  // valid while published and unreferenced
  };
  void unpublish(int32_t block);

  int64_t block_size_;
  std::vector<Block> blocks_;
  std::vector<int32_t> free_;       // never published, unreferenced
  std::list<int32_t> lru_;          // published, unreferenced; least recently used first
  std::unordered_map<uint64_t, int32_t> by_hash_;
  int64_t used_ = 0;
};

}  // namespace loom::runtime
