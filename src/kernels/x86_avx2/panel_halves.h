// What the AVX2 panel kernels (panels_avx2.cc, panels_k_quants_avx2.cc) share:
// a panel's 16 rows as two 8-row halves, activation broadcasts, the ordering
// fence for integer add chains, and a tile's token parts.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <type_traits>

#include "kernels/panels.h"

namespace loom::kernels::avx2 {

constexpr int kHalfRows = kPanelRows / 2;

// Four activation bytes in every 32-bit lane.
inline __m256i broadcast4(const void* bytes) {
  int32_t word;
  std::memcpy(&word, bytes, sizeof word);
  return _mm256_set1_epi32(word);
}

// GCC reassociates chains of integer adds into trees, which keeps every
// product of a block live at once: more than 16 registers, so it spilled them
// all (and ran a third slower). An empty asm that takes and returns the sum
// makes each add wait for the previous one, as written.
inline void keep_in_order(__m256i& sum) { __asm__("" : "+x"(sum)); }

// The tile's 8-row half `half` (0, 1 in the first panel; 2, 3 in the second).
struct Half {
  const std::byte* panel;
  size_t offset;  // bytes of this half within a 64-byte group of 16 rows
};

inline Half half_of(const PanelTile& tile, int half) {
  return {tile.panel + (half / 2) * tile.panel_stride, static_cast<size_t>(half % 2) * 32};
}

// The part of a tile that skips its first skip_tokens tokens and keeps `tokens`.
inline PanelTile tokens_of(const PanelTile& tile, int skip_tokens, int tokens) {
  PanelTile part = tile;
  part.activations = tile.activations + skip_tokens * tile.activation_stride;
  if (tile.sums != nullptr) part.sums = tile.sums + skip_tokens * tile.sums_stride;
  part.tokens = tokens;
  part.y = tile.y + skip_tokens * tile.y_stride;
  return part;
}

// Several tokens: one half times up to four tokens per pass, range by range
// (range_blocks blocks at a time), so that the passes after the first read the
// range's weights from L1. Calls pass(std::integral_constant<int, kTokens>,
// part, half, begin, end) for each pass.
template <typename Pass>
void in_token_passes(const PanelTile& tile, int64_t blocks, int64_t range_blocks, Pass&& pass) {
  for (int64_t begin = 0; begin < blocks; begin += range_blocks) {
    const int64_t end = std::min(blocks, begin + range_blocks);
    for (int first = 0; first < tile.tokens; first += 4) {
      const PanelTile part = tokens_of(tile, first, std::min(4, tile.tokens - first));
      for (int half = 0; half < 2 * tile.panels; ++half) {
        switch (part.tokens) {
          case 1: pass(std::integral_constant<int, 1>{}, part, half, begin, end); break;
          case 2: pass(std::integral_constant<int, 2>{}, part, half, begin, end); break;
          case 3: pass(std::integral_constant<int, 3>{}, part, half, begin, end); break;
          default: pass(std::integral_constant<int, 4>{}, part, half, begin, end); break;
        }
      }
    }
  }
}

}  // namespace loom::kernels::avx2
