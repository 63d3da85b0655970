// The ISA-independent start of an attention tile (attention_tile.h).
#include "kernels/attention_tile.h"

#include <algorithm>

namespace loom::kernels {

PreparedAttentionTile prepare_attention_tile(const AttentionTile& tile) {
  PreparedAttentionTile p;
  for (int r = 0; r < kAttentionTileRows; ++r) {
    p.last[r] = r < tile.rows ? static_cast<int32_t>(tile.last[r]) : -1;  // unused lanes attend to nothing
    p.context = std::max<int64_t>(p.context, p.last[r] + 1);
  }
  const int64_t hd = tile.head_dim;
  p.queries = tile.scratch;
  p.outputs = p.queries + hd * kAttentionTileRows;
  p.scores = p.outputs + hd * kAttentionTileRows;
  p.keys = p.scores + p.context * kAttentionTileRows;
  p.values = p.keys + kAttentionKeyChunk * hd;
  for (int64_t i = 0; i < hd; ++i) {
    for (int r = 0; r < kAttentionTileRows; ++r) {
      p.queries[i * kAttentionTileRows + r] = r < tile.rows ? tile.q[r][i] : 0.0f;
    }
  }
  return p;
}

}  // namespace loom::kernels
