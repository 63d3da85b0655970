// AVX2 panel kernels for Q4_K and Q6_K weights (kernels/panels.h) times Q8_K
// activations. As for Q4_0 (panels_avx2.cc), a panel's 16 rows are two halves
// of 8, one row per 32-bit lane; a 4-element dot product for 8 rows is
// vpmaddubsw (unsigned weight bytes times signed activation bytes) into 16-bit
// pair sums, then vpmaddwd. Here that vpmaddwd multiplies by the rows' 6- or
// 8-bit sub-block scale (in both 16-bit halves of each lane) instead of by
// ones, so each super-block's scaled integer sum is exact:
//  - Q4_K: per 32-element sub-block, eight pair sums of nibbles (at most
//    8 * 2 * 15 * 127 = 30480) add up in 16 bits, then one vpmaddwd by the
//    scale; the mins take sum_j min_j * (bsums[2j] + bsums[2j+1]), one
//    vpmaddwd per two sub-blocks against the activation's sub-block sums
//    (packed to 16-bit pairs), the mins unpacked once for all tokens;
//  - Q6_K: quants are used unsigned (0..63), two pair sums at a time (at most
//    2 * 2 * 63 * 127 = 32004), and the -32 offset comes back through
//    sum_g scale_g * bsums[g].
// Then each super-block is scaled in vec_dot's order (d * float(sum), then
// dmin * float(mins) subtracted for Q4_K): the reference's bits.
#include <algorithm>
#include <cstring>

#include "kernels/panels.h"
#include "kernels/panels_k_quants.h"
#include "kernels/x86_avx2/avx2.h"
#include "kernels/x86_avx2/panel_halves.h"
#include "tensor/dtype.h"

namespace loom::kernels::avx2 {
namespace {

using tensor::BlockQ8_K;
using tensor::kQK_K;

enum class KFormat { kQ4_K, kQ6_K };

// Super-blocks per range when a tile takes several passes, so that the passes
// after the first read the range's weights from L1 (2 panels x 2 super-blocks
// of Q6_K are 13 KB).
constexpr int64_t kRangeBlocks = 2;

template <KFormat kFormat>
constexpr size_t kBlockBytes = kFormat == KFormat::kQ4_K ? 2304 : 3360;

inline __m256i load(const std::byte* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// vpshufb masks over 4 bytes per row (one row per 32-bit lane): byte i of
// each lane into the low byte of both 16-bit halves, zero-extended (kSpread)
// or into both bytes of both halves (kRepeat), or bytes i and i + 1 into both
// bytes of the low and the high half (kPair); an arithmetic shift right by 8
// then sign-extends the last two. LOOM_LANES repeats a lane's 4 indices for
// the 4 lanes of a 128-bit half (0x80 + 4k keeps the high bit: a zero byte).
alignas(32) constexpr uint8_t kSpread[4][32] = {
#define LOOM_LANES(a, b, c, d) \
  a, b, c, d, a + 4, b + 4, c + 4, d + 4, a + 8, b + 8, c + 8, d + 8, a + 12, b + 12, c + 12, d + 12
    {LOOM_LANES(0, 0x80, 0, 0x80), LOOM_LANES(0, 0x80, 0, 0x80)},
    {LOOM_LANES(1, 0x80, 1, 0x80), LOOM_LANES(1, 0x80, 1, 0x80)},
    {LOOM_LANES(2, 0x80, 2, 0x80), LOOM_LANES(2, 0x80, 2, 0x80)},
    {LOOM_LANES(3, 0x80, 3, 0x80), LOOM_LANES(3, 0x80, 3, 0x80)},
};
alignas(32) constexpr uint8_t kRepeat[4][32] = {
    {LOOM_LANES(0, 0, 0, 0), LOOM_LANES(0, 0, 0, 0)},
    {LOOM_LANES(1, 1, 1, 1), LOOM_LANES(1, 1, 1, 1)},
    {LOOM_LANES(2, 2, 2, 2), LOOM_LANES(2, 2, 2, 2)},
    {LOOM_LANES(3, 3, 3, 3), LOOM_LANES(3, 3, 3, 3)},
};
// Bytes i and i + 1 of each lane zero-extended into its two 16-bit halves:
// two sub-blocks' Q4_K mins, for one vpmaddwd with two sub-blocks' sums.
alignas(32) constexpr uint8_t kTwoMins[2][32] = {
    {LOOM_LANES(0, 0x80, 1, 0x80), LOOM_LANES(0, 0x80, 1, 0x80)},
    {LOOM_LANES(2, 0x80, 3, 0x80), LOOM_LANES(2, 0x80, 3, 0x80)},
};
alignas(32) constexpr uint8_t kPair[2][32] = {
    {LOOM_LANES(0, 0, 1, 1), LOOM_LANES(0, 0, 1, 1)},
    {LOOM_LANES(2, 2, 3, 3), LOOM_LANES(2, 2, 3, 3)},
};
#undef LOOM_LANES

inline __m256i shuffle(__m256i bytes, const uint8_t (&mask)[32]) {
  return _mm256_shuffle_epi8(bytes, _mm256_load_si256(reinterpret_cast<const __m256i*>(mask)));
}

// The 6-bit scales (scales = true) or mins of sub-blocks 0-3 (low) and 4-7
// (high) of a Q4_K half: byte j % 4 of each row's lane (GGUF's packing).
struct SixBit {
  __m256i low, high;
};

inline SixBit q4_K_six_bit(const std::byte* base, size_t offset, bool scales) {
  using namespace k_panels;
  const __m256i a = load(base + kQ4KScales + offset), b = load(base + kQ4KScales + 64 + offset);
  const __m256i c = load(base + kQ4KScales + 128 + offset);
  const __m256i six = _mm256_set1_epi8(0x3f), top = _mm256_set1_epi8(0x30), nibble = _mm256_set1_epi8(0x0f);
  // Bits 4-5 of values 4-7 are the top two bits of bytes 0-3 of a (scales) or b (mins).
  const __m256i first = scales ? a : b;
  const __m256i low_bits = scales ? c : _mm256_srli_epi32(c, 4);
  return {_mm256_and_si256(first, six),
          _mm256_or_si256(_mm256_and_si256(low_bits, nibble), _mm256_and_si256(_mm256_srli_epi32(first, 2), top))};
}

// One token is bandwidth-bound: while a panel's first half computes a
// super-block, it asks for the panel's next super-block, slice `step` of
// `steps` at a time. A burst of all of it at once stalled on the few
// outstanding misses a core can track (a fifth of the Q4_K kernel's time).
template <size_t kBytes>
inline void prefetch_slice(const std::byte* ahead, int step, int steps) {
  if (ahead == nullptr) return;
  constexpr size_t kLines = (kBytes + 63) / 64;
  for (size_t line = kLines * step / steps; line < kLines * (step + 1) / steps; ++line) {
    _mm_prefetch(reinterpret_cast<const char*>(ahead) + 64 * line, _MM_HINT_T0);
  }
}

// kHalves halves of one panel (from the one at byte `offset` of each 64-byte
// group) times kTokens tokens, one super-block: the exact integer sums. Two
// halves share each activation broadcast.
template <int kHalves, int kTokens>
inline void q4_K_sums(const std::byte* base, size_t offset, const BlockQ8_K* const* activations, int64_t block,
                      const std::byte* ahead, __m256i (&scaled)[kHalves][kTokens]) {
  const __m256i nibble = _mm256_set1_epi8(0x0f);
  SixBit scales[kHalves];
#pragma GCC unroll 2
  for (int h = 0; h < kHalves; ++h) {
    scales[h] = q4_K_six_bit(base, offset + 32 * h, true);
#pragma GCC unroll 4
    for (int t = 0; t < kTokens; ++t) scaled[h][t] = _mm256_setzero_si256();
  }
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) {
    prefetch_slice<kBlockBytes<KFormat::kQ4_K>>(ahead, j, 8);
    __m256i pair_sums[kHalves][kTokens];
#pragma GCC unroll 2
    for (int h = 0; h < kHalves; ++h) {
#pragma GCC unroll 4
      for (int t = 0; t < kTokens; ++t) pair_sums[h][t] = _mm256_setzero_si256();
    }
    const std::byte* quants = base + k_panels::kQ4KQuants + j * 256 + offset;
#pragma GCC unroll 4
    for (int c = 0; c < 4; ++c) {
      __m256i low[kHalves], high[kHalves];
#pragma GCC unroll 2
      for (int h = 0; h < kHalves; ++h) {
        const __m256i packed = load(quants + 64 * c + 32 * h);
        low[h] = _mm256_and_si256(packed, nibble);
        high[h] = _mm256_and_si256(_mm256_srli_epi16(packed, 4), nibble);
      }
#pragma GCC unroll 4
      for (int t = 0; t < kTokens; ++t) {
        const int8_t* a = activations[t][block].qs + 32 * j + 8 * c;
        const __m256i a_low = broadcast4(a), a_high = broadcast4(a + 4);
#pragma GCC unroll 2
        for (int h = 0; h < kHalves; ++h) {
          // Saturating adds, which never saturate here, and which GCC keeps in order.
          pair_sums[h][t] = _mm256_adds_epi16(pair_sums[h][t], _mm256_maddubs_epi16(low[h], a_low));
          pair_sums[h][t] = _mm256_adds_epi16(pair_sums[h][t], _mm256_maddubs_epi16(high[h], a_high));
        }
      }
    }
#pragma GCC unroll 2
    for (int h = 0; h < kHalves; ++h) {
      const __m256i scale = shuffle(j < 4 ? scales[h].low : scales[h].high, kSpread[j % 4]);
#pragma GCC unroll 4
      for (int t = 0; t < kTokens; ++t) {
        scaled[h][t] = _mm256_add_epi32(scaled[h][t], _mm256_madd_epi16(pair_sums[h][t], scale));
        keep_in_order(scaled[h][t]);
      }
    }
  }
}

// sum_j min_j * (bsums[2j] + bsums[2j + 1]) of kHalves halves times kTokens
// tokens, two sub-blocks per vpmaddwd: the rows' mins of sub-blocks (2k,
// 2k + 1) as 16-bit pairs, against each token's sub-block sums (|.| <= 4096)
// packed to 16-bit pairs, at words 0, 1, 4, 5, and broadcast once for all
// halves. Integers: exact in any order.
template <int kHalves, int kTokens>
inline void q4_K_min_sums(const std::byte* base, size_t offset, const BlockQ8_K* const* activations, int64_t block,
                          __m256i (&min_sums)[kHalves][kTokens]) {
  __m256i two_mins[kHalves][4];
#pragma GCC unroll 2
  for (int h = 0; h < kHalves; ++h) {
    const SixBit mins = q4_K_six_bit(base, offset + 32 * h, false);
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) two_mins[h][k] = shuffle(k < 2 ? mins.low : mins.high, kTwoMins[k % 2]);
  }
#pragma GCC unroll 4
  for (int t = 0; t < kTokens; ++t) {
    const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(activations[t][block].bsums));
    const __m256i sub_sums = _mm256_madd_epi16(bsums, _mm256_set1_epi16(1));
    const __m256i pairs = _mm256_packs_epi32(sub_sums, sub_sums);
#pragma GCC unroll 2
    for (int h = 0; h < kHalves; ++h) min_sums[h][t] = _mm256_setzero_si256();
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) {
      const __m256i two_sums = _mm256_permutevar8x32_epi32(pairs, _mm256_set1_epi32(k % 2 + 4 * (k / 2)));
#pragma GCC unroll 2
      for (int h = 0; h < kHalves; ++h) {
        min_sums[h][t] = _mm256_add_epi32(min_sums[h][t], _mm256_madd_epi16(two_mins[h][k], two_sums));
      }
    }
  }
}

template <int kHalves, int kTokens>
inline void q6_K_sums(const std::byte* base, size_t offset, const BlockQ8_K* const* activations, int64_t block,
                      const std::byte* ahead, __m256i (&scaled)[kHalves][kTokens]) {
  using namespace k_panels;
  const __m256i nibble = _mm256_set1_epi8(0x0f), top = _mm256_set1_epi8(0x30);
#pragma GCC unroll 2
  for (int h = 0; h < kHalves; ++h) {
#pragma GCC unroll 4
    for (int t = 0; t < kTokens; ++t) scaled[h][t] = _mm256_setzero_si256();
  }
#pragma GCC unroll 16
  for (int g = 0; g < 16; ++g) {  // 16-element groups: sub-block g / 2, chunk pair g % 2
    const int j = g / 2, chunks = g % 2;
    prefetch_slice<kBlockBytes<KFormat::kQ6_K>>(ahead, g, 16);
    __m256i scale[kHalves], high[kHalves];
#pragma GCC unroll 2
    for (int h = 0; h < kHalves; ++h) {
      const __m256i scales = load(base + kQ6KScales + 64 * (g / 4) + offset + 32 * h);
      scale[h] = _mm256_srai_epi16(shuffle(scales, kRepeat[g % 4]), 8);
      high[h] = load(base + kQ6KHigh + (2 * j + chunks) * 64 + offset + 32 * h);
    }
#pragma GCC unroll 2
    for (int pair = 0; pair < 2; ++pair) {
      __m256i q0[kHalves], q1[kHalves];
#pragma GCC unroll 2
      for (int h = 0; h < kHalves; ++h) {
        const __m256i packed = load(base + kQ6KLow + (4 * j + 2 * chunks + pair) * 64 + offset + 32 * h);
        // Elements 16 chunks + 8 pair + 0..3 and + 4..7: high bits 2s..2s+1, s = 2 pair and 2 pair + 1.
        const __m256i high0 = pair == 0 ? _mm256_slli_epi16(high[h], 4) : high[h];
        const __m256i high1 = pair == 0 ? _mm256_slli_epi16(high[h], 2) : _mm256_srli_epi16(high[h], 2);
        q0[h] = _mm256_or_si256(_mm256_and_si256(packed, nibble), _mm256_and_si256(high0, top));
        q1[h] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(packed, 4), nibble), _mm256_and_si256(high1, top));
      }
#pragma GCC unroll 4
      for (int t = 0; t < kTokens; ++t) {
        const int8_t* a = activations[t][block].qs + 16 * g + 8 * pair;
        const __m256i a0 = broadcast4(a), a1 = broadcast4(a + 4);
#pragma GCC unroll 2
        for (int h = 0; h < kHalves; ++h) {
          const __m256i pair_sums =
              _mm256_adds_epi16(_mm256_maddubs_epi16(q0[h], a0), _mm256_maddubs_epi16(q1[h], a1));
          scaled[h][t] = _mm256_add_epi32(scaled[h][t], _mm256_madd_epi16(pair_sums, scale[h]));
          keep_in_order(scaled[h][t]);
        }
      }
    }
  }
}

// `halves` halves from first_half, kHalves at a time (two: one panel's pair),
// times kTokens tokens over super-blocks [first_block, end_block). The
// running sums live in y: a range that does not start at block 0 continues
// from what the range before it left there, so a tile computed in ranges has
// every element's operations in the same order.
template <KFormat kFormat, int kHalves, int kTokens>
void k_quant_tile_fixed(const PanelTile& tile, int first_half, int halves, int64_t first_block, int64_t end_block) {
  static_assert(kHalves * kTokens <= 4, "sums and pair sums must fit in 16 registers");
  static_assert(kHalves == 1 || kHalves == 2, "the halves of one panel");
  constexpr size_t kBytes = kBlockBytes<kFormat>;
  const BlockQ8_K* activations[kTokens];
#pragma GCC unroll 4
  for (int t = 0; t < kTokens; ++t) {
    activations[t] = reinterpret_cast<const BlockQ8_K*>(tile.activations + t * tile.activation_stride);
  }
  for (int64_t block = first_block; block < end_block; ++block) {
    for (int group = first_half; group < first_half + halves; group += kHalves) {
      const Half first = half_of(tile, group);
      const std::byte* base = first.panel + block * kBytes;
      const std::byte* ahead = kTokens == 1 && first.offset == 0 ? base + kBytes : nullptr;
      __m256i scaled[kHalves][kTokens], min_sums[kHalves][kTokens];
      if constexpr (kFormat == KFormat::kQ4_K) {
        q4_K_sums<kHalves, kTokens>(base, first.offset, activations, block, ahead, scaled);
        q4_K_min_sums<kHalves, kTokens>(base, first.offset, activations, block, min_sums);
      } else {
        q6_K_sums<kHalves, kTokens>(base, first.offset, activations, block, ahead, scaled);
      }
#pragma GCC unroll 2
      for (int h = 0; h < kHalves; ++h) {
        const size_t offset = first.offset + 32 * h;
        const __m256 d_weights = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(base + offset / 2)));
#pragma GCC unroll 4
        for (int t = 0; t < kTokens; ++t) {
          float* y = tile.y + t * tile.y_stride + (group + h) * kHalfRows;
          const BlockQ8_K& a = activations[t][block];
          const __m256 d = _mm256_mul_ps(d_weights, _mm256_set1_ps(a.d));
          __m256 acc = block == 0 ? _mm256_setzero_ps() : _mm256_loadu_ps(y);
          if constexpr (kFormat == KFormat::kQ4_K) {
            acc = _mm256_add_ps(acc, _mm256_mul_ps(d, _mm256_cvtepi32_ps(scaled[h][t])));
            const __m256 d_mins =
                _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(base + 32 + offset / 2)));
            acc = _mm256_sub_ps(acc, _mm256_mul_ps(_mm256_mul_ps(d_mins, _mm256_set1_ps(a.d)),
                                                   _mm256_cvtepi32_ps(min_sums[h][t])));
          } else {
            __m256i correction = _mm256_setzero_si256();
#pragma GCC unroll 8
            for (int g = 0; g < 16; g += 2) {
              const __m256i scales = load(base + k_panels::kQ6KScales + 64 * (g / 4) + offset);
              const __m256i pair = _mm256_srai_epi16(shuffle(scales, kPair[(g % 4) / 2]), 8);
              correction = _mm256_add_epi32(correction, _mm256_madd_epi16(pair, broadcast4(a.bsums + g)));
            }
            const __m256i total = _mm256_sub_epi32(scaled[h][t], _mm256_slli_epi32(correction, 5));
            acc = _mm256_add_ps(acc, _mm256_mul_ps(d, _mm256_cvtepi32_ps(total)));
          }
          _mm256_storeu_ps(y, acc);
        }
      }
    }
  }
}

static_assert(kPanelTokens == 8 && kTilePanels == 2, "panel_tile dispatches 1..8 tokens, 1..2 panels");

// One token: every half of the tile in one pass (one weight stream); Q4_K
// computes a panel's two halves together, sharing each activation broadcast
// (Q6_K's unpacking needs too many registers for that). Several tokens: one
// half times up to four tokens per pass, range by range, so the passes after
// the first read the range's weights from L1.
template <KFormat kFormat>
void k_quant_tile(const PanelTile& tile) {
  const int64_t blocks = tile.n / kQK_K;
  if (tile.tokens == 1) {
    constexpr int kTogether = kFormat == KFormat::kQ4_K ? 2 : 1;
    return k_quant_tile_fixed<kFormat, kTogether, 1>(tile, 0, 2 * tile.panels, 0, blocks);
  }
  const auto pass = [](auto tokens, const PanelTile& part, int half, int64_t begin, int64_t end) {
    k_quant_tile_fixed<kFormat, 1, decltype(tokens)::value>(part, half, 1, begin, end);
  };
  in_token_passes(tile, blocks, kRangeBlocks, pass);
}

}  // namespace

void panel_tile_q4_K(const PanelTile& tile) { k_quant_tile<KFormat::kQ4_K>(tile); }
void panel_tile_q6_K(const PanelTile& tile) { k_quant_tile<KFormat::kQ6_K>(tile); }

}  // namespace loom::kernels::avx2
