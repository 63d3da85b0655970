// Weight panels (see panels.h): the layout's definition in scalar code. Repacking
// runs once per matrix at load time and is memory-bound, so it stays simple.
#include "kernels/panels.h"

#include <cstring>

#include "base/half.h"
#include "kernels/panels_k_quants.h"
#include "tensor/dtype.h"

namespace loom::kernels {

using tensor::BlockQ4_0;
using tensor::BlockQ8_0;
using tensor::kQK8_0;

namespace {

constexpr size_t kScaleBytes = kPanelRows * sizeof(uint16_t);

// Where element `element` (0..31) of panel row `r` lives in a panel block's
// quantized bytes, and for Q4_0 whether it is the high nibble.
struct Place {
  size_t byte;
  bool high;
};

Place q8_0_place(int r, int element) {
  return {static_cast<size_t>((element / 4) * kPanelRows * 4 + r * 4 + element % 4), false};
}

Place q4_0_place(int r, int element) {
  const int group = element / 8, within = element % 8;
  return {static_cast<size_t>(group * kPanelRows * 4 + r * 4 + within % 4), within >= 4};
}

uint32_t load_word(const void* bytes) {
  uint32_t word;
  std::memcpy(&word, bytes, sizeof word);
  return word;
}

size_t row_block_bytes(DType type) { return type == DType::kQ8_0 ? sizeof(BlockQ8_0) : sizeof(BlockQ4_0); }

// F16 and BF16: panel column i holds the 16 rows' element i.
void repack_16_bit(const MatrixView& w, std::byte* out) {
  const auto* source = static_cast<const std::byte*>(w.data);
  auto* target = reinterpret_cast<uint16_t*>(out);
  for (int64_t panel = 0; panel < w.rows / kPanelRows; ++panel) {
    uint16_t* columns = target + panel * kPanelRows * w.cols;
    for (int r = 0; r < kPanelRows; ++r) {
      const auto* row = reinterpret_cast<const uint16_t*>(source + (panel * kPanelRows + r) * w.row_stride);
      for (int64_t i = 0; i < w.cols; ++i) columns[i * kPanelRows + r] = row[i];
    }
  }
}

}  // namespace

bool has_panel_layout(DType type) {
  return type == DType::kQ8_0 || type == DType::kQ4_0 || type == DType::kQ4_K || type == DType::kQ6_K ||
         type == DType::kF16 || type == DType::kBF16;
}

bool panel_needs_sums(DType type) { return type == DType::kQ8_0 || type == DType::kQ4_0; }

size_t panel_block_bytes(DType type) {
  CHECK(has_panel_layout(type));
  switch (type) {
    case DType::kF16:
    case DType::kBF16: return kPanelRows * kQK8_0 * sizeof(uint16_t);
    case DType::kQ4_K: return kPanelRows * sizeof(tensor::BlockQ4_K);
    case DType::kQ6_K: return kPanelRows * sizeof(tensor::BlockQ6_K);
    default: return kPanelRows * row_block_bytes(type);
  }
}

void repack_to_panels(const MatrixView& w, std::byte* out) {
  CHECK(has_panel_layout(w.type) && w.layout == WeightLayout::kRows && w.rows % kPanelRows == 0);
  if (w.type == DType::kF16 || w.type == DType::kBF16) return repack_16_bit(w, out);
  if (w.type == DType::kQ4_K || w.type == DType::kQ6_K) {
    const auto repack = w.type == DType::kQ4_K ? k_panels::repack_q4_K : k_panels::repack_q6_K;
    const size_t panel_bytes = kPanelRows * w.row_stride;
    for (int64_t panel = 0; panel < w.rows / kPanelRows; ++panel) {
      repack(static_cast<const std::byte*>(w.data) + panel * panel_bytes, w.row_stride, w.cols, out + panel * panel_bytes);
    }
    return;
  }
  const int64_t blocks = w.cols / kQK8_0;
  const size_t block_bytes = row_block_bytes(w.type);
  const size_t panel_block = panel_block_bytes(w.type);
  const auto* source = static_cast<const std::byte*>(w.data);
  // Straight loops rather than q8_0_place/q4_0_place per element: this runs
  // over every weight at load time. unpack_panel_row checks it against them.
  for (int64_t panel = 0; panel < w.rows / kPanelRows; ++panel) {
    for (int64_t block = 0; block < blocks; ++block) {
      std::byte* target = out + (panel * blocks + block) * panel_block;
      auto* scales = reinterpret_cast<uint16_t*>(target);
      auto* quants = reinterpret_cast<uint8_t*>(target + kScaleBytes);
      for (int r = 0; r < kPanelRows; ++r) {
        const std::byte* row_block = source + (panel * kPanelRows + r) * w.row_stride + block * block_bytes;
        std::memcpy(&scales[r], row_block, sizeof(uint16_t));  // both block types start with their F16 scale
        uint32_t* lane = reinterpret_cast<uint32_t*>(quants) + r;  // this row's 4 bytes of the first chunk
        if (w.type == DType::kQ8_0) {
          const int8_t* qs = reinterpret_cast<const BlockQ8_0*>(row_block)->qs;
          for (int chunk = 0; chunk < 8; ++chunk) lane[chunk * kPanelRows] = load_word(qs + 4 * chunk) ^ 0x80808080u;
        } else {
          // Element e < 16 is the low nibble of qs[e], e + 16 the high one.
          // Byte k of group g: low nibble element 8g + k, high 8g + 4 + k.
          const uint8_t* qs = reinterpret_cast<const BlockQ4_0*>(row_block)->qs;
          const uint32_t w0 = load_word(qs), w4 = load_word(qs + 4), w8 = load_word(qs + 8), w12 = load_word(qs + 12);
          constexpr uint32_t kLow = 0x0f0f0f0fu, kHigh = 0xf0f0f0f0u;
          lane[0 * kPanelRows] = (w0 & kLow) | (w4 & kLow) << 4;
          lane[1 * kPanelRows] = (w8 & kLow) | (w12 & kLow) << 4;
          lane[2 * kPanelRows] = (w0 >> 4 & kLow) | (w4 & kHigh);
          lane[3 * kPanelRows] = (w8 >> 4 & kLow) | (w12 & kHigh);
        }
      }
    }
  }
}

void unpack_panel_row(const MatrixView& panels, int64_t row, std::byte* out) {
  CHECK(panels.layout == WeightLayout::kPanels && row >= 0 && row < panels.rows);
  const auto* panel = static_cast<const std::byte*>(panels.data) + (row / kPanelRows) * kPanelRows * panels.row_stride;
  unpack_panel(panels.type, panels.cols, panel, static_cast<int>(row % kPanelRows), out);
}

void unpack_panel(DType type, int64_t n, const std::byte* panel, int r, std::byte* out) {
  CHECK(has_panel_layout(type) && r >= 0 && r < kPanelRows);
  if (type == DType::kF16 || type == DType::kBF16) {
    const auto* columns = reinterpret_cast<const uint16_t*>(panel);
    auto* target = reinterpret_cast<uint16_t*>(out);
    for (int64_t i = 0; i < n; ++i) target[i] = columns[i * kPanelRows + r];
    return;
  }
  if (type == DType::kQ4_K) return k_panels::unpack_q4_K(panel, n, r, out);
  if (type == DType::kQ6_K) return k_panels::unpack_q6_K(panel, n, r, out);
  const int64_t blocks = n / kQK8_0;
  const size_t panel_block = panel_block_bytes(type);
  for (int64_t block = 0; block < blocks; ++block) {
    const std::byte* source = panel + block * panel_block;
    const auto* quants = reinterpret_cast<const uint8_t*>(source + kScaleBytes);
    uint16_t d;
    std::memcpy(&d, source + r * sizeof(uint16_t), sizeof d);
    if (type == DType::kQ8_0) {
      auto* target = reinterpret_cast<BlockQ8_0*>(out) + block;
      target->d = d;
      for (int element = 0; element < kQK8_0; ++element) {
        target->qs[element] = static_cast<int8_t>(quants[q8_0_place(r, element).byte] - 128);
      }
    } else {
      auto* target = reinterpret_cast<BlockQ4_0*>(out) + block;
      target->d = d;
      std::memset(target->qs, 0, sizeof target->qs);
      for (int element = 0; element < kQK8_0; ++element) {
        const Place place = q4_0_place(r, element);
        const uint8_t value = place.high ? quants[place.byte] >> 4 : quants[place.byte] & 0x0f;
        target->qs[element % 16] |= element < 16 ? value : static_cast<uint8_t>(value << 4);
      }
    }
  }
}

void panel_activation_sums(DType type, const void* activation_row, int64_t n, PanelActivation* out) {
  CHECK(panel_needs_sums(type));
  const int32_t weight_offset = type == DType::kQ8_0 ? 128 : 8;
  const auto* blocks = static_cast<const BlockQ8_0*>(activation_row);
  for (int64_t block = 0; block < n / kQK8_0; ++block) {
    int32_t sum = 0;
    for (int8_t q : blocks[block].qs) sum += q;
    out[block] = {.d = f16_to_f32(blocks[block].d), .offset = -weight_offset * sum};
  }
}

}  // namespace loom::kernels
