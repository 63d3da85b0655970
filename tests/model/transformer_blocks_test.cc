// The decoder blocks' own arithmetic against plain loops that state it.
#include "model/transformer_blocks.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace loom::model {
namespace {

std::vector<float> random_row(int64_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  std::vector<float> row(n);
  for (float& v : row) v = dist(gen);
  return row;
}

TEST(SumOfSquares, MatchesItsChainOrderExactly) {
  for (int64_t n : {0, 1, 7, 8, 9, 64, 1023, 2048}) {
    const std::vector<float> x = random_row(n, static_cast<uint32_t>(n) + 1);
    double chains[8] = {};
    const int64_t whole = n / 8 * 8;
    for (int64_t i = 0; i < whole; ++i) chains[i % 8] += static_cast<double>(x[i] * x[i]);
    double expected = 0.0;
    for (double chain : chains) expected += chain;
    for (int64_t i = whole; i < n; ++i) expected += static_cast<double>(x[i] * x[i]);
    EXPECT_EQ(sum_of_squares(x.data(), n), expected) << "n " << n;
  }
}

TEST(SumOfSquares, AgreesWithOneRunningSumToTheFloatItFeeds) {
  for (int64_t n : {128, 1024, 2048, 4096}) {
    const std::vector<float> x = random_row(n, 7);
    double running = 0.0;
    for (float v : x) running += static_cast<double>(v * v);
    const double chained = sum_of_squares(x.data(), n);
    EXPECT_NEAR(chained, running, std::abs(running) * 1e-14) << "n " << n;
    EXPECT_EQ(static_cast<float>(chained / n), static_cast<float>(running / n)) << "n " << n;
  }
}

TEST(RmsNorm, ScalesEachRowByItsRootMeanSquare) {
  const int64_t width = 96, rows = 3;
  const std::vector<float> x = random_row(rows * width, 3);
  const std::vector<float> weight = random_row(width, 4);
  std::vector<float> out(x.size());
  rms_norm(x.data(), weight.data(), rows, width, 1e-6, out.data());
  for (int64_t row = 0; row < rows; ++row) {
    double sum = 0.0;
    for (int64_t i = 0; i < width; ++i) sum += static_cast<double>(x[row * width + i]) * x[row * width + i];
    const double scale = 1.0 / std::sqrt(sum / width + 1e-6);
    for (int64_t i = 0; i < width; ++i) {
      const double expected = x[row * width + i] * scale * weight[i];
      EXPECT_NEAR(out[row * width + i], expected, 1e-5 * (1.0 + std::abs(expected)));
    }
  }
}

}  // namespace
}  // namespace loom::model
