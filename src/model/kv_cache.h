// KV cache storage in fixed-size blocks. A KvBlockPool holds the keys and
// values of every layer for `num_blocks` blocks of `block_size` positions; a
// KvCache is one sequence's view of a pool through its block table (position
// p lives in block table[p / block_size], row p % block_size). A standalone
// cache owns a pool with an identity table.
// Pool layout: [block][layer][kv_head][position in block][head_dim], F32 or
// F16. A block's rows of every layer are together, so a sequence's memory is
// its blocks (huge pages then back what is used, not a page per layer). Within
// a layer's block each KV head's rows are together: a decode step reads one
// head's keys and values at a time, and that is then one sequential stream
// (block_size * head_dim elements) instead of head_dim elements out of every
// kv_size, which the hardware prefetchers follow far worse.
#pragma once

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "base/large_buffer.h"
#include "base/status.h"
#include "tensor/dtype.h"

namespace loom::model {

// Positions per block of a standalone cache (a power of two).
inline constexpr int64_t kDefaultKvBlockSize = 16;

class KvBlockPool {
 public:
  // type: kF16 (default, half the memory) or kF32 (exact, for differential
  // tests). Memory is reserved, not touched: pages (transparent huge pages
  // where the kernel gives them) are backed as blocks are written.
  static Result<std::unique_ptr<KvBlockPool>> create(tensor::DType type, int64_t num_layers, int64_t num_blocks,
                                                     int64_t block_size, int64_t kv_heads, int64_t head_dim);

  tensor::DType type() const { return type_; }
  int64_t num_blocks() const { return num_blocks_; }
  int64_t block_size() const { return block_size_; }
  int64_t kv_heads() const { return kv_heads_; }
  int64_t head_dim() const { return head_dim_; }
  int64_t kv_size() const { return kv_heads_ * head_dim_; }
  size_t element_bytes() const { return element_bytes_; }
  size_t bytes() const { return 2 * total_bytes_; }

  // Head 0 of (layer, block, row within the block); head h is h *
  // block_size * head_dim elements further, the next row head_dim.
  std::byte* keys_at(int64_t layer, int64_t block, int64_t row) const { return keys_.data() + offset(layer, block, row); }
  std::byte* values_at(int64_t layer, int64_t block, int64_t row) const {
    return values_.data() + offset(layer, block, row);
  }

 private:
  KvBlockPool() = default;
  size_t offset(int64_t layer, int64_t block, int64_t row) const {
    return ((static_cast<size_t>(block) * num_layers_ + layer) * block_size_ * kv_heads_ + row) * head_dim_ *
           element_bytes_;
  }
  tensor::DType type_ = tensor::DType::kF16;
  int64_t num_layers_ = 0;
  int64_t num_blocks_ = 0;
  int64_t block_size_ = 0;
  int64_t kv_heads_ = 0;
  int64_t head_dim_ = 0;
  size_t element_bytes_ = 0;
  size_t total_bytes_ = 0;
  LargeBuffer keys_;
  LargeBuffer values_;
};

class KvCache {
 public:
  // A standalone cache of `capacity` positions with its own pool.
  static Result<KvCache> create(tensor::DType type, int64_t num_layers, int64_t capacity, int64_t kv_heads,
                                int64_t head_dim);
  // A sequence's view of a shared pool (which must outlive it). It starts with
  // no blocks: the pool's owner appends them to block_table() before the
  // positions they hold are written. At most max_positions positions.
  KvCache(KvBlockPool& pool, int64_t max_positions) : pool_(&pool), max_positions_(max_positions) {}

  tensor::DType type() const { return pool_->type(); }
  int64_t kv_size() const { return pool_->kv_size(); }
  int64_t head_dim() const { return pool_->head_dim(); }
  int64_t block_size() const { return pool_->block_size(); }
  // Elements from one position's row of a head to the next position's within
  // a block, and from one head's rows to the next head's.
  size_t position_stride() const { return static_cast<size_t>(pool_->head_dim()); }
  size_t head_stride() const { return static_cast<size_t>(pool_->block_size() * pool_->head_dim()); }
  size_t element_bytes() const { return pool_->element_bytes(); }
  // Positions addressable now: those of the mapped blocks, up to max_positions.
  int64_t capacity() const {
    return std::min<int64_t>(static_cast<int64_t>(blocks_.size()) * pool_->block_size(), max_positions_);
  }
  int64_t max_positions() const { return max_positions_; }

  std::vector<int32_t>& block_table() { return blocks_; }
  const std::vector<int32_t>& block_table() const { return blocks_; }

  // Head 0's row of (layer, position), elements of type(); head h's row is
  // h * head_stride() elements further, and within a block the next
  // position's is position_stride() elements further.
  void* keys_at(int64_t layer, int64_t pos) { return row(&KvBlockPool::keys_at, layer, pos); }
  void* values_at(int64_t layer, int64_t pos) { return row(&KvBlockPool::values_at, layer, pos); }
  const void* keys_at(int64_t layer, int64_t pos) const { return row(&KvBlockPool::keys_at, layer, pos); }
  const void* values_at(int64_t layer, int64_t pos) const { return row(&KvBlockPool::values_at, layer, pos); }

  // Stores n_tokens rows of F32 keys/values (row stride kv_size) at positions start_pos...
  void store(int64_t layer, int64_t start_pos, int64_t n_tokens, const float* keys, const float* values);

 private:
  KvCache() = default;
  using RowOf = std::byte* (KvBlockPool::*)(int64_t, int64_t, int64_t) const;
  std::byte* row(RowOf row_of, int64_t layer, int64_t pos) const {
    const int64_t size = pool_->block_size();
    return (pool_->*row_of)(layer, blocks_[static_cast<size_t>(pos / size)], pos % size);
  }

  std::unique_ptr<KvBlockPool> owned_;  // standalone caches only
  KvBlockPool* pool_ = nullptr;
  int64_t max_positions_ = 0;
  std::vector<int32_t> blocks_;
};

}  // namespace loom::model
