// Known-value tests: hand-built blocks whose decoded values follow from GGML's
// format definitions, and hand-picked inputs whose llama.cpp quantization is
// known, so the scalar reference is checked against the formats themselves.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "base/half.h"
#include "kernels/reference/reference.h"
#include "tensor/dtype.h"

namespace loom::kernels {
namespace {

using namespace loom::tensor;

TEST(Formats, Q4_0DecodesNibblesMinusEightTimesScale) {
  BlockQ4_0 block{};
  block.d = f32_to_f16(0.5f);
  for (int j = 0; j < 16; ++j) block.qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  float out[32];
  reference::dequantize_row_q4_0(&block, out, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(out[j], (j - 8) * 0.5f) << j;              // low nibbles: elements 0..15
    EXPECT_EQ(out[j + 16], (15 - j - 8) * 0.5f) << j;    // high nibbles: elements 16..31
  }
}

TEST(Formats, Q8_0DecodesBytesTimesScale) {
  BlockQ8_0 block{};
  block.d = f32_to_f16(0.25f);
  for (int j = 0; j < 32; ++j) block.qs[j] = static_cast<int8_t>(j * 8 - 127);
  float out[32];
  reference::dequantize_row_q8_0(&block, out, 32);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(out[j], (j * 8 - 127) * 0.25f) << j;
}

TEST(Formats, Q8_0QuantizerRoundsHalvesToEvenLikeLlamaCppOnX86) {
  // amax = 127 gives a multiplier of exactly 1, so q = nearest-even(x), as
  // llama.cpp's x86 quantize_row_q8_0 computes it (its _ref would round 2.5 to 3).
  std::vector<float> x(32, 0.0f);
  x[0] = 127.0f;
  x[1] = 2.5f;    // -> 2 (roundf would give 3)
  x[2] = -2.5f;   // -> -2
  x[3] = 0.49f;   // -> 0
  x[4] = -126.5f; // -> -126 (even)
  x[5] = 1.5f;    // -> 2
  BlockQ8_0 block{};
  reference::quantize_row_q8_0(x.data(), &block, 32);
  EXPECT_EQ(block.d, f32_to_f16(1.0f));
  EXPECT_EQ(block.qs[0], 127);
  EXPECT_EQ(block.qs[1], 2);
  EXPECT_EQ(block.qs[2], -2);
  EXPECT_EQ(block.qs[3], 0);
  EXPECT_EQ(block.qs[4], -126);
  EXPECT_EQ(block.qs[5], 2);
}

TEST(Formats, Q8_0QuantizerOfZerosIsZero) {
  std::vector<float> x(32, 0.0f);
  BlockQ8_0 block;
  std::memset(&block, 0x55, sizeof(block));
  reference::quantize_row_q8_0(x.data(), &block, 32);
  EXPECT_EQ(block.d, 0);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(block.qs[j], 0);
}

TEST(Formats, Q4_0QuantizerMapsSignedMaxToZeroAndTruncates) {
  // max = -8 (largest magnitude, negative) gives d = 1: q = min(15, (int8)(x + 8.5)).
  std::vector<float> x(32, 0.0f);
  x[0] = -8.0f;   // -> 0
  x[1] = 3.49f;   // 11.99 -> 11
  x[2] = 3.5f;    // 12.0 -> 12
  x[3] = 7.9f;    // 16.4 -> clamped 15
  x[16] = -0.5f;  // 8.0 -> 8 (high nibble of qs[0])
  BlockQ4_0 block{};
  reference::quantize_row_q4_0(x.data(), &block, 32);
  EXPECT_EQ(f16_to_f32(block.d), 1.0f);
  EXPECT_EQ(block.qs[0], 0 | (8 << 4));
  EXPECT_EQ(block.qs[1] & 0x0f, 11);
  EXPECT_EQ(block.qs[2] & 0x0f, 12);
  EXPECT_EQ(block.qs[3] & 0x0f, 15);
  EXPECT_EQ(block.qs[4] & 0x0f, 8);  // zero -> 8
}

TEST(Formats, Q4_KScalesAndMinsUnpackFromTwelveBytes) {
  // Scales 0-3 and mins 0-3 in the low 6 bits of bytes 0-3 / 4-7; scales and
  // mins 4-7 split: low 4 bits in bytes 8-11 (scale low nibble, min high
  // nibble), high 2 bits in the top bits of bytes 0-3 (scales) / 4-7 (mins).
  const uint8_t packed[12] = {
      0x01 | (0x1 << 6), 0x02 | (0x2 << 6), 0x03 | (0x3 << 6), 0x3f | (0x0 << 6),  // scales 0-3, hi bits of scales 4-7
      0x05 | (0x3 << 6), 0x06 | (0x0 << 6), 0x07 | (0x1 << 6), 0x20 | (0x2 << 6),  // mins 0-3, hi bits of mins 4-7
      0xa4, 0x5b, 0x0c, 0xf0};                                                       // (min lo << 4) | scale lo
  const uint8_t expected_scales[8] = {1, 2, 3, 63, 0x14, 0x2b, 0x3c, 0x00};
  const uint8_t expected_mins[8] = {5, 6, 7, 32, 0x3a, 0x05, 0x10, 0x2f};
  for (int j = 0; j < 8; ++j) {
    uint8_t scale, min;
    reference::unpack_q4_K_scale_min(packed, j, &scale, &min);
    EXPECT_EQ(scale, expected_scales[j]) << j;
    EXPECT_EQ(min, expected_mins[j]) << j;
  }
}

TEST(Formats, Q4_KDecodesScaleTimesNibbleMinusMin) {
  BlockQ4_K block{};
  block.d = f32_to_f16(0.5f);
  block.dmin = f32_to_f16(0.25f);
  // Sub-block j: scale j+1, min 2j (all < 16, so only the low fields are used).
  for (int j = 0; j < 4; ++j) {
    block.scales[j] = static_cast<uint8_t>(j + 1);
    block.scales[j + 4] = static_cast<uint8_t>(2 * j);
    block.scales[j + 8] = static_cast<uint8_t>((j + 5) | ((2 * (j + 4)) << 4));
  }
  // Chunk c (64 elements): element l < 32 in the low nibble of qs[32c + l],
  // element 32 + l in the high nibble.
  for (int i = 0; i < 128; ++i) block.qs[i] = static_cast<uint8_t>((i % 16) | ((15 - i % 16) << 4));
  std::vector<float> out(256);
  reference::dequantize_row_q4_K(&block, out.data(), 256);
  for (int i = 0; i < 256; ++i) {
    const int sub = i / 32, chunk = i / 64, l = i % 32;
    const uint8_t byte = block.qs[32 * chunk + l];
    const int q = (i % 64) < 32 ? (byte & 0x0f) : (byte >> 4);
    EXPECT_EQ(out[i], 0.5f * (sub + 1) * q - 0.25f * (2 * sub)) << i;
  }
}

TEST(Formats, Q6_KDecodesScaleTimesSixBitsMinusThirtyTwo) {
  BlockQ6_K block{};
  block.d = f32_to_f16(0.5f);
  for (int g = 0; g < 16; ++g) block.scales[g] = static_cast<int8_t>(g - 8);
  // Low nibbles 1, high nibbles 2; qh bit pairs (0, 1, 2, 3) from the low end.
  std::memset(block.ql, 0x21, sizeof(block.ql));
  std::memset(block.qh, 0b11100100, sizeof(block.qh));
  // Within each 128 elements: [0,32): 1 | 0<<4 = 1; [32,64): 1 | 1<<4 = 17;
  // [64,96): 2 | 2<<4 = 34; [96,128): 2 | 3<<4 = 50.
  const int quants[4] = {1, 17, 34, 50};
  std::vector<float> out(256);
  reference::dequantize_row_q6_K(&block, out.data(), 256);
  for (int i = 0; i < 256; ++i) {
    EXPECT_EQ(out[i], 0.5f * (i / 16 - 8) * (quants[(i % 128) / 32] - 32)) << i;
  }
}

TEST(Formats, Q8_KQuantizerUsesSignedMaxAndRoundsHalvesToEven) {
  // max = -127 (largest magnitude, negative): iscale = -127/max = 1, d = 1.
  std::vector<float> x(256, 0.0f);
  x[0] = 2.5f;    // nearest_int -> 2
  x[1] = 3.5f;    // -> 4
  x[2] = -127.0f;
  x[3] = 127.0f;  // same magnitude later: the first one (negative) wins
  x[17] = -0.5f;  // -> 0 (even)
  x[18] = 1.5f;   // -> 2
  BlockQ8_K block{};
  reference::quantize_row_q8_K(x.data(), &block, 256);
  EXPECT_EQ(block.d, 1.0f);
  EXPECT_EQ(block.qs[0], 2);
  EXPECT_EQ(block.qs[1], 4);
  EXPECT_EQ(block.qs[2], -127);
  EXPECT_EQ(block.qs[3], 127);
  EXPECT_EQ(block.qs[17], 0);
  EXPECT_EQ(block.qs[18], 2);
  EXPECT_EQ(block.bsums[0], 2 + 4 - 127 + 127);
  EXPECT_EQ(block.bsums[1], 2);
  for (int g = 2; g < 16; ++g) EXPECT_EQ(block.bsums[g], 0);

  // A positive max flips the sign of d: iscale = -127/max.
  std::vector<float> y(256, 0.0f);
  y[5] = 2.0f;
  y[6] = -1.0f;
  reference::quantize_row_q8_K(y.data(), &block, 256);
  EXPECT_FLOAT_EQ(block.d, 2.0f / -127.0f);
  EXPECT_EQ(block.qs[5], -127);
  EXPECT_EQ(block.qs[6], 64);  // 63.5 -> 64 (even)
}

TEST(Formats, HalfAndBfloatQuantizersRoundToNearestEven) {
  const float x[4] = {1.0f, 1.0f + 0x1.0p-11f, 1.0f + 0x1.8p-11f, 1.0f + 0x1.0p-8f};
  uint16_t half[4], bf[4];
  reference::quantize_row_f16(x, half, 4);
  reference::quantize_row_bf16(x, bf, 4);
  EXPECT_EQ(half[0], 0x3c00);
  EXPECT_EQ(half[1], 0x3c00);  // exactly half an ulp: to even
  EXPECT_EQ(half[2], 0x3c01);  // above half an ulp: up
  EXPECT_EQ(bf[0], 0x3f80);
  EXPECT_EQ(bf[3], 0x3f80);    // half a bf16 ulp: to even
}

// The dot products against the definition: the sum over elements of the
// decoded weight times the decoded activation.
TEST(Formats, DotProductsEqualSumsOfDecodedProducts) {
  struct Case {
    DType weight;
    void (*quantize_weight)(const float*, void*, int64_t);
  };
  const Case cases[] = {{DType::kQ8_0, reference::quantize_row_q8_0},
                        {DType::kQ4_0, reference::quantize_row_q4_0}};
  std::vector<float> w(512), a(512);
  for (int i = 0; i < 512; ++i) {
    w[i] = static_cast<float>((i * 37) % 101 - 50) / 7.0f;
    a[i] = static_cast<float>((i * 53) % 89 - 44) / 5.0f;
  }
  for (const Case& c : cases) {
    std::vector<std::byte> wq(*row_bytes(c.weight, 512)), aq(*row_bytes(DType::kQ8_0, 512));
    c.quantize_weight(w.data(), wq.data(), 512);
    reference::quantize_row_q8_0(a.data(), aq.data(), 512);
    std::vector<float> wd(512), ad(512);
    (c.weight == DType::kQ8_0 ? reference::dequantize_row_q8_0 : reference::dequantize_row_q4_0)(wq.data(), wd.data(), 512);
    reference::dequantize_row_q8_0(aq.data(), ad.data(), 512);
    double expected = 0.0, magnitude = 0.0;
    for (int i = 0; i < 512; ++i) {
      expected += static_cast<double>(wd[i]) * ad[i];
      magnitude += std::abs(static_cast<double>(wd[i]) * ad[i]);
    }
    const float actual = c.weight == DType::kQ8_0 ? reference::vec_dot_q8_0_q8_0(512, wq.data(), aq.data())
                                                  : reference::vec_dot_q4_0_q8_0(512, wq.data(), aq.data());
    EXPECT_NEAR(actual, expected, 1e-6 * magnitude) << dtype_name(c.weight);
  }
}

}  // namespace
}  // namespace loom::kernels
