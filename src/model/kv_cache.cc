// KV cache storage: the block pool and a sequence's view of it.
#include "model/kv_cache.h"

#include <cstring>
#include <utility>

#include "base/half.h"
#include "kernels/kernels.h"

namespace loom::model {

Result<std::unique_ptr<KvBlockPool>> KvBlockPool::create(tensor::DType type, int64_t num_layers, int64_t num_blocks,
                                                         int64_t block_size, int64_t kv_size) {
  if (type != tensor::DType::kF16 && type != tensor::DType::kF32) {
    return unimplemented("KV cache type ", tensor::dtype_name(type), " (supported: f16, f32)");
  }
  if (num_layers <= 0 || num_blocks <= 0 || block_size <= 0 || kv_size <= 0) {
    return invalid_argument("KV cache needs positive sizes (layers ", num_layers, ", blocks ", num_blocks,
                            ", block size ", block_size, ", kv_size ", kv_size, ")");
  }
  std::unique_ptr<KvBlockPool> pool(new KvBlockPool());
  pool->type_ = type;
  pool->num_layers_ = num_layers;
  pool->num_blocks_ = num_blocks;
  pool->block_size_ = block_size;
  pool->kv_size_ = kv_size;
  pool->row_bytes_ = static_cast<size_t>(kv_size) * (type == tensor::DType::kF16 ? 2 : 4);
  pool->total_bytes_ = pool->row_bytes_ * block_size * num_blocks * num_layers;
  Result<LargeBuffer> keys = LargeBuffer::allocate(pool->total_bytes_);
  Result<LargeBuffer> values = LargeBuffer::allocate(pool->total_bytes_);
  if (!keys.ok() || !values.ok()) {
    return resource_exhausted("cannot reserve ", 2 * pool->total_bytes_ >> 20, " MiB for the KV cache");
  }
  pool->keys_ = std::move(*keys);
  pool->values_ = std::move(*values);
  return pool;
}

Result<KvCache> KvCache::create(tensor::DType type, int64_t num_layers, int64_t capacity, int64_t kv_size) {
  if (capacity <= 0) return invalid_argument("KV cache needs a positive capacity (", capacity, ")");
  const int64_t blocks = (capacity + kDefaultKvBlockSize - 1) / kDefaultKvBlockSize;
  KvCache cache;
  cache.owned_ = TRY(KvBlockPool::create(type, num_layers, blocks, kDefaultKvBlockSize, kv_size));
  cache.pool_ = cache.owned_.get();
  cache.max_positions_ = capacity;
  cache.blocks_.resize(static_cast<size_t>(blocks));
  for (int64_t block = 0; block < blocks; ++block) cache.blocks_[static_cast<size_t>(block)] = static_cast<int32_t>(block);
  return cache;
}

void KvCache::store(int64_t layer, int64_t start_pos, int64_t n_tokens, const float* keys, const float* values) {
  const int64_t width = kv_size();
  const size_t bytes = row_bytes();
  const bool half = type() == tensor::DType::kF16;
  for (int64_t token = 0; token < n_tokens; ++token) {
    const float* key = keys + token * width;
    const float* value = values + token * width;
    void* key_dst = key_row(layer, start_pos + token);
    void* value_dst = value_row(layer, start_pos + token);
    if (!half) {
      std::memcpy(key_dst, key, bytes);
      std::memcpy(value_dst, value, bytes);
    } else {
      // Round to nearest even, as f32_to_f16, on every ISA.
      const auto to_half = kernels::kernels().quantize_row[kernels::slot(tensor::DType::kF16)];
      to_half(key, key_dst, width);
      to_half(value, value_dst, width);
    }
  }
}

}  // namespace loom::model
