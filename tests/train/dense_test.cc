// The dense kernels of every ISA the machine runs against plain double loops.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "kernels/kernels.h"
#include "train/dense.h"
#include "train_test_support.h"

namespace loom::train {
namespace {

class DenseTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!isa_supported(GetParam())) GTEST_SKIP() << "CPU lacks " << isa_name(GetParam());
    previous_ = kernels::kernels().isa;
    ASSERT_TRUE(kernels::select_isa(GetParam()).ok());
  }
  void TearDown() override { (void)kernels::select_isa(previous_); }
  Isa previous_ = Isa::kScalar;
};

struct Shape {
  int64_t m, n, k;
  bool transposed_a;
  bool accumulate;
};

TEST_P(DenseTest, GemmMatchesDoubleReference) {
  ASSERT_EQ(dense_kernels().isa, GetParam());
  // Shapes around every tile, strip and block boundary, both A layouts.
  const Shape shapes[] = {{1, 1, 1, false, false},   {3, 5, 7, false, true},   {4, 16, 32, false, false},
                          {5, 17, 33, true, false},  {64, 64, 256, false, true}, {67, 131, 300, true, true},
                          {130, 70, 513, false, false}, {9, 200, 3, true, false}};
  uint64_t seed = 1;
  for (const Shape& s : shapes) {
    const int64_t a_rows = s.transposed_a ? s.k : s.m, a_cols = s.transposed_a ? s.m : s.k;
    const int64_t lda = a_cols + 3, ldb = s.n + 5, ldc = s.n + 2;  // padded rows: strides are honoured
    const std::vector<float> a = testing::random_values(a_rows * lda, 1.0f, seed++);
    const std::vector<float> b = testing::random_values(s.k * ldb, 1.0f, seed++);
    std::vector<float> c = testing::random_values(s.m * ldc, 1.0f, seed++);
    const std::vector<float> c_before = c;
    GemmArgs args{.m = s.m, .n = s.n, .k = s.k, .a = a.data(),
                  .a_row_stride = s.transposed_a ? 1 : lda, .a_col_stride = s.transposed_a ? lda : 1,
                  .b = b.data(), .b_row_stride = ldb, .c = c.data(), .c_row_stride = ldc, .accumulate = s.accumulate};
    dense_kernels().gemm(args);
    for (int64_t i = 0; i < s.m; ++i) {
      for (int64_t j = 0; j < s.n; ++j) {
        double sum = s.accumulate ? c_before[i * ldc + j] : 0.0, magnitude = std::abs(sum);
        for (int64_t l = 0; l < s.k; ++l) {
          const double term = static_cast<double>(a[i * args.a_row_stride + l * args.a_col_stride]) * b[l * ldb + j];
          sum += term;
          magnitude += std::abs(term);
        }
        ASSERT_NEAR(c[i * ldc + j], sum, 1e-6 * magnitude + 1e-7) << s.m << "x" << s.n << "x" << s.k << " at " << i
                                                                  << "," << j;
      }
      for (int64_t j = s.n; j < ldc; ++j) ASSERT_EQ(c[i * ldc + j], c_before[i * ldc + j]) << "padding written";
    }
  }
}

TEST_P(DenseTest, ExpMatchesStdExp) {
  std::vector<float> x;
  for (float value = -87.0f; value < 88.0f; value += 0.0137f) x.push_back(value);
  x.push_back(0.0f);
  x.push_back(-1e-8f);
  std::vector<float> y = x;
  dense_kernels().exp(y.data(), static_cast<int64_t>(y.size()));  // odd length: the tail path too
  for (size_t i = 0; i < x.size(); ++i) {
    const double expected = std::exp(static_cast<double>(x[i]));
    ASSERT_NEAR(y[i], expected, 4e-7 * expected) << "exp(" << x[i] << ")";
  }
  std::vector<float> extremes = {-1000.0f, -88.0f, -std::numeric_limits<float>::infinity(), 100.0f};
  dense_kernels().exp(extremes.data(), static_cast<int64_t>(extremes.size()));
  EXPECT_EQ(extremes[0], 0.0f);
  EXPECT_EQ(extremes[1], 0.0f);
  EXPECT_EQ(extremes[2], 0.0f);
  EXPECT_TRUE(std::isfinite(extremes[3]));
}

TEST_P(DenseTest, SoftmaxAndItsBackwardMatchDoubleReference) {
  for (int64_t n : {1, 3, 16, 17, 100}) {
    const std::vector<float> x = testing::random_values(n, 4.0f, static_cast<uint64_t>(n));
    const std::vector<float> g = testing::random_values(n, 1.0f, static_cast<uint64_t>(n) + 100);
    const float scale = 0.7f;
    std::vector<float> p = x;
    dense_kernels().softmax(p.data(), n, scale);
    double max_value = -INFINITY, sum = 0.0, dot = 0.0;
    for (float value : x) max_value = std::max(max_value, static_cast<double>(value) * scale);
    for (float value : x) sum += std::exp(value * static_cast<double>(scale) - max_value);
    std::vector<double> expected(n);
    for (int64_t i = 0; i < n; ++i) {
      expected[i] = std::exp(x[i] * static_cast<double>(scale) - max_value) / sum;
      ASSERT_NEAR(p[i], expected[i], 1e-6 * expected[i] + 1e-9) << "n " << n << " at " << i;
      dot += expected[i] * g[i];
    }
    std::vector<float> grad = g;
    dense_kernels().softmax_backward(p.data(), grad.data(), n, scale);
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_NEAR(grad[i], expected[i] * (g[i] - dot) * scale, 1e-6) << "n " << n << " at " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryIsa, DenseTest, ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512),
                         [](const auto& info) { return std::string(isa_name(info.param)); });

}  // namespace
}  // namespace loom::train
