// AVX2 panel kernels (kernels/panels.h). A panel's 16 rows are two halves of
// 8 rows, one 256-bit register of 4-byte row groups each. AVX2 has no vpdpbusd,
// so a 4-element dot product for 8 rows is vpmaddubsw (unsigned weight bytes
// times signed activation bytes, adjacent pairs summed to 16 bits) followed by
// vpmaddwd against ones (pairs of those to 32 bits):
//  - Q4_0: nibbles are at most 15, so eight groups' 16-bit pair sums (at most
//    8 * 2 * 15 * 128 = 30720) add up in 16 bits before one vpmaddwd per block;
//  - Q8_0: the stored bytes are w + 128, whose products would saturate 16 bits.
//    The kernel takes w back (xor 0x80) and multiplies |w| by a with w's sign
//    (vpsignb), as llama.cpp's AVX2 kernels do: pair sums stay within 2 * 128 *
//    127 as long as activations are in [-127, 127], which Q8_0 quantization
//    guarantees. Summing w * a directly, the sum starts from 0, not from the
//    offset correction that the +128 form needs.
// Either way each block's integer sum is exact, then one FMA with d_w * d_a
// per block in order: the scalar reference's bits. Loops over halves and
// tokens are unrolled so that accumulators stay in registers (16 of them).
#include <algorithm>
#include <cstring>

#include "kernels/panels.h"
#include "kernels/x86_avx2/avx2.h"
#include "kernels/x86_avx2/panel_halves.h"
#include "tensor/dtype.h"

namespace loom::kernels::avx2 {
namespace {

enum class PanelFormat { kQ8_0, kQ4_0 };

// Blocks per range when a tile takes several passes (panel_tile_quantized).
constexpr int64_t kRangeBlocks = 8;

// One token is bandwidth-bound, and on AMD Zen 3 the hardware prefetchers
// alone did not keep the weights coming: asking for the panel block four
// blocks ahead took Qwen3-0.6B Q4_0 decode from 54.7 to 59.9 tok/s and
// Llama-3.2-1B Q8_0 from 18.4 to 23.5 (8 blocks ahead: 58.9 and 20.2). The
// same in the F16 kernel (2 and 4 KB ahead) changed nothing.
constexpr int64_t kPrefetchBlocks = 4;

// kHalves halves (from first_half) times kTokens tokens over blocks
// [first_block, end_block). A range that does not start at block 0 continues
// from the accumulators left in y by the range before it, so a tile computed
// in ranges has every element's operations in the same order.
template <PanelFormat kFormat, int kHalves, int kTokens>
void panel_tile_fixed(const PanelTile& tile, int first_half, int64_t first_block, int64_t end_block) {
  static_assert(kHalves * kTokens <= 4, "sums and accumulators must fit in 16 registers");
  constexpr size_t kBlockBytes = kFormat == PanelFormat::kQ8_0 ? 544 : 288;
  constexpr size_t kScaleBytes = kPanelRows * sizeof(uint16_t);
  const tensor::BlockQ8_0* activations[kTokens];
  const PanelActivation* sums[kTokens];
#pragma GCC unroll 4
  for (int t = 0; t < kTokens; ++t) {
    activations[t] = reinterpret_cast<const tensor::BlockQ8_0*>(tile.activations + t * tile.activation_stride);
    sums[t] = tile.sums + t * tile.sums_stride;
  }
  Half halves[kHalves];
  float* y[kHalves][kTokens];
  __m256 acc[kHalves][kTokens];
#pragma GCC unroll 4
  for (int h = 0; h < kHalves; ++h) {
    halves[h] = half_of(tile, first_half + h);
#pragma GCC unroll 4
    for (int t = 0; t < kTokens; ++t) {
      y[h][t] = tile.y + t * tile.y_stride + (first_half + h) * kHalfRows;
      acc[h][t] = first_block == 0 ? _mm256_setzero_ps() : _mm256_loadu_ps(y[h][t]);
    }
  }
  const __m256i low_nibbles = _mm256_set1_epi8(0x0f);
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t block = first_block; block < end_block; ++block) {
    if constexpr (kTokens == 1) {
#pragma GCC unroll 4
      for (int h = 0; h < kHalves; h += 2) {
        const auto* ahead = reinterpret_cast<const char*>(halves[h].panel + (block + kPrefetchBlocks) * kBlockBytes);
#pragma GCC unroll 9
        for (size_t line = 0; line < kBlockBytes; line += 64) _mm_prefetch(ahead + line, _MM_HINT_T0);
      }
    }
    __m256i sum[kHalves][kTokens];  // 16-bit pair sums (Q4_0) or 32-bit sums (Q8_0)
#pragma GCC unroll 4
    for (int h = 0; h < kHalves; ++h) {
#pragma GCC unroll 4
      for (int t = 0; t < kTokens; ++t) sum[h][t] = _mm256_setzero_si256();
    }
#pragma GCC unroll 4
    for (int h = 0; h < kHalves; ++h) {
      const std::byte* quants = halves[h].panel + block * kBlockBytes + kScaleBytes + halves[h].offset;
      if constexpr (kFormat == PanelFormat::kQ4_0) {
#pragma GCC unroll 4
        for (int pair = 0; pair < 4; ++pair) {
          const __m256i packed = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(quants + 64 * pair));
          const __m256i low = _mm256_and_si256(packed, low_nibbles);
          const __m256i high = _mm256_and_si256(_mm256_srli_epi16(packed, 4), low_nibbles);
#pragma GCC unroll 4
          for (int t = 0; t < kTokens; ++t) {
            const int8_t* a = activations[t][block].qs + 8 * pair;
            // Saturating adds, which never saturate here: GCC does not
            // reassociate them (see keep_in_order).
            sum[h][t] = _mm256_adds_epi16(sum[h][t], _mm256_maddubs_epi16(low, broadcast4(a)));
            sum[h][t] = _mm256_adds_epi16(sum[h][t], _mm256_maddubs_epi16(high, broadcast4(a + 4)));
          }
        }
      } else {
#pragma GCC unroll 8
        for (int group = 0; group < 8; ++group) {
          const __m256i stored = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(quants + 64 * group));
          const __m256i weight = _mm256_xor_si256(stored, _mm256_set1_epi8(static_cast<char>(0x80)));
          const __m256i magnitude = _mm256_abs_epi8(weight);
#pragma GCC unroll 4
          for (int t = 0; t < kTokens; ++t) {
            const __m256i signed_a = _mm256_sign_epi8(broadcast4(activations[t][block].qs + 4 * group), weight);
            sum[h][t] = _mm256_add_epi32(sum[h][t], _mm256_madd_epi16(_mm256_maddubs_epi16(magnitude, signed_a), ones));
            keep_in_order(sum[h][t]);
          }
        }
      }
    }
#pragma GCC unroll 4
    for (int h = 0; h < kHalves; ++h) {
      const auto* scales = reinterpret_cast<const __m128i*>(halves[h].panel + block * kBlockBytes + halves[h].offset / 2);
      const __m256 weight_scale = _mm256_cvtph_ps(_mm_loadu_si128(scales));
#pragma GCC unroll 4
      for (int t = 0; t < kTokens; ++t) {
        __m256i total = sum[h][t];
        if constexpr (kFormat == PanelFormat::kQ4_0) {
          total = _mm256_add_epi32(_mm256_set1_epi32(sums[t][block].offset), _mm256_madd_epi16(total, ones));
        }
        const __m256 d = _mm256_mul_ps(weight_scale, _mm256_set1_ps(sums[t][block].d));
        acc[h][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), d, acc[h][t]);
      }
    }
  }
#pragma GCC unroll 4
  for (int h = 0; h < kHalves; ++h) {
#pragma GCC unroll 4
    for (int t = 0; t < kTokens; ++t) _mm256_storeu_ps(y[h][t], acc[h][t]);
  }
}

// F16 and BF16 panels: per column and half, one conversion (kLoad) gives 8
// rows' weights; each token adds weight * its activation to the chain of the
// column's parity. Two chains per (half, token), as the reference: s_even +
// s_odd at the end.
template <__m256 (*kLoad)(const uint16_t*), int kHalves, int kTokens>
void panel_tile_16_bit_fixed(const PanelTile& tile, int first_half) {
  static_assert(kHalves * kTokens <= 4, "the accumulators must fit in registers");
  const uint16_t* columns[kHalves];
  __m256 even[kHalves][kTokens], odd[kHalves][kTokens];
  const float* x[kTokens];
#pragma GCC unroll 4
  for (int t = 0; t < kTokens; ++t) x[t] = reinterpret_cast<const float*>(tile.activations + t * tile.activation_stride);
#pragma GCC unroll 4
  for (int h = 0; h < kHalves; ++h) {
    const Half half = half_of(tile, first_half + h);
    columns[h] = reinterpret_cast<const uint16_t*>(half.panel + half.offset / 2);
#pragma GCC unroll 4
    for (int t = 0; t < kTokens; ++t) even[h][t] = odd[h][t] = _mm256_setzero_ps();
  }
  const auto column = [&](int h, int64_t i) { return kLoad(columns[h] + i * kPanelRows); };
  int64_t i = 0;
  for (; i + 2 <= tile.n; i += 2) {
#pragma GCC unroll 4
    for (int h = 0; h < kHalves; ++h) {
      const __m256 w0 = column(h, i), w1 = column(h, i + 1);
#pragma GCC unroll 4
      for (int t = 0; t < kTokens; ++t) {
        even[h][t] = _mm256_fmadd_ps(w0, _mm256_set1_ps(x[t][i]), even[h][t]);
        odd[h][t] = _mm256_fmadd_ps(w1, _mm256_set1_ps(x[t][i + 1]), odd[h][t]);
      }
    }
  }
  if (i < tile.n) {  // an odd column count: the last column is even
#pragma GCC unroll 4
    for (int h = 0; h < kHalves; ++h) {
      const __m256 w0 = column(h, i);
#pragma GCC unroll 4
      for (int t = 0; t < kTokens; ++t) even[h][t] = _mm256_fmadd_ps(w0, _mm256_set1_ps(x[t][i]), even[h][t]);
    }
  }
#pragma GCC unroll 4
  for (int h = 0; h < kHalves; ++h) {
#pragma GCC unroll 4
    for (int t = 0; t < kTokens; ++t) {
      _mm256_storeu_ps(tile.y + t * tile.y_stride + (first_half + h) * kHalfRows, _mm256_add_ps(even[h][t], odd[h][t]));
    }
  }
}

static_assert(kPanelTokens == 8 && kTilePanels == 2, "panel_tile dispatches 1..8 tokens, 1..2 panels");

// One token: every half of the tile in one pass (one weight stream). Several
// tokens: one half times up to four tokens per pass, range by range, so the
// passes after the first read the range's weights from L1.
template <PanelFormat kFormat>
void panel_tile_quantized(const PanelTile& tile) {
  const int64_t blocks = tile.n / tensor::kQK8_0;
  if (tile.tokens == 1) {
    if (tile.panels == 1) return panel_tile_fixed<kFormat, 2, 1>(tile, 0, 0, blocks);
    return panel_tile_fixed<kFormat, 4, 1>(tile, 0, 0, blocks);
  }
  const auto pass = [](auto tokens, const PanelTile& part, int half, int64_t begin, int64_t end) {
    panel_tile_fixed<kFormat, 1, decltype(tokens)::value>(part, half, begin, end);
  };
  in_token_passes(tile, blocks, kRangeBlocks, pass);
}

// F16 and BF16: one token, every half in one pass; several, one half times up
// to four tokens per pass.
template <__m256 (*kLoad)(const uint16_t*)>
void panel_tile_16_bit(const PanelTile& tile) {
  if (tile.tokens == 1) {
    if (tile.panels == 1) return panel_tile_16_bit_fixed<kLoad, 2, 1>(tile, 0);
    return panel_tile_16_bit_fixed<kLoad, 4, 1>(tile, 0);
  }
  // No blocks: the whole row is one range.
  in_token_passes(tile, 1, 1, [](auto tokens, const PanelTile& part, int half, int64_t, int64_t) {
    panel_tile_16_bit_fixed<kLoad, 1, decltype(tokens)::value>(part, half);
  });
}

}  // namespace

void panel_tile_q8_0(const PanelTile& tile) { panel_tile_quantized<PanelFormat::kQ8_0>(tile); }
void panel_tile_q4_0(const PanelTile& tile) { panel_tile_quantized<PanelFormat::kQ4_0>(tile); }
void panel_tile_f16(const PanelTile& tile) { panel_tile_16_bit<load_f16>(tile); }
void panel_tile_bf16(const PanelTile& tile) { panel_tile_16_bit<load_bf16>(tile); }

}  // namespace loom::kernels::avx2
