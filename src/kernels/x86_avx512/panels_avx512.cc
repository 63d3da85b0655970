// AVX-512 VNNI panel kernels (kernels/panels.h): 16 rows per register lane
// set, four activation bytes broadcast per vpdpbusd. Each element sees the
// reference's operations: an exact integer block sum started from the offset
// correction, then one FMA with d_w * d_a, blocks in order; so results are
// the scalar reference's bits. Loops over tokens and chunks are unrolled so
// that weights and accumulators stay in registers (GCC keeps arrays indexed in
// a rolled loop on the stack).
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

template <PanelFormat kFormat, int kTokens>
void panel_tile_fixed(const PanelTile& tile) {
  constexpr size_t kBlockBytes = kFormat == PanelFormat::kQ8_0 ? 544 : 288;
  constexpr size_t kScaleBytes = kPanelRows * sizeof(uint16_t);
  // With few tokens the 8 dependent vpdpbusd of one block are the critical
  // path: split them into two chains (integer sums, so the result is exact).
  constexpr bool kTwoChains = kTokens < 4;
  const int64_t blocks = tile.n / tensor::kQK8_0;
  const tensor::BlockQ8_0* activations[kTokens];
  const PanelActivation* sums[kTokens];
#pragma GCC unroll 8
  for (int t = 0; t < kTokens; ++t) {
    activations[t] = reinterpret_cast<const tensor::BlockQ8_0*>(tile.activations + t * tile.activation_stride);
    sums[t] = tile.sums + t * tile.sums_stride;
  }
  __m512 acc[kTokens];
#pragma GCC unroll 8
  for (int t = 0; t < kTokens; ++t) acc[t] = _mm512_setzero_ps();
  const __m512i low_nibbles = _mm512_set1_epi8(0x0f);
  const std::byte* source = tile.panel;
  for (int64_t block = 0; block < blocks; ++block, source += kBlockBytes) {
    const __m512 weight_scale = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(source)));
    const std::byte* quants = source + kScaleBytes;
    __m512i weights[8];
    if constexpr (kFormat == PanelFormat::kQ8_0) {
#pragma GCC unroll 8
      for (int c = 0; c < 8; ++c) weights[c] = _mm512_loadu_si512(quants + 64 * c);
    } else {
#pragma GCC unroll 8
      for (int j = 0; j < 4; ++j) {
        const __m512i packed = _mm512_loadu_si512(quants + 64 * j);
        weights[2 * j] = _mm512_and_si512(packed, low_nibbles);
        weights[2 * j + 1] = _mm512_and_si512(_mm512_srli_epi16(packed, 4), low_nibbles);
      }
    }
#pragma GCC unroll 8
    for (int t = 0; t < kTokens; ++t) {
      const int8_t* a = activations[t][block].qs;
      __m512i sum = _mm512_set1_epi32(sums[t][block].offset);
      if constexpr (kTwoChains) {
        __m512i other = _mm512_setzero_si512();
#pragma GCC unroll 8
        for (int c = 0; c < 8; c += 2) {
          sum = _mm512_dpbusd_epi32(sum, weights[c], broadcast4(a + 4 * c));
          other = _mm512_dpbusd_epi32(other, weights[c + 1], broadcast4(a + 4 * c + 4));
        }
        sum = _mm512_add_epi32(sum, other);
      } else {
#pragma GCC unroll 8
        for (int c = 0; c < 8; ++c) sum = _mm512_dpbusd_epi32(sum, weights[c], broadcast4(a + 4 * c));
      }
      const __m512 d = _mm512_mul_ps(weight_scale, _mm512_set1_ps(sums[t][block].d));
      acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), d, acc[t]);
    }
  }
#pragma GCC unroll 8
  for (int t = 0; t < kTokens; ++t) _mm512_storeu_ps(tile.y + t * tile.y_stride, acc[t]);
}

// F16 panels: per column, one conversion gives 16 rows' weights; each token
// adds weight * its activation (broadcast) to the chain of the column's
// parity. Two chains per token, whatever the token count (the reference's
// order), so one token still has two FMAs in flight.
template <int kTokens>
void panel_tile_f16_fixed(const PanelTile& tile) {
  const auto* columns = reinterpret_cast<const uint16_t*>(tile.panel);
  const float* x[kTokens];
  __m512 even[kTokens], odd[kTokens];
#pragma GCC unroll 8
  for (int t = 0; t < kTokens; ++t) {
    x[t] = reinterpret_cast<const float*>(tile.activations + t * tile.activation_stride);
    even[t] = odd[t] = _mm512_setzero_ps();
  }
  int64_t i = 0;
  for (; i + 2 <= tile.n; i += 2) {
    const __m512 w0 = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(columns + i * kPanelRows)));
    const __m512 w1 =
        _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(columns + (i + 1) * kPanelRows)));
#pragma GCC unroll 8
    for (int t = 0; t < kTokens; ++t) {
      even[t] = _mm512_fmadd_ps(w0, _mm512_set1_ps(x[t][i]), even[t]);
      odd[t] = _mm512_fmadd_ps(w1, _mm512_set1_ps(x[t][i + 1]), odd[t]);
    }
  }
  if (i < tile.n) {  // an odd column count: the last column is even
    const __m512 w0 = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(columns + i * kPanelRows)));
#pragma GCC unroll 8
    for (int t = 0; t < kTokens; ++t) even[t] = _mm512_fmadd_ps(w0, _mm512_set1_ps(x[t][i]), even[t]);
  }
#pragma GCC unroll 8
  for (int t = 0; t < kTokens; ++t) _mm512_storeu_ps(tile.y + t * tile.y_stride, _mm512_add_ps(even[t], odd[t]));
}

static_assert(kPanelTokens == 8, "panel_tile dispatches 1..8 tokens");

template <PanelFormat kFormat>
void panel_tile(const PanelTile& tile) {
  switch (tile.tokens) {
    case 1: return panel_tile_fixed<kFormat, 1>(tile);
    case 2: return panel_tile_fixed<kFormat, 2>(tile);
    case 3: return panel_tile_fixed<kFormat, 3>(tile);
    case 4: return panel_tile_fixed<kFormat, 4>(tile);
    case 5: return panel_tile_fixed<kFormat, 5>(tile);
    case 6: return panel_tile_fixed<kFormat, 6>(tile);
    case 7: return panel_tile_fixed<kFormat, 7>(tile);
    default: return panel_tile_fixed<kFormat, 8>(tile);
  }
}

}  // namespace

void panel_tile_q8_0(const PanelTile& tile) { panel_tile<PanelFormat::kQ8_0>(tile); }
void panel_tile_f16(const PanelTile& tile) {
  switch (tile.tokens) {
    case 1: return panel_tile_f16_fixed<1>(tile);
    case 2: return panel_tile_f16_fixed<2>(tile);
    case 3: return panel_tile_f16_fixed<3>(tile);
    case 4: return panel_tile_f16_fixed<4>(tile);
    case 5: return panel_tile_f16_fixed<5>(tile);
    case 6: return panel_tile_f16_fixed<6>(tile);
    case 7: return panel_tile_f16_fixed<7>(tile);
    default: return panel_tile_f16_fixed<8>(tile);
  }
}
void panel_tile_q4_0(const PanelTile& tile) { panel_tile<PanelFormat::kQ4_0>(tile); }

}  // namespace loom::kernels::avx512
