#include "base/half.h"

#include <gtest/gtest.h>
#include <immintrin.h>

#include <cmath>

#include "base/cpu_features.h"

namespace loom {
namespace {

__attribute__((target("f16c"))) uint16_t hardware_f32_to_f16(float value) {
  return static_cast<uint16_t>(_cvtss_sh(value, _MM_FROUND_TO_NEAREST_INT));
}
__attribute__((target("f16c"))) float hardware_f16_to_f32(uint16_t value) { return _cvtsh_ss(value); }

TEST(Half, EveryF16DecodesLikeHardware) {
  if (!cpu_features().f16c) GTEST_SKIP() << "no F16C";
  for (uint32_t h = 0; h < 65536; ++h) {
    const float expected = hardware_f16_to_f32(static_cast<uint16_t>(h));
    const float actual = f16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(expected)) {
      EXPECT_TRUE(std::isnan(actual)) << h;
    } else {
      ASSERT_EQ(std::bit_cast<uint32_t>(expected), std::bit_cast<uint32_t>(actual)) << h;
    }
  }
}

TEST(Half, EncodingRoundsLikeHardware) {
  if (!cpu_features().f16c) GTEST_SKIP() << "no F16C";
  // Every 97th float32 bit pattern covers normals, subnormals, ties and overflow.
  for (uint64_t bits = 0; bits < (1ull << 32); bits += 97) {
    const float value = std::bit_cast<float>(static_cast<uint32_t>(bits));
    if (std::isnan(value)) continue;
    ASSERT_EQ(f32_to_f16(value), hardware_f32_to_f16(value)) << std::hex << bits;
  }
}

TEST(Half, Bf16RoundTripsAndRoundsToNearestEven) {
  EXPECT_EQ(bf16_to_f32(f32_to_bf16(1.0f)), 1.0f);
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x3f808000u)), 0x3f80);  // tie to even (down)
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x3f818000u)), 0x3f82);  // tie to even (up)
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x3f808001u)), 0x3f81);
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(NAN))));
}

}  // namespace
}  // namespace loom
