// Weight panels: repacking keeps every byte of every row; every ISA's panel
// kernel gives the scalar reference's bits for 1..8 tokens; matmul on panels
// agrees with matmul on rows within reordering error (K-quants: exactly), for
// any thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "kernels/kernels.h"
#include "kernels/panels.h"
#include "kernels/quantize.h"
#include "kernels/reference/reference.h"
#include "test_util.h"

namespace loom::kernels {
namespace {

using testing::random_values;
using testing::sum_tolerance;

struct Matrix {
  std::vector<std::byte> rows;    // GGUF's layout
  std::vector<std::byte> panels;  // the same weights as panels
  MatrixView row_view, panel_view;
};

Matrix make_matrix(DType type, int64_t rows, int64_t cols, uint32_t seed) {
  Matrix m;
  const std::vector<float> w = random_values(rows * cols, seed, 0.1f);
  m.rows = *quantize_matrix(type, w.data(), rows, cols);
  m.row_view = {.type = type, .rows = rows, .cols = cols, .data = m.rows.data(),
                .row_stride = m.rows.size() / static_cast<size_t>(rows)};
  m.panels.resize(m.rows.size());
  repack_to_panels(m.row_view, m.panels.data());
  m.panel_view = m.row_view;
  m.panel_view.data = m.panels.data();
  m.panel_view.layout = WeightLayout::kPanels;
  return m;
}

bool is_k_quant(DType type) { return type == DType::kQ4_K || type == DType::kQ6_K; }

// Row widths to test: one block, an odd count of blocks, many.
std::vector<int64_t> widths(DType type) {
  if (is_k_quant(type)) return {256, 768, 1024};
  return {32, 160, 1024};
}

// Activation rows in the dot type (and Q8_0/Q4_0 panel sums), as matmul prepares them.
struct Activations {
  std::vector<std::byte> rows;
  std::vector<PanelActivation> sums;
  size_t stride = 0;
};

Activations make_activations(DType weight_type, int64_t tokens, int64_t cols, uint32_t seed) {
  Activations a;
  const std::vector<float> x = random_values(tokens * cols, seed);
  if (weight_type == DType::kF16 || weight_type == DType::kBF16) {  // F32 rows of F16- (BF16-) rounded values
    const bool bf16 = weight_type == DType::kBF16;
    a.stride = static_cast<size_t>(cols) * sizeof(float);
    a.rows.resize(a.stride * tokens);
    std::vector<uint16_t> half(static_cast<size_t>(cols));
    for (int64_t t = 0; t < tokens; ++t) {
      (bf16 ? reference::quantize_row_bf16 : reference::quantize_row_f16)(x.data() + t * cols, half.data(), cols);
      (bf16 ? reference::dequantize_row_bf16 : reference::dequantize_row_f16)(
          half.data(), reinterpret_cast<float*>(a.rows.data() + t * a.stride), cols);
    }
    return a;
  }
  if (is_k_quant(weight_type)) {
    a.stride = testing::bytes_for(DType::kQ8_K, cols);
    a.rows.resize(a.stride * tokens);
    for (int64_t t = 0; t < tokens; ++t) reference::quantize_row_q8_K(x.data() + t * cols, a.rows.data() + t * a.stride, cols);
    return a;
  }
  a.stride = testing::bytes_for(DType::kQ8_0, cols);
  a.rows.resize(a.stride * tokens);
  a.sums.resize(static_cast<size_t>(tokens * cols / 32));
  for (int64_t t = 0; t < tokens; ++t) {
    reference::quantize_row_q8_0(x.data() + t * cols, a.rows.data() + t * a.stride, cols);
    panel_activation_sums(weight_type, a.rows.data() + t * a.stride, cols, a.sums.data() + t * cols / 32);
  }
  return a;
}

constexpr DType kPanelTypes[] = {DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ6_K, DType::kF16, DType::kBF16};

TEST(Panels, RepackingKeepsEveryRow) {
  for (DType type : kPanelTypes) {
    for (int64_t cols : widths(type)) {
      const Matrix m = make_matrix(type, 48, cols, 7);
      ASSERT_EQ(m.panels.size(), m.rows.size());
      EXPECT_NE(m.panels, m.rows);  // the layout does change
      std::vector<std::byte> row(m.row_view.row_stride);
      for (int64_t r = 0; r < 48; ++r) {
        unpack_panel_row(m.panel_view, r, row.data());
        ASSERT_EQ(0, std::memcmp(row.data(), m.rows.data() + r * m.row_view.row_stride, row.size()))
            << dtype_name(type) << " cols " << cols << " row " << r;
      }
    }
  }
}

TEST(Panels, EveryIsaGivesTheReferenceBits) {
  for (DType type : kPanelTypes) {
    for (int64_t cols : widths(type)) {
      const Matrix m = make_matrix(type, kTilePanels * kPanelRows, cols, 11);
      const Activations a = make_activations(type, kPanelTokens, cols, 12);
      const size_t panel_stride = kPanelRows * m.row_view.row_stride;
      for (int panels = 1; panels <= kTilePanels; ++panels) {
        for (int tokens = 1; tokens <= kPanelTokens; ++tokens) {
          const size_t y_stride = static_cast<size_t>(panels * kPanelRows);
          const auto run = [&](void (*kernel)(const PanelTile&)) {
            std::vector<float> y(tokens * y_stride, -1.0f);
            kernel({.n = cols, .panel = m.panels.data(), .panels = panels, .panel_stride = panel_stride,
                    .activations = a.rows.data(), .activation_stride = a.stride, .sums = a.sums.data(),
                    .sums_stride = static_cast<size_t>(cols / 32), .tokens = tokens, .y = y.data(),
                    .y_stride = y_stride});
            return y;
          };
          const std::vector<float> expected = run((*kernels_for(Isa::kScalar))->panel_tile[slot(type)]);
          // The reference is itself checked against the row layout's kernels
          // (MatmulOnPanelsAgreesWithRows); here every element must be written.
          for (float v : expected) ASSERT_NE(v, -1.0f);
          for (Isa isa : testing::supported_isas()) {
            const std::vector<float> got = run((*kernels_for(isa))->panel_tile[slot(type)]);
            for (size_t i = 0; i < got.size(); ++i) {
              ASSERT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(expected[i]))
                  << dtype_name(type) << " cols " << cols << " panels " << panels << " tokens " << tokens << " isa "
                  << isa_name(isa) << " element " << i << ": " << got[i] << " vs " << expected[i];
            }
          }
        }
      }
    }
  }
}

TEST(Panels, MatmulOnPanelsAgreesWithRowsForAnyThreadCount) {
  const Isa original = kernels().isa;
  struct Problem {
    DType type;
    int64_t rows, cols, tokens;
  };
  for (const Problem& p : {Problem{DType::kQ8_0, 64, 256, 1}, Problem{DType::kQ8_0, 48, 96, 19},
                           Problem{DType::kQ4_0, 80, 320, 1}, Problem{DType::kQ4_0, 32, 160, 13},
                           Problem{DType::kF16, 32, 200, 1}, Problem{DType::kF16, 48, 77, 11},
                           Problem{DType::kBF16, 32, 200, 1}, Problem{DType::kBF16, 48, 77, 11},
                           Problem{DType::kQ4_K, 64, 512, 1}, Problem{DType::kQ4_K, 48, 256, 13},
                           Problem{DType::kQ6_K, 32, 768, 1}, Problem{DType::kQ6_K, 48, 256, 19}}) {
    const Matrix m = make_matrix(p.type, p.rows, p.cols, 21);
    const std::vector<float> x = random_values(p.tokens * p.cols, 22);
    const std::string where = std::string(dtype_name(p.type)) + " " + std::to_string(p.rows) + "x" +
                              std::to_string(p.cols) + " tokens " + std::to_string(p.tokens);
    // Sum of |w * a| per element bounds the reordering error.
    std::vector<float> w_row(p.cols), a_row(p.cols);
    const bool q8_activations = p.type != DType::kF16 && p.type != DType::kBF16;
    std::vector<std::byte> q(q8_activations ? testing::bytes_for(DType::kQ8_0, p.cols) : 0);
    for (Isa isa : testing::supported_isas()) {
      ASSERT_TRUE(select_isa(isa).ok());
      ThreadPool one(1), three(3);
      Scratch scratch;
      std::vector<float> on_rows(p.tokens * p.rows), on_panels(p.tokens * p.rows), on_panels_3(p.tokens * p.rows);
      matmul(one, m.row_view, x.data(), p.tokens, on_rows.data(), scratch);
      matmul(one, m.panel_view, x.data(), p.tokens, on_panels.data(), scratch);
      matmul(three, m.panel_view, x.data(), p.tokens, on_panels_3.data(), scratch);
      EXPECT_EQ(on_panels, on_panels_3) << where;
      if (is_k_quant(p.type)) {  // both are vec_dot's bits (panels.h)
        EXPECT_EQ(on_panels, on_rows) << where << " isa " << isa_name(isa);
        continue;
      }
      for (int64_t t = 0; t < p.tokens; ++t) {
        if (q8_activations) {
          reference::quantize_row_q8_0(x.data() + t * p.cols, q.data(), p.cols);
          reference::dequantize_row_q8_0(q.data(), a_row.data(), p.cols);
        } else {
          std::copy(x.begin() + t * p.cols, x.begin() + (t + 1) * p.cols, a_row.begin());
        }
        for (int64_t r = 0; r < p.rows; ++r) {
          (**kernels_for(Isa::kScalar)).dequantize_row[slot(p.type)](m.rows.data() + r * m.row_view.row_stride,
                                                                     w_row.data(), p.cols);
          double magnitude = 0.0;
          for (int64_t c = 0; c < p.cols; ++c) magnitude += std::abs(double(w_row[c]) * a_row[c]);
          ASSERT_NEAR(on_panels[t * p.rows + r], on_rows[t * p.rows + r], 2 * sum_tolerance(magnitude))
              << where << " isa " << isa_name(isa) << " token " << t << " row " << r;
        }
      }
    }
  }
  ASSERT_TRUE(select_isa(original).ok());
}

TEST(Panels, SharedInputMatmulHasTheBitsOfSeparateMatmuls) {
  const Isa original = kernels().isa;
  for (DType type : kPanelTypes) {
    // Three matrices of one width (q/k/v-like), then one of another type: the
    // mixed call falls back to one matmul each.
    const int64_t cols = is_k_quant(type) ? 256 : 96;
    const Matrix q = make_matrix(type, 64, cols, 31), k = make_matrix(type, 32, cols, 32);
    const Matrix v = make_matrix(type, 32, cols, 33);
    const Matrix other = make_matrix(type == DType::kF16 ? DType::kQ8_0 : DType::kF16, 16, cols, 34);
    for (int64_t tokens : {1, 11}) {
      const std::vector<float> x = random_values(tokens * cols, 35);
      for (Isa isa : testing::supported_isas()) {
        ASSERT_TRUE(select_isa(isa).ok());
        ThreadPool pool(2);
        Scratch scratch;
        for (bool on_panels : {false, true}) {
          const auto view = [&](const Matrix& m) { return on_panels ? m.panel_view : m.row_view; };
          const MatrixView views[] = {view(q), view(k), view(v), view(other)};
          std::vector<std::vector<float>> separate(4), shared(4);
          std::vector<MatmulOutput> outputs;
          for (int i = 0; i < 4; ++i) {
            separate[i].resize(tokens * views[i].rows);
            shared[i].assign(tokens * views[i].rows, -1.0f);
            matmul(pool, views[i], x.data(), tokens, separate[i].data(), scratch);
            outputs.push_back({.w = &views[i], .y = shared[i].data()});
          }
          matmul_shared_input(pool, std::span(outputs).first(3), x.data(), tokens, scratch);
          matmul_shared_input(pool, std::span(outputs).last(2), x.data(), tokens, scratch);  // v and other: mixed
          for (int i = 0; i < 4; ++i) {
            EXPECT_EQ(shared[i], separate[i]) << dtype_name(type) << " matrix " << i << " tokens " << tokens << " isa "
                                              << isa_name(isa) << (on_panels ? " panels" : " rows");
          }
        }
      }
    }
  }
  ASSERT_TRUE(select_isa(original).ok());
}

}  // namespace
}  // namespace loom::kernels
