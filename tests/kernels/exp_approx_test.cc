// exp_approx and the SiLU kernel built on it: within 2 ulp of the C
// library's expf over the whole range it serves, exact at the edges, and every
// ISA's silu_mul and exp_shifted give the reference's bits (which covers the
// SIMD exp).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/reference/reference.h"
#include "test_util.h"

namespace loom::kernels {
namespace {

int64_t ulps_apart(float a, float b) {
  return std::abs(static_cast<int64_t>(std::bit_cast<int32_t>(a)) - std::bit_cast<int32_t>(b));
}

TEST(ExpApprox, WithinTwoUlpOfExpf) {
  int64_t worst = 0;
  float worst_at = 0.0f;
  for (float x = -86.9f; x < 88.0f; x += 0.0007f) {
    const int64_t ulps = ulps_apart(reference::exp_approx(x), std::exp(x));
    if (ulps > worst) worst = ulps, worst_at = x;
  }
  for (float x = -1e-3f; x < 1e-3f; x += 1e-7f) worst = std::max(worst, ulps_apart(reference::exp_approx(x), std::exp(x)));
  EXPECT_LE(worst, 2) << "at " << worst_at;
}

TEST(ExpApprox, Edges) {
  constexpr float kInfinity = std::numeric_limits<float>::infinity();
  EXPECT_EQ(reference::exp_approx(0.0f), 1.0f);
  EXPECT_EQ(reference::exp_approx(-0.0f), 1.0f);
  EXPECT_EQ(reference::exp_approx(-kInfinity), 0.0f);  // masked attention scores
  EXPECT_EQ(reference::exp_approx(-87.5f), 0.0f);
  EXPECT_EQ(reference::exp_approx(-1000.0f), 0.0f);
  EXPECT_TRUE(std::isnan(reference::exp_approx(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_EQ(reference::exp_approx(88.5f), kInfinity);  // e^88.5 is just under FLT_MAX
  EXPECT_EQ(reference::exp_approx(kInfinity), kInfinity);
  EXPECT_NEAR(reference::exp_approx(1.0f), 2.7182817f, 3e-7f);
}

std::vector<float> silu_inputs() {
  std::vector<float> g = testing::random_values(997, 3, 4.0f);  // odd length: every ISA's tail
  for (float x : {0.0f, -0.0f, 1.0f, -1.0f, 20.0f, -20.0f, 86.99f, -86.99f, 87.01f, -87.01f, 88.5f, -88.5f, 1e30f,
                  -1e30f, 1e-30f, -1e-30f}) {
    g.push_back(x);
  }
  return g;
}

TEST(SiluMul, EveryIsaGivesTheReferenceBits) {
  const std::vector<float> gate = silu_inputs();
  const std::vector<float> up = testing::random_values(static_cast<int64_t>(gate.size()), 4);
  for (int64_t n : {int64_t{1}, int64_t{7}, int64_t{8}, int64_t{17}, static_cast<int64_t>(gate.size())}) {
    std::vector<float> expected(gate.begin(), gate.begin() + n);
    reference::silu_mul(expected.data(), up.data(), n);
    for (Isa isa : testing::supported_isas()) {
      std::vector<float> got(gate.begin(), gate.begin() + n);
      (*kernels_for(isa))->silu_mul(got.data(), up.data(), n);
      for (int64_t i = 0; i < n; ++i) {
        ASSERT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(expected[i]))
            << isa_name(isa) << " n " << n << " element " << i << " gate " << gate[i] << ": " << got[i] << " vs "
            << expected[i];
      }
    }
  }
}

TEST(SiluMul, ReferenceIsSilu) {
  std::vector<float> gate = silu_inputs();
  const std::vector<float> input = gate;
  const std::vector<float> up = testing::random_values(static_cast<int64_t>(gate.size()), 4);
  reference::silu_mul(gate.data(), up.data(), static_cast<int64_t>(gate.size()));
  for (size_t i = 0; i < gate.size(); ++i) {
    const double g = input[i];
    const double expected = g / (1.0 + std::exp(-g)) * up[i];
    EXPECT_NEAR(gate[i], expected, 1e-6 * std::abs(expected) + 1e-30) << "gate " << g;
  }
}

// The softmax numerators of decode attention: every ISA gives the
// reference's values and sum, and the reference is exp(x - shift) summed.
TEST(ExpShifted, EveryIsaGivesTheReferenceBits) {
  const std::vector<float> scores = testing::random_values(300, 9, 8.0f);  // differences down to -16
  const float shift = *std::max_element(scores.begin(), scores.end());
  for (int64_t n : {int64_t{1}, int64_t{7}, int64_t{8}, int64_t{16}, int64_t{17}, int64_t{33}, int64_t{300}}) {
    std::vector<float> expected(scores.begin(), scores.begin() + n);
    const double expected_sum = reference::exp_shifted(expected.data(), n, shift);
    double lanes[kExpSumLanes] = {};
    for (int64_t i = 0; i < n; ++i) {
      const float x = scores[i] - shift;
      const double exact = x <= -87.0f ? 0.0 : std::exp(double(x));  // exp_approx flushes below -87 to 0
      EXPECT_NEAR(expected[i], exact, 3e-7 * exact) << "x " << x;
      lanes[i % kExpSumLanes] += expected[i];
    }
    double check = 0.0;
    for (double lane : lanes) check += lane;
    EXPECT_EQ(expected_sum, check) << "the sum is the lane sums (index order within a lane) added in order";
    for (Isa isa : testing::supported_isas()) {
      std::vector<float> got(scores.begin(), scores.begin() + n);
      const double sum = (*kernels_for(isa))->exp_shifted(got.data(), n, shift);
      EXPECT_EQ(sum, expected_sum) << isa_name(isa) << " n " << n;
      for (int64_t i = 0; i < n; ++i) {
        ASSERT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(expected[i]))
            << isa_name(isa) << " n " << n << " element " << i;
      }
    }
  }
}

}  // namespace
}  // namespace loom::kernels
