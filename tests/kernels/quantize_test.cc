// Weight quantizers: round-trip error bounds per type, measured against the
// error of a uniform grid of the same bit width over each block's range.
#include "kernels/quantize.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/kernels.h"
#include "test_util.h"

namespace loom::kernels {
namespace {

using testing::random_values;

std::vector<float> round_trip(DType type, const std::vector<float>& x, int64_t rows, int64_t cols) {
  const Result<std::vector<std::byte>> encoded = quantize_matrix(type, x.data(), rows, cols);
  EXPECT_TRUE(encoded.ok()) << encoded.status().to_string();
  EXPECT_EQ(encoded->size(), *tensor::row_bytes(type, cols) * rows);
  const KernelTable& scalar = **kernels_for(Isa::kScalar);
  std::vector<float> out(x.size());
  const size_t row_bytes = *tensor::row_bytes(type, cols);
  for (int64_t r = 0; r < rows; ++r) {
    scalar.dequantize_row[slot(type)](encoded->data() + r * row_bytes, out.data() + r * cols, cols);
  }
  return out;
}

double rms(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0.0;
  for (size_t i = 0; i < a.size(); ++i) sum += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
  return std::sqrt(sum / a.size());
}

// RMS error of rounding every block of `block` values to a uniform grid of
// `levels` steps spanning that block's [min, max]: step/sqrt(12) per block.
double uniform_grid_rms(const std::vector<float>& x, int block, int levels) {
  double sum = 0.0;
  for (size_t start = 0; start < x.size(); start += block) {
    const auto [low, high] = std::minmax_element(x.begin() + start, x.begin() + start + block);
    const double step = (*high - *low) / (levels - 1);
    sum += step * step / 12.0 * block;
  }
  return std::sqrt(sum / x.size());
}

TEST(Quantize, FloatTypesRoundTripWithinTheirPrecision) {
  const std::vector<float> x = random_values(4 * 96, 1);
  EXPECT_EQ(round_trip(DType::kF32, x, 4, 96), x);
  const std::vector<float> f16 = round_trip(DType::kF16, x, 4, 96);
  const std::vector<float> bf16 = round_trip(DType::kBF16, x, 4, 96);
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_LE(std::abs(f16[i] - x[i]), std::abs(x[i]) * 0x1.0p-11f + 1e-7f) << i;  // half an f16 ulp
    EXPECT_LE(std::abs(bf16[i] - x[i]), std::abs(x[i]) * 0x1.0p-8f) << i;          // half a bf16 ulp
  }
}

TEST(Quantize, BlockTypesErrorIsAtMostTheirGridsError) {
  struct Case {
    DType type;
    int block;       // elements sharing one scale
    int levels;      // grid levels across the block's range
    bool symmetric;  // grid over [-amax, amax] (scale only) or [min, max] (scale and min)
    double factor;
  };
  // Q8_0, Q4_0 and Q6_K have a scale only; Q4_K fits a scale and a min per
  // sub-block. K-quants also round their sub-block scales to 6 (Q4_K) or 8
  // (Q6_K) bits, which the small factor above 1 allows for.
  const Case cases[] = {{DType::kQ8_0, 32, 255, true, 1.05},
                        {DType::kQ4_0, 32, 16, true, 1.08},
                        {DType::kQ4_K, 32, 16, false, 1.02},
                        {DType::kQ6_K, 16, 64, true, 1.02}};
  for (const Case& c : cases) {
    for (uint32_t seed : {1u, 2u}) {
      const std::vector<float> x = random_values(8 * 512, seed, 0.02f);
      const std::vector<float> y = round_trip(c.type, x, 8, 512);
      std::vector<float> bounds = x;
      if (c.symmetric) {  // the grid's range becomes [-amax, amax]
        for (size_t start = 0; start < x.size(); start += c.block) {
          float amax = 0.0f;
          for (int i = 0; i < c.block; ++i) amax = std::max(amax, std::abs(x[start + i]));
          bounds[start] = -amax;
          bounds[start + 1] = amax;
        }
      }
      const double grid = uniform_grid_rms(bounds, c.block, c.levels);
      const double error = rms(x, y);
      EXPECT_LT(error, c.factor * grid) << dtype_name(c.type) << " seed " << seed << " rms " << error << " grid " << grid;
      EXPECT_GT(error, 0.0) << dtype_name(c.type);
    }
  }
}

TEST(Quantize, KQuantsHandleConstantAndZeroBlocks) {
  std::vector<float> x(512, 0.0f);
  std::fill(x.begin() + 256, x.end(), -0.75f);
  for (DType type : {DType::kQ4_K, DType::kQ6_K}) {
    const std::vector<float> y = round_trip(type, x, 1, 512);
    for (int i = 0; i < 256; ++i) ASSERT_EQ(y[i], 0.0f) << dtype_name(type) << " " << i;
    for (int i = 256; i < 512; ++i) ASSERT_NEAR(y[i], -0.75f, 0.75f / 60) << dtype_name(type) << " " << i;
  }
}

TEST(Quantize, AThreadPoolGivesTheSameBytes) {
  const std::vector<float> x = random_values(37 * 512, 5, 0.2f);
  ThreadPool pool(3);
  for (DType type : {DType::kF16, DType::kBF16, DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ6_K}) {
    const auto alone = quantize_matrix(type, x.data(), 37, 512);
    const auto pooled = quantize_matrix(type, x.data(), 37, 512, &pool);
    ASSERT_TRUE(alone.ok() && pooled.ok()) << dtype_name(type);
    EXPECT_EQ(*alone, *pooled) << dtype_name(type);
  }
}

TEST(Quantize, RejectsBadShapesAndActivationOnlyTypes) {
  const std::vector<float> x(64, 1.0f);
  EXPECT_FALSE(quantize_matrix(DType::kQ4_0, x.data(), 1, 48).ok());
  EXPECT_FALSE(quantize_matrix(DType::kQ4_K, x.data(), 1, 64).ok());
  EXPECT_FALSE(quantize_matrix(DType::kQ8_K, x.data(), 1, 64).ok());
  EXPECT_FALSE(quantize_matrix(DType::kF32, x.data(), -1, 64).ok());
}

}  // namespace
}  // namespace loom::kernels
