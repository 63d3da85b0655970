// The prefill attention tile: every ISA that has one gives the scalar
// reference's bits (head sizes with and without a 16-, 8- or 4-lane tail, 1..16 rows,
// paged and contiguous caches, causal rows), and the reference is softmax
// attention computed in double within float error.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>
#include <vector>

#include "base/half.h"
#include "kernels/attention_tile.h"
#include "kernels/kernels.h"
#include "kernels/reference/reference.h"
#include "test_util.h"

namespace loom::kernels {
namespace {

using testing::random_values;

// A cache of `positions` rows of `kv_heads` heads in blocks of block_size,
// stored out of order (block b at slot order[b]) as a paged pool would.
struct Cache {
  int64_t head_dim, kv_heads, block_size;
  std::vector<uint16_t> keys, values;
  std::vector<const uint16_t*> key_blocks, value_blocks;

  Cache(int64_t positions, int64_t head_dim_, int64_t kv_heads_, int64_t block_size_, uint32_t seed)
      : head_dim(head_dim_), kv_heads(kv_heads_), block_size(block_size_) {
    const int64_t blocks = (positions + block_size - 1) / block_size;
    const int64_t row = head_dim * kv_heads;
    const std::vector<float> k = random_values(blocks * block_size * row, seed);
    const std::vector<float> v = random_values(blocks * block_size * row, seed + 1);
    for (float x : k) keys.push_back(f32_to_f16(x));
    for (float x : v) values.push_back(f32_to_f16(x));
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t slot = blocks - 1 - b;  // reversed: the table matters
      key_blocks.push_back(keys.data() + slot * block_size * row);
      value_blocks.push_back(values.data() + slot * block_size * row);
    }
  }
  float key(int64_t pos, int64_t head, int64_t i) const { return at(key_blocks, pos, head, i); }
  float value(int64_t pos, int64_t head, int64_t i) const { return at(value_blocks, pos, head, i); }
  float at(const std::vector<const uint16_t*>& blocks, int64_t pos, int64_t head, int64_t i) const {
    return f16_to_f32(blocks[pos / block_size][(pos % block_size) * head_dim * kv_heads + head * head_dim + i]);
  }
};

struct Problem {
  int64_t head_dim;
  int rows;
  int64_t first_last;  // row r attends to 0..first_last + r / 2 (two heads per token)
  int64_t block_size;
};

std::string describe(const Problem& p) {
  return "head_dim " + std::to_string(p.head_dim) + " rows " + std::to_string(p.rows) + " first last " +
         std::to_string(p.first_last) + " block " + std::to_string(p.block_size);
}

// Runs `kernel` on the problem; returns the rows' outputs, concatenated.
std::vector<float> run(void (*kernel)(const AttentionTile&), const Problem& p, const Cache& cache,
                       const std::vector<float>& queries) {
  AttentionTile tile{.head_dim = p.head_dim,
                     .rows = p.rows,
                     .key_blocks = cache.key_blocks.data(),
                     .value_blocks = cache.value_blocks.data(),
                     .block_size = cache.block_size,
                     .row_stride = static_cast<size_t>(cache.head_dim * cache.kv_heads),
                     .head_offset = p.head_dim,  // the second KV head
                     .scale = 1.0f / std::sqrt(static_cast<float>(p.head_dim))};
  std::vector<float> out(static_cast<size_t>(p.rows * p.head_dim), -7.0f);
  int64_t context = 0;
  for (int r = 0; r < p.rows; ++r) {
    tile.q[r] = queries.data() + r * p.head_dim;
    tile.out[r] = out.data() + r * p.head_dim;
    tile.last[r] = p.first_last + r / 2;
    context = std::max(context, tile.last[r] + 1);
  }
  std::vector<float> scratch(attention_tile_scratch_floats(p.head_dim, context), -3.0f);
  tile.scratch = scratch.data();
  kernel(tile);
  return out;
}

const std::vector<Problem>& problems() {
  static const std::vector<Problem> all = {
      {128, 16, 0, 16},   {128, 16, 40, 16}, {128, 16, 300, 16}, {128, 7, 19, 16}, {128, 1, 5, 16},
      {64, 16, 100, 512}, {8, 16, 33, 16},   {80, 12, 70, 7},    {40, 3, 2, 1},
      // One row past a half of 8 lanes; head sizes that are not a multiple of 8 or 4.
      {64, 9, 30, 16},    {20, 5, 9, 4},     {18, 10, 3, 3},
  };
  return all;
}

TEST(AttentionTile, EveryIsaGivesTheReferenceBits) {
  int tested = 0;
  for (Isa isa : testing::supported_isas()) {
    void (*kernel)(const AttentionTile&) = (*kernels_for(isa))->attention_tile;
    if (kernel == nullptr) continue;
    ++tested;
    for (const Problem& p : problems()) {
      const Cache cache(p.first_last + p.rows, p.head_dim, 2, p.block_size, 5);
      const std::vector<float> queries = random_values(p.rows * p.head_dim, 9);
      const std::vector<float> expected = run(reference::attention_tile, p, cache, queries);
      const std::vector<float> got = run(kernel, p, cache, queries);
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(expected[i]))
            << describe(p) << " isa " << isa_name(isa) << " element " << i << ": " << got[i] << " vs " << expected[i];
      }
    }
  }
  if (tested == 0) GTEST_SKIP() << "no instruction set of this CPU has an attention tile";
}

TEST(AttentionTile, ReferenceIsSoftmaxAttention) {
  for (const Problem& p : problems()) {
    const Cache cache(p.first_last + p.rows, p.head_dim, 2, p.block_size, 15);
    const std::vector<float> queries = random_values(p.rows * p.head_dim, 19);
    const std::vector<float> got = run(reference::attention_tile, p, cache, queries);
    for (int r = 0; r < p.rows; ++r) {
      const int64_t positions = p.first_last + r / 2 + 1;
      std::vector<double> weights(positions);
      for (int64_t j = 0; j < positions; ++j) {
        double dot = 0.0;
        for (int64_t i = 0; i < p.head_dim; ++i) dot += double(queries[r * p.head_dim + i]) * cache.key(j, 1, i);
        weights[j] = dot / std::sqrt(double(p.head_dim));
      }
      const double max_score = *std::max_element(weights.begin(), weights.end());
      double sum = 0.0;
      for (double& w : weights) sum += (w = std::exp(w - max_score));
      for (int64_t i = 0; i < p.head_dim; ++i) {
        double expected = 0.0, magnitude = 0.0;
        for (int64_t j = 0; j < positions; ++j) {
          expected += weights[j] / sum * cache.value(j, 1, i);
          magnitude += std::abs(weights[j] / sum * cache.value(j, 1, i));
        }
        // Scores carry float error of about 1e-6 relative, which exp turns
        // into the same relative error of each weight.
        ASSERT_NEAR(got[r * p.head_dim + i], expected, 1e-5 * magnitude + 1e-6)
            << describe(p) << " row " << r << " element " << i;
      }
    }
  }
}

}  // namespace
}  // namespace loom::kernels
