// Prefill attention over an F16 KV cache for a tile of query rows that share
// one KV head: several tokens times the query heads of a GQA group.
//
// The per-row kernels (dot_f32_f16_rows, axpy_f16_rows) convert every key and
// value row to floats once per query row, reduce 16 lanes per score and run
// the softmax in scalar loops; in a 512-token prefill that was a third of the
// time for 7% of the arithmetic. A tile puts its (up to) 16 query rows in the
// 16 lanes of a register: the queries are transposed once, each key row is
// converted once for all of them, and one FMA per key element and dimension
// advances 16 scores, with no reduction. Scores are kept key-major (16 lanes
// per position), so the softmax's max, sum and scaling are lane-wise too.
//
// Results. For each row r, with j over positions 0..last[r] in order:
//   s_j   = scale * (fma chain over dimensions i in order, from 0, of q_r[i] * k_j[i])
//   m     = max_j s_j
//   p_j   = exp_approx(s_j - m)                  (exp_approx.h)
//   sum   = p_0 + p_1 + ... (float, in order)
//   out_r = (fma chain over j in order, from 0, of p_j * v_j) * (1 / sum)
// The scalar reference computes exactly this, so every implementation gives
// identical bits (as long as the cache holds finite values: a SIMD kernel may
// multiply a weight of 0 by the value row of a position after a row's last). It is a different order from the per-row path (which sums
// scores in four lanes groups and the softmax denominator in double), so the
// two agree within float reordering error, not bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>

namespace loom::kernels {

constexpr int kAttentionTileRows = 16;

struct AttentionTile {
  int64_t head_dim = 0;
  int rows = 0;  // query rows, 1..kAttentionTileRows
  const float* q[kAttentionTileRows] = {};  // row r's query
  float* out[kAttentionTileRows] = {};      // row r's output (overwritten)
  int64_t last[kAttentionTileRows] = {};    // row r attends to positions 0..last[r]
  // The cache: position p is row p % block_size of block p / block_size; the
  // head's rows start head_offset elements into a block and are row_stride
  // elements apart. Keys and values share the block table.
  const uint16_t* const* key_blocks = nullptr;
  const uint16_t* const* value_blocks = nullptr;
  int64_t block_size = 0;
  size_t row_stride = 0;  // elements
  int64_t head_offset = 0;  // elements
  float scale = 1.0f;
  float* scratch = nullptr;  // attention_tile_scratch_floats(head_dim, max last + 1) floats
};

// Cache rows a kernel converts to floats at a time.
constexpr int64_t kAttentionKeyChunk = 8;
constexpr int64_t kAttentionValueChunk = 64;

// Scratch an attention tile needs for `context` positions: transposed queries
// and outputs, key-major scores, and the converted key and value rows.
inline size_t attention_tile_scratch_floats(int64_t head_dim, int64_t context) {
  return static_cast<size_t>(kAttentionTileRows * (2 * head_dim + context) +
                             (kAttentionKeyChunk + kAttentionValueChunk) * head_dim);
}

// What every SIMD tile does first, in the scratch layout they share: each
// lane's last position (-1 for unused lanes), the context (1 + the largest),
// the queries transposed into scratch (0 in unused lanes), and where the
// scratch's other parts start. Plain code, compiled once without ISA flags.
struct PreparedAttentionTile {
  alignas(64) int32_t last[kAttentionTileRows];
  int64_t context = 0;
  float* queries = nullptr;  // [head_dim][lane]
  float* outputs = nullptr;  // [head_dim][lane]
  float* scores = nullptr;   // [context][lane]
  float* keys = nullptr;     // [kAttentionKeyChunk][head_dim]
  float* values = nullptr;   // [kAttentionValueChunk][head_dim]
};
PreparedAttentionTile prepare_attention_tile(const AttentionTile& tile);

}  // namespace loom::kernels
