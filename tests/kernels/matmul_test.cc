// matmul against a naive double-precision product of the dequantized weights
// and the dequantized (dot-type-rounded) activations, on every instruction set;
// and the same bits for any thread count.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "kernels/kernels.h"
#include "kernels/quantize.h"
#include "kernels/reference/reference.h"
#include "test_util.h"

namespace loom::kernels {
namespace {

using testing::random_values;
using testing::sum_tolerance;

struct Problem {
  DType type;
  int64_t rows, cols, tokens;
};

const Problem kProblems[] = {
    {DType::kF32, 37, 100, 3},   {DType::kF16, 70, 96, 5},    {DType::kBF16, 33, 64, 2},
    {DType::kQ8_0, 129, 256, 4}, {DType::kQ4_0, 100, 320, 3}, {DType::kQ4_K, 67, 512, 3},
    {DType::kQ6_K, 45, 768, 2},  {DType::kQ4_0, 5, 64, 1},    {DType::kQ8_0, 300, 64, 17},
    // Ragged tiles: rows and tokens not multiples of the tile, an odd block count.
    {DType::kQ4_0, 67, 96, 9},   {DType::kQ8_0, 38, 160, 6},
};

struct Fixture {
  std::vector<std::byte> weights;
  MatrixView view;
  std::vector<float> x;
};

Fixture make(const Problem& p, uint32_t seed) {
  Fixture f;
  const std::vector<float> w = random_values(p.rows * p.cols, seed, 0.1f);
  f.weights = *quantize_matrix(p.type, w.data(), p.rows, p.cols);
  f.view = {.type = p.type, .rows = p.rows, .cols = p.cols, .data = f.weights.data(),
            .row_stride = f.weights.size() / static_cast<size_t>(p.rows)};
  f.x = random_values(p.tokens * p.cols, seed + 1);
  return f;
}

std::string name(const Problem& p) {
  return std::string(dtype_name(p.type)) + " " + std::to_string(p.rows) + "x" + std::to_string(p.cols) + " tokens " +
         std::to_string(p.tokens);
}

TEST(Matmul, MatchesDoublePrecisionProductOnEveryIsa) {
  const KernelTable& scalar = **kernels_for(Isa::kScalar);
  ThreadPool pool(2);
  const Isa original = kernels().isa;
  for (const Problem& p : kProblems) {
    Fixture f = make(p, 42);
    // The reference: decoded weights, activations rounded to the dot type.
    const DType activation_type = dot_type(p.type);
    std::vector<double> w(p.rows * p.cols), a(p.tokens * p.cols);
    std::vector<float> row(p.cols);
    for (int64_t r = 0; r < p.rows; ++r) {
      scalar.dequantize_row[slot(p.type)](f.weights.data() + r * f.view.row_stride, row.data(), p.cols);
      for (int64_t c = 0; c < p.cols; ++c) w[r * p.cols + c] = row[c];
    }
    std::vector<std::byte> rounded(testing::bytes_for(activation_type, p.cols));
    for (int64_t t = 0; t < p.tokens; ++t) {
      scalar.quantize_row[slot(activation_type)](f.x.data() + t * p.cols, rounded.data(), p.cols);
      scalar.dequantize_row[slot(activation_type)](rounded.data(), row.data(), p.cols);
      for (int64_t c = 0; c < p.cols; ++c) a[t * p.cols + c] = row[c];
    }
    for (Isa isa : testing::supported_isas()) {
      ASSERT_TRUE(select_isa(isa).ok());
      std::vector<float> y(p.tokens * p.rows, -1.0f);
      Scratch scratch;
      matmul(pool, f.view, f.x.data(), p.tokens, y.data(), scratch);
      for (int64_t t = 0; t < p.tokens; ++t) {
        for (int64_t r = 0; r < p.rows; ++r) {
          double expected = 0.0, magnitude = 0.0;
          for (int64_t c = 0; c < p.cols; ++c) {
            expected += w[r * p.cols + c] * a[t * p.cols + c];
            magnitude += std::abs(w[r * p.cols + c] * a[t * p.cols + c]);
          }
          ASSERT_NEAR(y[t * p.rows + r], expected, sum_tolerance(magnitude))
              << name(p) << " isa " << isa_name(isa) << " token " << t << " row " << r;
        }
      }
    }
  }
  ASSERT_TRUE(select_isa(original).ok());
}

TEST(Matmul, ResultsDoNotDependOnThreadCount) {
  for (const Problem& p : kProblems) {
    Fixture f = make(p, 7);
    std::vector<float> first;
    for (int threads : {1, 2, 3, 4}) {
      ThreadPool pool(threads);
      Scratch scratch;
      std::vector<float> y(p.tokens * p.rows);
      matmul(pool, f.view, f.x.data(), p.tokens, y.data(), scratch);
      if (first.empty()) {
        first = y;
      } else {
        ASSERT_EQ(0, std::memcmp(first.data(), y.data(), y.size() * sizeof(float))) << name(p) << " threads " << threads;
      }
    }
  }
}

TEST(Matmul, HonoursRowStrideAndReusesScratch) {
  // A view of every other row of a larger matrix (row_stride twice a row).
  const Problem p{DType::kQ8_0, 16, 64, 2};
  Fixture f = make({DType::kQ8_0, 32, 64, 2}, 9);
  MatrixView strided = f.view;
  strided.rows = 16;
  strided.row_stride = 2 * f.view.row_stride;
  ThreadPool pool(2);
  Scratch scratch;
  std::vector<float> all(2 * 32), picked(2 * 16);
  matmul(pool, f.view, f.x.data(), p.tokens, all.data(), scratch);
  matmul(pool, strided, f.x.data(), p.tokens, picked.data(), scratch);
  for (int64_t t = 0; t < 2; ++t) {
    for (int64_t r = 0; r < 16; ++r) EXPECT_EQ(picked[t * 16 + r], all[t * 32 + 2 * r]) << t << " " << r;
  }
}

// One-token tiles equal vec_dot bit for bit (decode); multi-token tiles of
// every shape equal each other bit for bit and vec_dot within reordering
// error, so the cut of rows among threads cannot change a result.
TEST(Matmul, DotTilesAgreeWithVecDot) {
  for (Isa isa : testing::supported_isas()) {
    const KernelTable& table = **kernels_for(isa);
    for (DType type : {DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ6_K, DType::kF16, DType::kBF16}) {
      if (table.dot_tile[slot(type)] == nullptr) continue;
      for (int64_t cols : {32, 64, 96, 256, 288}) {
        if (cols % tensor::dtype_info(type).block_elements != 0) continue;
        Fixture f = make({type, kTileRows, cols, kTileTokens}, 11);
        const DType activation_type = dot_type(type);
        const size_t activation_stride = testing::bytes_for(activation_type, cols);
        std::vector<std::byte> activations(activation_stride * kTileTokens);
        for (int t = 0; t < kTileTokens; ++t) {
          table.quantize_row[slot(activation_type)](f.x.data() + t * cols, activations.data() + t * activation_stride,
                                                    cols);
        }
        const auto run_tile = [&](int rows, int tokens) {
          std::vector<float> y(kTileTokens * kTileRows, -1.0f);
          table.dot_tile[slot(type)]({.n = cols, .weights = f.weights.data(), .weight_stride = f.view.row_stride,
                                      .rows = rows, .activations = activations.data(),
                                      .activation_stride = activation_stride, .tokens = tokens, .y = y.data(),
                                      .y_stride = kTileRows});
          return y;
        };
        const std::vector<float> full = run_tile(kTileRows, kTileTokens);
        std::vector<float> w_row(cols), a_row(cols);
        for (int rows = 1; rows <= kTileRows; ++rows) {
          for (int tokens = 1; tokens <= kTileTokens; ++tokens) {
            const std::vector<float> y = run_tile(rows, tokens);
            for (int t = 0; t < tokens; ++t) {
              for (int r = 0; r < rows; ++r) {
                const std::byte* w = f.weights.data() + r * f.view.row_stride;
                const std::byte* a = activations.data() + t * activation_stride;
                const float expected = table.vec_dot[slot(type)](cols, w, a);
                const std::string where = std::string(dtype_name(type)) + " " + std::string(isa_name(isa)) +
                                          " cols " + std::to_string(cols) + " tile " + std::to_string(rows) + "x" +
                                          std::to_string(tokens);
                if (tokens == 1) {
                  ASSERT_EQ(y[r], expected) << where;
                  continue;
                }
                ASSERT_EQ(y[t * kTileRows + r], full[t * kTileRows + r]) << where;
                table.dequantize_row[slot(type)](w, w_row.data(), cols);
                table.dequantize_row[slot(activation_type)](a, a_row.data(), cols);
                double magnitude = 0.0;
                for (int64_t c = 0; c < cols; ++c) magnitude += std::abs(double{w_row[c]} * a_row[c]);
                ASSERT_NEAR(y[t * kTileRows + r], expected, sum_tolerance(magnitude)) << where;
              }
            }
          }
        }
      }
    }
  }
}
}  // namespace
}  // namespace loom::kernels
