// KV cache storage: the block pool and a sequence's view of it.
#include "model/kv_cache.h"

#include <cstring>
#include <utility>

#include "base/half.h"
#include "kernels/kernels.h"

namespace loom::model {

Result<std::unique_ptr<KvBlockPool>> KvBlockPool::create(tensor::DType type, int64_t num_layers, int64_t num_blocks,
                                                         int64_t block_size, int64_t kv_heads, int64_t head_dim) {
  if (type != tensor::DType::kF16 && type != tensor::DType::kF32) {
    return unimplemented("KV cache type ", tensor::dtype_name(type), " (supported: f16, f32)");
  }
  if (num_layers <= 0 || num_blocks <= 0 || block_size <= 0 || kv_heads <= 0 || head_dim <= 0) {
    return invalid_argument("KV cache needs positive sizes (layers ", num_layers, ", blocks ", num_blocks,
                            ", block size ", block_size, ", KV heads ", kv_heads, ", head size ", head_dim, ")");
  }
  std::unique_ptr<KvBlockPool> pool(new KvBlockPool());
  pool->type_ = type;
  pool->num_layers_ = num_layers;
  pool->num_blocks_ = num_blocks;
  pool->block_size_ = block_size;
  pool->kv_heads_ = kv_heads;
  pool->head_dim_ = head_dim;
  pool->element_bytes_ = type == tensor::DType::kF16 ? 2 : 4;
  pool->total_bytes_ = static_cast<size_t>(kv_heads * head_dim) * pool->element_bytes_ * block_size * num_blocks *
                       num_layers;
  Result<LargeBuffer> keys = LargeBuffer::allocate(pool->total_bytes_);
  Result<LargeBuffer> values = LargeBuffer::allocate(pool->total_bytes_);
  if (!keys.ok() || !values.ok()) {
    return resource_exhausted("cannot reserve ", 2 * pool->total_bytes_ >> 20, " MiB for the KV cache");
  }
  pool->keys_ = std::move(*keys);
  pool->values_ = std::move(*values);
  return pool;
}

Result<KvCache> KvCache::create(tensor::DType type, int64_t num_layers, int64_t capacity, int64_t kv_heads,
                                int64_t head_dim) {
  if (capacity <= 0) return invalid_argument("KV cache needs a positive capacity (", capacity, ")");
  const int64_t blocks = (capacity + kDefaultKvBlockSize - 1) / kDefaultKvBlockSize;
  KvCache cache;
  cache.owned_ = TRY(KvBlockPool::create(type, num_layers, blocks, kDefaultKvBlockSize, kv_heads, head_dim));
  cache.pool_ = cache.owned_.get();
  cache.max_positions_ = capacity;
  cache.blocks_.resize(static_cast<size_t>(blocks));
  for (int64_t block = 0; block < blocks; ++block) cache.blocks_[static_cast<size_t>(block)] = static_cast<int32_t>(block);
  return cache;
}

void KvCache::store(int64_t layer, int64_t start_pos, int64_t n_tokens, const float* keys, const float* values) {
  const int64_t width = kv_size();
  const int64_t size = head_dim();
  const size_t head_bytes = head_stride() * element_bytes();
  const bool half = type() == tensor::DType::kF16;
  // Round to nearest even, as f32_to_f16, on every ISA.
  const auto to_half = kernels::kernels().quantize_row[kernels::slot(tensor::DType::kF16)];
  for (int64_t token = 0; token < n_tokens; ++token) {
    auto* key_dst = static_cast<std::byte*>(keys_at(layer, start_pos + token));
    auto* value_dst = static_cast<std::byte*>(values_at(layer, start_pos + token));
    for (int64_t head = 0; head < pool_->kv_heads(); ++head) {
      const float* key = keys + token * width + head * size;
      const float* value = values + token * width + head * size;
      if (half) {
        to_half(key, key_dst, size);
        to_half(value, value_dst, size);
      } else {
        std::memcpy(key_dst, key, static_cast<size_t>(size) * sizeof(float));
        std::memcpy(value_dst, value, static_cast<size_t>(size) * sizeof(float));
      }
      key_dst += head_bytes;
      value_dst += head_bytes;
    }
  }
}

}  // namespace loom::model
