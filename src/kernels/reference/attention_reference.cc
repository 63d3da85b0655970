// Scalar reference of the prefill attention tile (kernels/attention_tile.h):
// each row in turn, in exactly the documented order.
#include <algorithm>
#include <cmath>
#include <vector>

#include "base/half.h"
#include "kernels/attention_tile.h"
#include "kernels/reference/reference.h"

namespace loom::kernels::reference {

namespace {

const uint16_t* cache_row(const AttentionTile& t, const uint16_t* const* blocks, int64_t pos) {
  return blocks[pos / t.block_size] + (pos % t.block_size) * t.row_stride + t.head_offset;
}

}  // namespace

void attention_tile(const AttentionTile& t) {
  for (int r = 0; r < t.rows; ++r) {
    const float* q = t.q[r];
    const int64_t positions = t.last[r] + 1;
    std::vector<float> p(static_cast<size_t>(positions));
    for (int64_t j = 0; j < positions; ++j) {
      const uint16_t* key = cache_row(t, t.key_blocks, j);
      float dot = 0.0f;
      for (int64_t i = 0; i < t.head_dim; ++i) dot = std::fma(q[i], f16_to_f32(key[i]), dot);
      p[j] = t.scale * dot;
    }
    const float max_score = *std::max_element(p.begin(), p.end());
    float sum = 0.0f;
    for (float& weight : p) {
      weight = exp_approx(weight - max_score);
      sum += weight;
    }
    float* out = t.out[r];
    std::fill(out, out + t.head_dim, 0.0f);
    for (int64_t j = 0; j < positions; ++j) {
      const uint16_t* value = cache_row(t, t.value_blocks, j);
      for (int64_t i = 0; i < t.head_dim; ++i) out[i] = std::fma(p[j], f16_to_f32(value[i]), out[i]);
    }
    const float inverse = 1.0f / sum;
    for (int64_t i = 0; i < t.head_dim; ++i) out[i] *= inverse;
  }
}

}  // namespace loom::kernels::reference
