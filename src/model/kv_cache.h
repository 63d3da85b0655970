// KvCache: keys and values of every layer for the positions of one sequence.
// Layout per layer: [position][kv_head * head_dim], in F32 or F16.
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "tensor/dtype.h"

namespace loom::model {

class KvCache {
 public:
  // type: kF16 (default, half the memory) or kF32 (exact, for differential tests).
  static Result<KvCache> create(tensor::DType type, int64_t num_layers, int64_t capacity,
                                int64_t kv_size);

  tensor::DType type() const { return type_; }
  int64_t capacity() const { return capacity_; }
  int64_t kv_size() const { return kv_size_; }
  size_t bytes() const { return keys_.size() + values_.size(); }

  // Row of `kv_size` elements for (layer, position); element type is type().
  void* key_row(int64_t layer, int64_t pos) { return keys_.data() + offset(layer, pos); }
  void* value_row(int64_t layer, int64_t pos) { return values_.data() + offset(layer, pos); }
  const void* key_row(int64_t layer, int64_t pos) const { return keys_.data() + offset(layer, pos); }
  const void* value_row(int64_t layer, int64_t pos) const { return values_.data() + offset(layer, pos); }

  // Stores n_tokens rows of F32 keys/values (row stride kv_size) at positions start_pos...
  void store(int64_t layer, int64_t start_pos, int64_t n_tokens, const float* keys, const float* values);

 private:
  size_t offset(int64_t layer, int64_t pos) const {
    return (static_cast<size_t>(layer) * capacity_ + pos) * row_bytes_;
  }
  tensor::DType type_ = tensor::DType::kF16;
  int64_t capacity_ = 0;
  int64_t kv_size_ = 0;
  size_t row_bytes_ = 0;
  std::vector<std::byte> keys_;
  std::vector<std::byte> values_;
};

}  // namespace loom::model
