// The scalar panel kernel: the definition of what every ISA's panel_tile
// computes (panels.h), element by element.
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

#include "base/half.h"
#include "kernels/panels.h"
#include "kernels/reference/reference.h"
#include "tensor/dtype.h"

namespace loom::kernels::reference {
namespace {

template <DType kType>
void one_panel(const PanelTile& tile) {
  const int64_t blocks = tile.n / tensor::kQK8_0;
  const size_t panel_block = panel_block_bytes(kType);
  for (int t = 0; t < tile.tokens; ++t) {
    const auto* activations =
        reinterpret_cast<const tensor::BlockQ8_0*>(tile.activations + t * tile.activation_stride);
    const PanelActivation* sums = tile.sums + t * tile.sums_stride;
    for (int r = 0; r < kPanelRows; ++r) {
      float acc = 0.0f;
      for (int64_t block = 0; block < blocks; ++block) {
        const std::byte* source = tile.panel + block * panel_block;
        uint16_t d;
        std::memcpy(&d, source + r * sizeof(uint16_t), sizeof d);
        const auto* quants = reinterpret_cast<const uint8_t*>(source + kPanelRows * sizeof(uint16_t));
        int32_t sum = sums[block].offset;
        for (int element = 0; element < tensor::kQK8_0; ++element) {
          int32_t weight;
          if constexpr (kType == DType::kQ8_0) {
            weight = quants[(element / 4) * kPanelRows * 4 + r * 4 + element % 4];
          } else {
            const int group = element / 8, within = element % 8;
            const uint8_t packed = quants[group * kPanelRows * 4 + r * 4 + within % 4];
            weight = within < 4 ? packed & 0x0f : packed >> 4;
          }
          sum += weight * activations[block].qs[element];
        }
        acc = std::fma(static_cast<float>(sum), f16_to_f32(d) * sums[block].d, acc);
      }
      tile.y[t * tile.y_stride + r] = acc;
    }
  }
}

// F16 and BF16: two FMA chains per element, even and odd columns (panels.h).
template <float (*kToFloat)(uint16_t)>
void one_panel_16_bit(const PanelTile& tile) {
  const auto* columns = reinterpret_cast<const uint16_t*>(tile.panel);
  for (int t = 0; t < tile.tokens; ++t) {
    const auto* x = reinterpret_cast<const float*>(tile.activations + t * tile.activation_stride);
    for (int r = 0; r < kPanelRows; ++r) {
      float even = 0.0f, odd = 0.0f;
      for (int64_t i = 0; i < tile.n; ++i) {
        float& sum = i % 2 == 0 ? even : odd;
        sum = std::fma(kToFloat(columns[i * kPanelRows + r]), x[i], sum);
      }
      tile.y[t * tile.y_stride + r] = even + odd;
    }
  }
}

// Q4_K and Q6_K: vec_dot on each row of the panel, unpacked (panels.h).
template <DType kType>
void one_panel_k_quant(const PanelTile& tile) {
  using Block = std::conditional_t<kType == DType::kQ4_K, tensor::BlockQ4_K, tensor::BlockQ6_K>;
  const auto vec_dot = kType == DType::kQ4_K ? vec_dot_q4_K_q8_K : vec_dot_q6_K_q8_K;
  std::vector<std::byte> row(static_cast<size_t>(tile.n / tensor::kQK_K) * sizeof(Block));
  for (int r = 0; r < kPanelRows; ++r) {
    unpack_panel(kType, tile.n, tile.panel, r, row.data());
    for (int t = 0; t < tile.tokens; ++t) {
      tile.y[t * tile.y_stride + r] = vec_dot(tile.n, row.data(), tile.activations + t * tile.activation_stride);
    }
  }
}

// The panels of a tile, one after another (each element's operations do not
// depend on the panel count).
void each_panel(const PanelTile& tile, void (*kernel)(const PanelTile&)) {
  for (int p = 0; p < tile.panels; ++p) {
    PanelTile one = tile;
    one.panel = tile.panel + p * tile.panel_stride;
    one.panels = 1;
    one.y = tile.y + p * kPanelRows;
    kernel(one);
  }
}

}  // namespace

void panel_tile_f16(const PanelTile& tile) { each_panel(tile, one_panel_16_bit<f16_to_f32>); }
void panel_tile_bf16(const PanelTile& tile) { each_panel(tile, one_panel_16_bit<bf16_to_f32>); }
void panel_tile_q8_0(const PanelTile& tile) { each_panel(tile, one_panel<DType::kQ8_0>); }
void panel_tile_q4_0(const PanelTile& tile) { each_panel(tile, one_panel<DType::kQ4_0>); }
void panel_tile_q4_K(const PanelTile& tile) { each_panel(tile, one_panel_k_quant<DType::kQ4_K>); }
void panel_tile_q6_K(const PanelTile& tile) { each_panel(tile, one_panel_k_quant<DType::kQ6_K>); }

}  // namespace loom::kernels::reference
