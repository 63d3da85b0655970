// AVX-512 VNNI panel kernels (kernels/panels.h): 16 rows per register lane
// set, four activation bytes broadcast per vpdpbusd. Each element sees the
// reference's operations: an exact integer block sum started from the offset
// correction, then one FMA with d_w * d_a, blocks in order; so results are
// the scalar reference's bits. Loops over tokens and chunks are unrolled so
// that weights and accumulators stay in registers (GCC keeps arrays indexed in
// a rolled loop on the stack).
#include <algorithm>
#include <cstring>

#include "kernels/panels.h"
#include "kernels/x86_avx512/avx512.h"
#include "tensor/dtype.h"

namespace loom::kernels::avx512 {
namespace {

enum class PanelFormat { kQ8_0, kQ4_0 };

inline __m512i broadcast4(const int8_t* bytes) {
  int32_t word;
  std::memcpy(&word, bytes, sizeof word);
  return _mm512_set1_epi32(word);
}

// Blocks per range when a tile takes two passes (see panel_tile_quantized).
constexpr int64_t kRangeBlocks = 8;

// kPanels panels (16 rows each) times kTokens tokens. Per four-column group,
// each token's activation bytes are broadcast once and feed one vpdpbusd per
// panel; the group loop is outside the token loop so that all the
// (panel, token) chains advance side by side and cover vpdpbusd's latency.
// Registers: kPanels * kTokens integer sums and as many float accumulators,
// two weight vectors per panel, so kPanels * kTokens <= 8.
// Blocks [first_block, end_block): a range that does not start at 0
// continues from the accumulators left in y by the range before it, so a
// tile computed in ranges has every element's operations in the same order.
template <PanelFormat kFormat, int kPanels, int kTokens>
void panel_tile_fixed(const PanelTile& tile, int64_t first_block, int64_t end_block) {
  static_assert(kPanels * kTokens <= 8, "the sums and accumulators must fit in registers");
  constexpr size_t kBlockBytes = kFormat == PanelFormat::kQ8_0 ? 544 : 288;
  constexpr size_t kScaleBytes = kPanelRows * sizeof(uint16_t);
  // With fewer than four chains their latency is the critical path: split
  // each into two (integer sums, so the result is exact).
  constexpr int kChains = kPanels * kTokens < 4 ? 2 : 1;
  const tensor::BlockQ8_0* activations[kTokens];
  const PanelActivation* sums[kTokens];
#pragma GCC unroll 8
  for (int t = 0; t < kTokens; ++t) {
    activations[t] = reinterpret_cast<const tensor::BlockQ8_0*>(tile.activations + t * tile.activation_stride);
    sums[t] = tile.sums + t * tile.sums_stride;
  }
  __m512 acc[kPanels][kTokens];
#pragma GCC unroll 8
  for (int p = 0; p < kPanels; ++p) {
#pragma GCC unroll 8
    for (int t = 0; t < kTokens; ++t) {
      acc[p][t] = first_block == 0 ? _mm512_setzero_ps() : _mm512_loadu_ps(tile.y + t * tile.y_stride + p * kPanelRows);
    }
  }
  const __m512i low_nibbles = _mm512_set1_epi8(0x0f);
  for (int64_t block = first_block; block < end_block; ++block) {
    const std::byte* source[kPanels];
#pragma GCC unroll 2
    for (int p = 0; p < kPanels; ++p) source[p] = tile.panel + p * tile.panel_stride + block * kBlockBytes;
    if constexpr (kTokens > 1) {
      // Several tokens make the kernel slow enough per byte that the hardware
      // prefetcher falls behind; asking for the panel block a range ahead
      // keeps the weights' stream going (+6% on 8-stream decode), also while
      // a second pass over the range reads it from L1. One token is
      // bandwidth-bound and loses by it.
      constexpr int64_t kBlocksAhead = kRangeBlocks;
#pragma GCC unroll 2
      for (int p = 0; p < kPanels; ++p) {
        const auto* ahead = reinterpret_cast<const char*>(source[p] + kBlocksAhead * kBlockBytes);
#pragma GCC unroll 9
        for (size_t line = 0; line < kBlockBytes; line += 64) _mm_prefetch(ahead + line, _MM_HINT_T0);
      }
    }
    __m512i sum[kChains][kPanels][kTokens];
#pragma GCC unroll 8
    for (int p = 0; p < kPanels; ++p) {
#pragma GCC unroll 8
      for (int t = 0; t < kTokens; ++t) {
        sum[0][p][t] = _mm512_set1_epi32(sums[t][block].offset);
        if constexpr (kChains == 2) sum[1][p][t] = _mm512_setzero_si512();
      }
    }
    // Column groups in pairs: one 64-byte load gives a Q4_0 pair (low and
    // high nibbles), two give a Q8_0 pair.
#pragma GCC unroll 4
    for (int pair = 0; pair < 4; ++pair) {
      __m512i weights[kPanels][2];
#pragma GCC unroll 2
      for (int p = 0; p < kPanels; ++p) {
        const std::byte* quants = source[p] + kScaleBytes;
        if constexpr (kFormat == PanelFormat::kQ8_0) {
          weights[p][0] = _mm512_loadu_si512(quants + 64 * (2 * pair));
          weights[p][1] = _mm512_loadu_si512(quants + 64 * (2 * pair + 1));
        } else {
          const __m512i packed = _mm512_loadu_si512(quants + 64 * pair);
          weights[p][0] = _mm512_and_si512(packed, low_nibbles);
          weights[p][1] = _mm512_and_si512(_mm512_srli_epi16(packed, 4), low_nibbles);
        }
      }
#pragma GCC unroll 2
      for (int half = 0; half < 2; ++half) {
        const int group = 2 * pair + half;
#pragma GCC unroll 8
        for (int t = 0; t < kTokens; ++t) {
          const __m512i a = broadcast4(activations[t][block].qs + 4 * group);
#pragma GCC unroll 2
          for (int p = 0; p < kPanels; ++p) {
            __m512i& chain = sum[group % kChains][p][t];
            chain = _mm512_dpbusd_epi32(chain, weights[p][half], a);
          }
        }
      }
    }
#pragma GCC unroll 2
    for (int p = 0; p < kPanels; ++p) {
      const __m512 weight_scale = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(source[p])));
#pragma GCC unroll 8
      for (int t = 0; t < kTokens; ++t) {
        __m512i total = sum[0][p][t];
        if constexpr (kChains == 2) total = _mm512_add_epi32(total, sum[1][p][t]);
        const __m512 d = _mm512_mul_ps(weight_scale, _mm512_set1_ps(sums[t][block].d));
        acc[p][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(total), d, acc[p][t]);
      }
    }
  }
#pragma GCC unroll 2
  for (int p = 0; p < kPanels; ++p) {
#pragma GCC unroll 8
    for (int t = 0; t < kTokens; ++t) _mm512_storeu_ps(tile.y + t * tile.y_stride + p * kPanelRows, acc[p][t]);
  }
}

// F16 panels: per column, one conversion gives 16 rows' weights; each token
// adds weight * its activation (broadcast, shared by the panels) to the chain
// of the column's parity. Two chains per (panel, token), whatever the count
// (the reference's order), so one token still has two FMAs in flight.
template <int kPanels, int kTokens>
void panel_tile_f16_fixed(const PanelTile& tile) {
  static_assert(kPanels * kTokens <= 8, "the accumulators must fit in registers");
  const uint16_t* columns[kPanels];
#pragma GCC unroll 2
  for (int p = 0; p < kPanels; ++p) {
    columns[p] = reinterpret_cast<const uint16_t*>(tile.panel + p * tile.panel_stride);
  }
  const float* x[kTokens];
  __m512 even[kPanels][kTokens], odd[kPanels][kTokens];
#pragma GCC unroll 8
  for (int t = 0; t < kTokens; ++t) {
    x[t] = reinterpret_cast<const float*>(tile.activations + t * tile.activation_stride);
#pragma GCC unroll 2
    for (int p = 0; p < kPanels; ++p) even[p][t] = odd[p][t] = _mm512_setzero_ps();
  }
  const auto column = [&](int p, int64_t i) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(columns[p] + i * kPanelRows)));
  };
  int64_t i = 0;
  for (; i + 2 <= tile.n; i += 2) {
    __m512 w0[kPanels], w1[kPanels];
#pragma GCC unroll 2
    for (int p = 0; p < kPanels; ++p) {
      w0[p] = column(p, i);
      w1[p] = column(p, i + 1);
    }
#pragma GCC unroll 8
    for (int t = 0; t < kTokens; ++t) {
      const __m512 x0 = _mm512_set1_ps(x[t][i]), x1 = _mm512_set1_ps(x[t][i + 1]);
#pragma GCC unroll 2
      for (int p = 0; p < kPanels; ++p) {
        even[p][t] = _mm512_fmadd_ps(w0[p], x0, even[p][t]);
        odd[p][t] = _mm512_fmadd_ps(w1[p], x1, odd[p][t]);
      }
    }
  }
  if (i < tile.n) {  // an odd column count: the last column is even
#pragma GCC unroll 2
    for (int p = 0; p < kPanels; ++p) {
      const __m512 w0 = column(p, i);
#pragma GCC unroll 8
      for (int t = 0; t < kTokens; ++t) even[p][t] = _mm512_fmadd_ps(w0, _mm512_set1_ps(x[t][i]), even[p][t]);
    }
  }
#pragma GCC unroll 2
  for (int p = 0; p < kPanels; ++p) {
#pragma GCC unroll 8
    for (int t = 0; t < kTokens; ++t) {
      _mm512_storeu_ps(tile.y + t * tile.y_stride + p * kPanelRows, _mm512_add_ps(even[p][t], odd[p][t]));
    }
  }
}

static_assert(kPanelTokens == 8 && kTilePanels == 2, "panel_tile dispatches 1..8 tokens, 1..2 panels");

// The part of a tile that skips its first skip_tokens tokens and skip_panels
// panels and keeps `tokens` tokens of `panels` panels.
PanelTile part_of(const PanelTile& tile, int skip_tokens, int skip_panels, int tokens, int panels) {
  PanelTile part = tile;
  part.panel = tile.panel + skip_panels * tile.panel_stride;
  part.panels = panels;
  part.activations = tile.activations + skip_tokens * tile.activation_stride;
  if (tile.sums != nullptr) part.sums = tile.sums + skip_tokens * tile.sums_stride;
  part.tokens = tokens;
  part.y = tile.y + skip_tokens * tile.y_stride + skip_panels * kPanelRows;
  return part;
}

// One panel: up to 8 tokens in one pass. Two panels: up to 4 tokens per pass
// (the register budget); 5..8 tokens take two passes, range by range, so the
// second pass reads each range from L1 while the prefetches of the first keep
// the weights coming from memory.
template <PanelFormat kFormat>
void panel_tile_quantized(const PanelTile& tile) {
  const int64_t blocks = tile.n / tensor::kQK8_0;
  if (tile.panels == 1) {
    switch (tile.tokens) {
      case 1: return panel_tile_fixed<kFormat, 1, 1>(tile, 0, blocks);
      case 2: return panel_tile_fixed<kFormat, 1, 2>(tile, 0, blocks);
      case 3: return panel_tile_fixed<kFormat, 1, 3>(tile, 0, blocks);
      case 4: return panel_tile_fixed<kFormat, 1, 4>(tile, 0, blocks);
      case 5: return panel_tile_fixed<kFormat, 1, 5>(tile, 0, blocks);
      case 6: return panel_tile_fixed<kFormat, 1, 6>(tile, 0, blocks);
      case 7: return panel_tile_fixed<kFormat, 1, 7>(tile, 0, blocks);
      default: return panel_tile_fixed<kFormat, 1, 8>(tile, 0, blocks);
    }
  }
  switch (tile.tokens) {
    case 1: return panel_tile_fixed<kFormat, 2, 1>(tile, 0, blocks);
    case 2: return panel_tile_fixed<kFormat, 2, 2>(tile, 0, blocks);
    case 3: return panel_tile_fixed<kFormat, 2, 3>(tile, 0, blocks);
    case 4: return panel_tile_fixed<kFormat, 2, 4>(tile, 0, blocks);
    default: break;
  }
  const PanelTile first = part_of(tile, 0, 0, 4, 2), second = part_of(tile, 4, 0, tile.tokens - 4, 2);
  for (int64_t begin = 0; begin < blocks; begin += kRangeBlocks) {
    const int64_t end = std::min(blocks, begin + kRangeBlocks);
    panel_tile_fixed<kFormat, 2, 4>(first, begin, end);
    switch (second.tokens) {
      case 1: panel_tile_fixed<kFormat, 2, 1>(second, begin, end); break;
      case 2: panel_tile_fixed<kFormat, 2, 2>(second, begin, end); break;
      case 3: panel_tile_fixed<kFormat, 2, 3>(second, begin, end); break;
      default: panel_tile_fixed<kFormat, 2, 4>(second, begin, end); break;
    }
  }
}

// F16: one panel up to 8 tokens in one pass, two panels up to 4 per pass.
void panel_tile_f16_any(const PanelTile& tile) {
  if (tile.panels == 1) {
    switch (tile.tokens) {
      case 1: return panel_tile_f16_fixed<1, 1>(tile);
      case 2: return panel_tile_f16_fixed<1, 2>(tile);
      case 3: return panel_tile_f16_fixed<1, 3>(tile);
      case 4: return panel_tile_f16_fixed<1, 4>(tile);
      case 5: return panel_tile_f16_fixed<1, 5>(tile);
      case 6: return panel_tile_f16_fixed<1, 6>(tile);
      case 7: return panel_tile_f16_fixed<1, 7>(tile);
      default: return panel_tile_f16_fixed<1, 8>(tile);
    }
  }
  for (int first = 0; first < tile.tokens; first += 4) {
    const PanelTile part = part_of(tile, first, 0, std::min(4, tile.tokens - first), 2);
    switch (part.tokens) {
      case 1: panel_tile_f16_fixed<2, 1>(part); break;
      case 2: panel_tile_f16_fixed<2, 2>(part); break;
      case 3: panel_tile_f16_fixed<2, 3>(part); break;
      default: panel_tile_f16_fixed<2, 4>(part); break;
    }
  }
}

}  // namespace

void panel_tile_q8_0(const PanelTile& tile) { panel_tile_quantized<PanelFormat::kQ8_0>(tile); }
void panel_tile_q4_0(const PanelTile& tile) { panel_tile_quantized<PanelFormat::kQ4_0>(tile); }
void panel_tile_f16(const PanelTile& tile) { panel_tile_f16_any(tile); }

}  // namespace loom::kernels::avx512
