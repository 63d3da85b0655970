// The KV cache's layout: what store() writes is where keys_at/values_at and
// the strides say, for every layer, position and head, with nothing shared.
#include "model/kv_cache.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "base/half.h"

namespace loom::model {
namespace {

// A value that names its (side, layer, position, head, element) and survives
// the round trip through F16 exactly (a multiple of 1/4 below 2048).
float tag(int side, int64_t layer, int64_t pos, int64_t head, int64_t i) {
  return static_cast<float>((side * 7 + layer * 5 + pos * 3 + head * 11 + i) % 2000) * 0.25f;
}

float element(const KvCache& cache, const void* head0, int64_t head, int64_t i) {
  const size_t index = static_cast<size_t>(head) * cache.head_stride() + static_cast<size_t>(i);
  if (cache.type() == tensor::DType::kF32) return static_cast<const float*>(head0)[index];
  return f16_to_f32(static_cast<const uint16_t*>(head0)[index]);
}

void check_round_trip(tensor::DType type) {
  constexpr int64_t kLayers = 3, kHeads = 2, kHeadDim = 8, kPositions = 2 * kDefaultKvBlockSize + 5;
  Result<KvCache> cache = KvCache::create(type, kLayers, kPositions, kHeads, kHeadDim);
  ASSERT_TRUE(cache.ok()) << cache.status().message();
  EXPECT_EQ(cache->position_stride(), static_cast<size_t>(kHeadDim));
  EXPECT_EQ(cache->head_stride(), static_cast<size_t>(kDefaultKvBlockSize * kHeadDim));
  // Written in two calls per layer, so start_pos is exercised too.
  for (int64_t layer = 0; layer < kLayers; ++layer) {
    std::vector<float> keys, values;
    for (int64_t pos = 0; pos < kPositions; ++pos) {
      for (int64_t head = 0; head < kHeads; ++head) {
        for (int64_t i = 0; i < kHeadDim; ++i) {
          keys.push_back(tag(0, layer, pos, head, i));
          values.push_back(tag(1, layer, pos, head, i));
        }
      }
    }
    const int64_t first = 9;
    cache->store(layer, 0, first, keys.data(), values.data());
    cache->store(layer, first, kPositions - first, keys.data() + first * kHeads * kHeadDim,
                 values.data() + first * kHeads * kHeadDim);
  }
  for (int64_t layer = 0; layer < kLayers; ++layer) {
    for (int64_t pos = 0; pos < kPositions; ++pos) {
      for (int64_t head = 0; head < kHeads; ++head) {
        for (int64_t i = 0; i < kHeadDim; ++i) {
          ASSERT_EQ(element(*cache, cache->keys_at(layer, pos), head, i), tag(0, layer, pos, head, i))
              << "key layer " << layer << " pos " << pos << " head " << head << " element " << i;
          ASSERT_EQ(element(*cache, cache->values_at(layer, pos), head, i), tag(1, layer, pos, head, i))
              << "value layer " << layer << " pos " << pos << " head " << head << " element " << i;
        }
      }
      // Within a block the next position's rows are position_stride further.
      if ((pos + 1) % kDefaultKvBlockSize != 0 && pos + 1 < kPositions) {
        const auto* here = static_cast<const std::byte*>(cache->keys_at(layer, pos));
        EXPECT_EQ(static_cast<const std::byte*>(cache->keys_at(layer, pos + 1)),
                  here + cache->position_stride() * cache->element_bytes());
      }
    }
  }
}

TEST(KvCache, StoreLandsWhereTheStridesSayF16) { check_round_trip(tensor::DType::kF16); }

TEST(KvCache, StoreLandsWhereTheStridesSayF32) { check_round_trip(tensor::DType::kF32); }

TEST(KvBlockPool, RejectsBadShapes) {
  EXPECT_FALSE(KvBlockPool::create(tensor::DType::kF16, 2, 4, 16, 0, 64).ok());
  EXPECT_FALSE(KvBlockPool::create(tensor::DType::kF16, 2, 4, 16, 8, 0).ok());
  EXPECT_FALSE(KvBlockPool::create(tensor::DType::kQ8_0, 2, 4, 16, 8, 64).ok());
}

}  // namespace
}  // namespace loom::model
