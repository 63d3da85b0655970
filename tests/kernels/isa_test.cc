// Every instruction set against the scalar reference: activation quantizers
// byte for byte, dequantizers exactly, dot products within the float
// reordering tolerance (exactly where the kernel keeps the reference's order).
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "base/half.h"
#include "kernels/kernels.h"
#include "kernels/quantize.h"
#include "kernels/reference/reference.h"
#include "test_util.h"

namespace loom::kernels {
namespace {

using testing::bytes_for;
using testing::random_values;
using testing::sum_tolerance;

std::vector<int64_t> lengths_for(DType type) {
  switch (dtype_info(type).block_elements) {
    case 1: return {1, 7, 8, 31, 32, 33, 100, 256, 1000, 4352};
    case 32: return {32, 64, 96, 224, 4096, 4352};
    default: return {256, 768, 4352};
  }
}

class IsaTest : public ::testing::TestWithParam<Isa> {
 protected:
  const KernelTable& table() const { return **kernels_for(GetParam()); }
  const KernelTable& reference_table() const { return **kernels_for(Isa::kScalar); }
};

// Values that land exactly on rounding ties: a block of 32 with amax 127
// (Q8_0 d = 1) holding k + 0.5, and a 256 block with max -127 (Q8_K scale 1).
std::vector<float> tie_values(int64_t n) {
  std::vector<float> values(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) values[i] = static_cast<float>(i % 100 - 50) + 0.5f;
  for (int64_t i = 0; i < n; i += 32) values[i] = (i / 32) % 2 ? -127.0f : 127.0f;
  for (int64_t i = 0; i < n; i += 256) values[i] = -127.0f;
  return values;
}

TEST_P(IsaTest, ActivationQuantizersAreByteIdenticalToReference) {
  for (DType type : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0, DType::kQ8_K}) {
    for (int64_t n : lengths_for(type)) {
      for (uint32_t seed : {1u, 2u, 3u}) {
        std::vector<float> x = seed == 3 ? tie_values(n) : random_values(n, seed * 1000 + n, seed == 2 ? 1e-3f : 3.0f);
        if (seed == 1 && n >= 64) std::fill(x.begin() + 32, x.begin() + 64, 0.0f);  // an all-zero block
        const size_t bytes = bytes_for(type, n);
        std::vector<std::byte> expected(bytes), actual(bytes, std::byte{0xAB});
        reference_table().quantize_row[slot(type)](x.data(), expected.data(), n);
        table().quantize_row[slot(type)](x.data(), actual.data(), n);
        ASSERT_EQ(0, std::memcmp(expected.data(), actual.data(), bytes))
            << dtype_name(type) << " n=" << n << " seed=" << seed;
      }
    }
  }
}

TEST_P(IsaTest, DequantizersMatchReferenceExactly) {
  for (DType type : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ6_K}) {
    for (int64_t n : lengths_for(type)) {
      const std::vector<float> x = random_values(n, static_cast<uint32_t>(n) + 7);
      const std::vector<std::byte> encoded = *quantize_matrix(type, x.data(), 1, n);
      std::vector<float> expected(n), actual(n);
      reference_table().dequantize_row[slot(type)](encoded.data(), expected.data(), n);
      table().dequantize_row[slot(type)](encoded.data(), actual.data(), n);
      ASSERT_EQ(0, std::memcmp(expected.data(), actual.data(), n * sizeof(float))) << dtype_name(type) << " n=" << n;
    }
  }
}

TEST_P(IsaTest, DotProductsMatchReference) {
  for (DType type : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ6_K}) {
    const DType activation_type = dot_type(type);
    // The K-quant kernels form each super-block's integer sum exactly and then
    // scale it as the reference does, so they must agree bit for bit.
    const bool exact = type == DType::kQ4_K || type == DType::kQ6_K;
    for (int64_t n : lengths_for(type)) {
      for (uint32_t seed = 0; seed < 4; ++seed) {
        const std::vector<float> w = random_values(n, 100 * seed + n, 0.05f);
        const std::vector<float> a = random_values(n, 100 * seed + n + 50, 2.0f);
        const std::vector<std::byte> wq = *quantize_matrix(type, w.data(), 1, n);
        std::vector<std::byte> aq(bytes_for(activation_type, n));
        reference_table().quantize_row[slot(activation_type)](a.data(), aq.data(), n);
        std::vector<float> wd(n), ad(n);
        reference_table().dequantize_row[slot(type)](wq.data(), wd.data(), n);
        reference_table().dequantize_row[slot(activation_type)](aq.data(), ad.data(), n);
        double magnitude = 0.0;
        for (int64_t i = 0; i < n; ++i) magnitude += std::abs(static_cast<double>(wd[i]) * ad[i]);

        const float expected = reference_table().vec_dot[slot(type)](n, wq.data(), aq.data());
        const float actual = table().vec_dot[slot(type)](n, wq.data(), aq.data());
        if (exact) {
          ASSERT_EQ(expected, actual) << dtype_name(type) << " n=" << n << " seed=" << seed;
        } else {
          ASSERT_NEAR(expected, actual, sum_tolerance(magnitude)) << dtype_name(type) << " n=" << n << " seed=" << seed;
        }
      }
    }
  }
}

TEST_P(IsaTest, AttentionHelpersMatchReference) {
  for (int64_t n : lengths_for(DType::kF32)) {
    const std::vector<float> a = random_values(n, static_cast<uint32_t>(n) + 11);
    const std::vector<float> b = random_values(n, static_cast<uint32_t>(n) + 12);
    std::vector<uint16_t> b16(n);
    reference::quantize_row_f16(b.data(), b16.data(), n);
    double magnitude = 0.0, magnitude16 = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      magnitude += std::abs(static_cast<double>(a[i]) * b[i]);
      magnitude16 += std::abs(static_cast<double>(a[i]) * f16_to_f32(b16[i]));
    }
    EXPECT_NEAR(table().dot_f32(n, a.data(), b.data()), reference::dot_f32(n, a.data(), b.data()),
                sum_tolerance(magnitude)) << n;
    EXPECT_NEAR(table().dot_f32_f16(n, a.data(), b16.data()), reference::dot_f32_f16(n, a.data(), b16.data()),
                sum_tolerance(magnitude16)) << n;

    // axpy multiplies then adds in both, so the results are identical.
    std::vector<float> expected = a, actual = a;
    reference::axpy_f32(n, 0.37f, b.data(), expected.data());
    table().axpy_f32(n, 0.37f, b.data(), actual.data());
    ASSERT_EQ(0, std::memcmp(expected.data(), actual.data(), n * sizeof(float))) << n;
    expected = a;
    actual = a;
    reference::axpy_f16(n, -1.25f, b16.data(), expected.data());
    table().axpy_f16(n, -1.25f, b16.data(), actual.data());
    ASSERT_EQ(0, std::memcmp(expected.data(), actual.data(), n * sizeof(float))) << n;
  }
}

TEST_P(IsaTest, BatchedCacheRowKernelsEqualTheirSingleRowLoops) {
  if (table().dot_f32_f16_rows == nullptr || table().axpy_f16_rows == nullptr) GTEST_SKIP() << "no batched forms";
  // Head sizes with unrolled forms (64, 128), remainders of 8-lane and of
  // 32-element chunks, and scalar remainders (3, 37, 100).
  for (int64_t n : {3, 8, 37, 64, 72, 100, 128, 200}) {
    for (int64_t count : {1, 5, 8, 16, 21, 40}) {  // within one block (8 or 16 rows) and across blocks
      const size_t stride = static_cast<size_t>(n) + 24;  // rows of a cache hold every head
     for (int64_t queries : {1, 2, 3, 4, 5, 8}) {  // one pass, more than one with a partial pass, two whole
      const std::string where = "n " + std::to_string(n) + " count " + std::to_string(count) + " queries " +
                                std::to_string(queries);
      const std::vector<float> q = random_values(n * queries, static_cast<uint32_t>(n) + 21);
      const std::vector<float> values = random_values(static_cast<int64_t>(stride) * count, 22);
      std::vector<uint16_t> rows(values.size());
      reference::quantize_row_f16(values.data(), rows.data(), static_cast<int64_t>(rows.size()));
      const size_t weights_stride = static_cast<size_t>(count) + 3;
      const std::vector<float> weights = random_values(static_cast<int64_t>(weights_stride) * queries, 23);

      const size_t scores_stride = static_cast<size_t>(count) + 5;
      std::vector<float> scores(scores_stride * queries, -1.0f), expected_scores = scores;
      // next_rows: the rows themselves (prefetching them must not change a bit)
      table().dot_f32_f16_rows(n, q.data(), queries, rows.data(), rows.data(), stride, count, 0.125f, scores.data(),
                               scores_stride);
      for (int64_t m = 0; m < queries; ++m) {
        for (int64_t j = 0; j < count; ++j) {
          expected_scores[m * scores_stride + j] =
              table().dot_f32_f16(n, q.data() + m * n, rows.data() + j * stride) * 0.125f;
        }
      }
      ASSERT_EQ(0, std::memcmp(scores.data(), expected_scores.data(), scores.size() * sizeof(float))) << where;

      std::vector<float> y = random_values(n * queries, 24), expected_y = y;
      table().axpy_f16_rows(n, weights.data(), weights_stride, queries, rows.data(), rows.data(), stride, count,
                            y.data());
      for (int64_t m = 0; m < queries; ++m) {
        for (int64_t j = 0; j < count; ++j) {
          table().axpy_f16(n, weights[m * weights_stride + j], rows.data() + j * stride, expected_y.data() + m * n);
        }
      }
      ASSERT_EQ(0, std::memcmp(y.data(), expected_y.data(), y.size() * sizeof(float))) << where;
     }
    }
  }
}

TEST_P(IsaTest, TableIsCompleteAndNamed) {
  EXPECT_EQ(table().isa, GetParam());
  for (DType type : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ6_K}) {
    EXPECT_NE(table().dequantize_row[slot(type)], nullptr) << dtype_name(type);
    EXPECT_NE(table().vec_dot[slot(type)], nullptr) << dtype_name(type);
    EXPECT_NE(table().quantize_row[slot(dot_type(type))], nullptr) << dtype_name(type);
  }
  EXPECT_NE(table().dot_f32, nullptr);
  EXPECT_NE(table().dot_f32_f16, nullptr);
  EXPECT_NE(table().axpy_f32, nullptr);
  EXPECT_NE(table().axpy_f16, nullptr);
}

INSTANTIATE_TEST_SUITE_P(Kernels, IsaTest, ::testing::ValuesIn(testing::supported_isas()),
                         [](const ::testing::TestParamInfo<Isa>& info) { return std::string(isa_name(info.param)); });

TEST(KernelSelection, UnsupportedIsaIsAnErrorAndSelectSwitchesTheActiveTable) {
  const Isa original = kernels().isa;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    const Result<const KernelTable*> table = kernels_for(isa);
    EXPECT_EQ(table.ok(), isa_supported(isa)) << isa_name(isa);
    if (!table.ok()) {
      EXPECT_FALSE(select_isa(isa).ok());
      continue;
    }
    ASSERT_TRUE(select_isa(isa).ok());
    EXPECT_EQ(&kernels(), *table);
  }
  ASSERT_TRUE(select_isa(original).ok());
}

}  // namespace
}  // namespace loom::kernels
