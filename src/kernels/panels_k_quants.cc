// The Q4_K and Q6_K panel layouts (panels.h). Repacking runs over every weight
// at load time, so it moves 32-bit words; unpacking (tests, embedding lookups
// of a few rows) goes element by element and so checks the word arithmetic.
#include "kernels/panels_k_quants.h"

#include <cstring>

#include "kernels/panels.h"
#include "tensor/dtype.h"

namespace loom::kernels::k_panels {

using tensor::BlockQ4_K;
using tensor::BlockQ6_K;
using tensor::kQK_K;

namespace {

constexpr uint32_t kLowNibbles = 0x0f0f0f0fu, kHighNibbles = 0xf0f0f0f0u;

uint32_t load_word(const void* bytes) {
  uint32_t word;
  std::memcpy(&word, bytes, sizeof word);
  return word;
}

void store_word(void* bytes, uint32_t word) { std::memcpy(bytes, &word, sizeof word); }

// The panel word of one row and one 4-byte chunk, from the GGUF words holding
// elements 8c..8c+3 (w0) and 8c+4..8c+7 (w4) of a sub-block, in the low
// (high = false) or high nibbles of their bytes.
uint32_t nibble_word(uint32_t w0, uint32_t w4, bool high) {
  return high ? (w0 >> 4 & kLowNibbles) | (w4 & kHighNibbles) : (w0 & kLowNibbles) | (w4 & kLowNibbles) << 4;
}

// Byte of element `element` (0..31) of row r in sub-block j's four chunks at
// `chunks`, and whether it is the high nibble.
struct Place {
  size_t byte;
  bool high;
};

Place nibble_place(int r, int element) {
  const int chunk = element / 8, within = element % 8;
  return {static_cast<size_t>(chunk * kPanelRows * 4 + r * 4 + within % 4), within >= 4};
}

uint8_t nibble_at(const uint8_t* chunks, int r, int element) {
  const Place place = nibble_place(r, element);
  return place.high ? chunks[place.byte] >> 4 : chunks[place.byte] & 0x0f;
}

// Element `index` of a Q6_K block: (low 4 bits' byte, shift) and (high 2 bits' byte, shift).
struct Q6Place {
  int low_byte, low_shift, high_byte, high_shift;
};

Q6Place q6_place(int index) {
  const int half = index / 128, quarter = (index % 128) / 32, l = index % 32;
  return {64 * half + l + 32 * (quarter & 1), quarter < 2 ? 0 : 4, 32 * half + l, 2 * quarter};
}

}  // namespace

void repack_q4_K(const std::byte* rows, size_t row_stride, int64_t n, std::byte* out) {
  const size_t block_bytes = panel_block_bytes(tensor::DType::kQ4_K);
  for (int64_t block = 0; block < n / kQK_K; ++block) {
    std::byte* target = out + block * block_bytes;
    for (int r = 0; r < kPanelRows; ++r) {
      const auto& source = *reinterpret_cast<const BlockQ4_K*>(rows + r * row_stride + block * sizeof(BlockQ4_K));
      std::memcpy(target + 2 * r, &source.d, 2);
      std::memcpy(target + 32 + 2 * r, &source.dmin, 2);
      for (int word = 0; word < 3; ++word) {
        std::memcpy(target + kQ4KScales + word * 64 + 4 * r, source.scales + 4 * word, 4);
      }
      // Sub-block j = 2q + s is nibble s of qs[32q .. 32q + 31].
      for (int j = 0; j < 8; ++j) {
        const uint8_t* qs = source.qs + 32 * (j / 2);
        for (int c = 0; c < 4; ++c) {
          const uint32_t word = nibble_word(load_word(qs + 8 * c), load_word(qs + 8 * c + 4), j % 2 == 1);
          store_word(target + kQ4KQuants + (4 * j + c) * 64 + 4 * r, word);
        }
      }
    }
  }
}

void repack_q6_K(const std::byte* rows, size_t row_stride, int64_t n, std::byte* out) {
  const size_t block_bytes = panel_block_bytes(tensor::DType::kQ6_K);
  for (int64_t block = 0; block < n / kQK_K; ++block) {
    std::byte* target = out + block * block_bytes;
    for (int r = 0; r < kPanelRows; ++r) {
      const auto& source = *reinterpret_cast<const BlockQ6_K*>(rows + r * row_stride + block * sizeof(BlockQ6_K));
      std::memcpy(target + 2 * r, &source.d, 2);
      for (int quad = 0; quad < 4; ++quad) {
        std::memcpy(target + kQ6KScales + quad * 64 + 4 * r, source.scales + 4 * quad, 4);
      }
      // Sub-block j: half j/4 and quarter j%4 of the block (q6_place).
      for (int j = 0; j < 8; ++j) {
        const int half = j / 4, quarter = j % 4;
        const uint8_t* ql = source.ql + 64 * half + 32 * (quarter & 1);
        for (int c = 0; c < 4; ++c) {
          const uint32_t word = nibble_word(load_word(ql + 8 * c), load_word(ql + 8 * c + 4), quarter >= 2);
          store_word(target + kQ6KLow + (4 * j + c) * 64 + 4 * r, word);
        }
        const uint8_t* qh = source.qh + 32 * half;
        for (int h = 0; h < 2; ++h) {
          uint32_t word = 0;
          for (int s = 0; s < 4; ++s) word |= (load_word(qh + 16 * h + 4 * s) >> (2 * quarter) & 0x03030303u) << (2 * s);
          store_word(target + kQ6KHigh + (2 * j + h) * 64 + 4 * r, word);
        }
      }
    }
  }
}

void unpack_q4_K(const std::byte* panel, int64_t n, int r, std::byte* out) {
  const size_t block_bytes = panel_block_bytes(tensor::DType::kQ4_K);
  for (int64_t block = 0; block < n / kQK_K; ++block) {
    const std::byte* source = panel + block * block_bytes;
    auto& target = reinterpret_cast<BlockQ4_K*>(out)[block];
    std::memcpy(&target.d, source + 2 * r, 2);
    std::memcpy(&target.dmin, source + 32 + 2 * r, 2);
    for (int word = 0; word < 3; ++word) std::memcpy(target.scales + 4 * word, source + kQ4KScales + word * 64 + 4 * r, 4);
    std::memset(target.qs, 0, sizeof target.qs);
    for (int index = 0; index < kQK_K; ++index) {
      const int j = index / 32;
      const auto* chunks = reinterpret_cast<const uint8_t*>(source + kQ4KQuants + 4 * j * 64);
      // GGUF: element 64q + l is the low nibble of qs[32q + l], 64q + 32 + l the high one.
      const int q = index / 64, l = index % 32;
      target.qs[32 * q + l] |= static_cast<uint8_t>(nibble_at(chunks, r, index % 32) << (j % 2 == 1 ? 4 : 0));
    }
  }
}

void unpack_q6_K(const std::byte* panel, int64_t n, int r, std::byte* out) {
  const size_t block_bytes = panel_block_bytes(tensor::DType::kQ6_K);
  for (int64_t block = 0; block < n / kQK_K; ++block) {
    const std::byte* source = panel + block * block_bytes;
    auto& target = reinterpret_cast<BlockQ6_K*>(out)[block];
    std::memcpy(&target.d, source + 2 * r, 2);
    for (int quad = 0; quad < 4; ++quad) std::memcpy(target.scales + 4 * quad, source + kQ6KScales + quad * 64 + 4 * r, 4);
    std::memset(target.ql, 0, sizeof target.ql);
    std::memset(target.qh, 0, sizeof target.qh);
    for (int index = 0; index < kQK_K; ++index) {
      const int j = index / 32, element = index % 32;
      const auto* low = reinterpret_cast<const uint8_t*>(source + kQ6KLow + 4 * j * 64);
      const int h = element / 16, s = (element % 16) / 4, k = element % 4;
      const auto high_byte =
          static_cast<uint8_t>(source[kQ6KHigh + (2 * j + h) * 64 + 4 * r + k]);
      const Q6Place place = q6_place(index);
      target.ql[place.low_byte] |= static_cast<uint8_t>(nibble_at(low, r, element) << place.low_shift);
      target.qh[place.high_byte] |= static_cast<uint8_t>((high_byte >> (2 * s) & 3) << place.high_shift);
    }
  }
}

}  // namespace loom::kernels::k_panels
