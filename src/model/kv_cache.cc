// KV cache storage.
#include "model/kv_cache.h"

#include <cstring>

#include "base/half.h"

namespace loom::model {

Result<KvCache> KvCache::create(tensor::DType type, int64_t num_layers, int64_t capacity,
                                int64_t kv_size) {
  if (type != tensor::DType::kF16 && type != tensor::DType::kF32) {
    return unimplemented("KV cache type ", tensor::dtype_name(type), " (supported: f16, f32)");
  }
  if (num_layers <= 0 || capacity <= 0 || kv_size <= 0) {
    return invalid_argument("KV cache needs positive sizes (layers ", num_layers, ", capacity ", capacity,
                            ", kv_size ", kv_size, ")");
  }
  KvCache cache;
  cache.type_ = type;
  cache.capacity_ = capacity;
  cache.kv_size_ = kv_size;
  cache.row_bytes_ = static_cast<size_t>(kv_size) * (type == tensor::DType::kF16 ? 2 : 4);
  const size_t total = cache.row_bytes_ * capacity * num_layers;
  cache.keys_.resize(total);
  cache.values_.resize(total);
  return cache;
}

void KvCache::store(int64_t layer, int64_t start_pos, int64_t n_tokens, const float* keys,
                    const float* values) {
  for (int64_t token = 0; token < n_tokens; ++token) {
    const float* key = keys + token * kv_size_;
    const float* value = values + token * kv_size_;
    void* key_dst = key_row(layer, start_pos + token);
    void* value_dst = value_row(layer, start_pos + token);
    if (type_ == tensor::DType::kF32) {
      std::memcpy(key_dst, key, row_bytes_);
      std::memcpy(value_dst, value, row_bytes_);
    } else {
      auto* key_half = static_cast<uint16_t*>(key_dst);
      auto* value_half = static_cast<uint16_t*>(value_dst);
      for (int64_t i = 0; i < kv_size_; ++i) {
        key_half[i] = f32_to_f16(key[i]);
        value_half[i] = f32_to_f16(value[i]);
      }
    }
  }
}

}  // namespace loom::model
