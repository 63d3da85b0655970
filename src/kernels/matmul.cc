// matmul: Y = X @ W^T for one weight matrix (or several sharing X) and a batch
// of token rows. The prefill and decode path of every linear layer.
#include <algorithm>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/panels.h"

namespace loom::kernels {
namespace {

// Output rows a thread computes for all tokens before moving on, so the tile
// of weight rows stays in L1/L2 while every token streams past it.
constexpr int64_t kRowTile = 32;
// Threads get whole multiples of this many rows when there are enough rows,
// so tiles stay aligned and no two threads write the same cache line of Y.
constexpr int64_t kRowGranule = 16;

}  // namespace

void* Scratch::get(size_t bytes) {
  if (buffer_.size() < bytes) buffer_.resize(bytes);
  return buffer_.data();
}

namespace {

// Split the output rows across threads; each thread walks its rows in tiles,
// all tokens per tile. How an element is computed depends only on the token
// tile it falls in (see DotTile), never on the rows a thread got, so the
// result does not depend on the thread count.
void multiply_rows(ThreadPool& pool, const MatrixView& w, const std::byte* activations, size_t activation_stride,
                   int64_t n_tokens, float* y) {
  if (w.rows <= 0) return;
  const KernelTable& table = kernels();
  const auto vec_dot = table.vec_dot[slot(w.type)];
  const int64_t cols = w.cols;
  const auto* weights = static_cast<const std::byte*>(w.data);

  const auto dot_tile = table.dot_tile[slot(w.type)];
  const int64_t granule = w.rows >= kRowGranule * pool.size() ? kRowGranule : 1;
  const int64_t units = (w.rows + granule - 1) / granule;
  pool.parallel_for(units, [&](int64_t unit_begin, int64_t unit_end, int) {
    const int64_t row_end = std::min(w.rows, unit_end * granule);
    for (int64_t tile = unit_begin * granule; tile < row_end; tile += kRowTile) {
      const int64_t tile_end = std::min(row_end, tile + kRowTile);
      if (dot_tile != nullptr) {
        for (int64_t token = 0; token < n_tokens; token += kTileTokens) {
          for (int64_t row = tile; row < tile_end; row += kTileRows) {
            dot_tile({.n = cols,
                      .weights = weights + row * w.row_stride,
                      .weight_stride = w.row_stride,
                      .rows = static_cast<int>(std::min<int64_t>(kTileRows, tile_end - row)),
                      .activations = activations + token * activation_stride,
                      .activation_stride = activation_stride,
                      .tokens = static_cast<int>(std::min<int64_t>(kTileTokens, n_tokens - token)),
                      .y = y + token * w.rows + row,
                      .y_stride = static_cast<size_t>(w.rows)});
          }
        }
        continue;
      }
      for (int64_t token = 0; token < n_tokens; ++token) {
        const std::byte* activation = activations + token * activation_stride;
        float* out = y + token * w.rows;
        for (int64_t row = tile; row < tile_end; ++row) {
          out[row] = vec_dot(cols, weights + row * w.row_stride, activation);
        }
      }
    }
  });
}

// The matrices of `outputs` share a type, a width and a layout.
void multiply(ThreadPool& pool, std::span<const MatmulOutput> outputs, const float* x, int64_t n_tokens,
              Scratch& scratch) {
  const MatrixView& w = *outputs.front().w;
  const KernelTable& table = kernels();
  const DType activation_type = dot_type(w.type);
  const auto vec_dot = table.vec_dot[slot(w.type)];
  CHECK(vec_dot != nullptr);
  const Result<size_t> activation_bytes = tensor::row_bytes(activation_type, w.cols);
  CHECK(activation_bytes.ok());  // cols is a multiple of the block: checked when the weights load
  CHECK(tensor::row_bytes(w.type, w.cols).ok());
  const int64_t cols = w.cols;

  // 1. Convert every token row to the dot type once (F32 weights use X as is);
  // Q8_0/Q4_0 panels also take each block's scale and offset correction
  // (panels.h).
  const bool panels = w.layout == WeightLayout::kPanels;
  CHECK(!panels || table.panel_tile[slot(w.type)] != nullptr);
  for (const MatmulOutput& output : outputs) CHECK(!panels || output.w->rows % kPanelRows == 0);
  const int64_t blocks = cols / tensor::kQK8_0;
  const std::byte* activations = reinterpret_cast<const std::byte*>(x);
  size_t activation_stride = static_cast<size_t>(cols) * sizeof(float);
  PanelActivation* sums = nullptr;
  // F16 and BF16 panels take F32 rows holding the rounded activations (panels.h).
  const bool widened = panels && (w.type == DType::kF16 || w.type == DType::kBF16);
  if (activation_type != DType::kF32) {
    activation_stride = widened ? static_cast<size_t>(cols) * sizeof(float) : *activation_bytes;
    const size_t converted_bytes = (activation_stride * n_tokens + alignof(PanelActivation) - 1) /
                                   alignof(PanelActivation) * alignof(PanelActivation);
    const size_t sums_bytes = panels && panel_needs_sums(w.type) ? sizeof(PanelActivation) * blocks * n_tokens : 0;
    auto* converted = static_cast<std::byte*>(scratch.get(converted_bytes + sums_bytes));
    if (sums_bytes > 0) sums = reinterpret_cast<PanelActivation*>(converted + converted_bytes);
    const auto quantize = table.quantize_row[slot(activation_type)];
    CHECK(quantize != nullptr);
    const auto convert = [&](int64_t begin, int64_t end) {
      for (int64_t token = begin; token < end; ++token) {
        std::byte* row = converted + token * activation_stride;
        if (widened) {  // through one F16 (BF16) row per thread
          thread_local std::vector<std::byte> half_row;
          half_row.resize(*activation_bytes);
          quantize(x + token * cols, half_row.data(), cols);
          table.dequantize_row[slot(activation_type)](half_row.data(), reinterpret_cast<float*>(row), cols);
          continue;
        }
        quantize(x + token * cols, row, cols);
        if (sums != nullptr) panel_activation_sums(w.type, row, cols, sums + token * blocks);
      }
    };
    if (n_tokens == 1) {
      convert(0, 1);
    } else {
      pool.parallel_for(n_tokens, [&](int64_t begin, int64_t end, int) { convert(begin, end); });
    }
    activations = converted;
  }

  if (panels) {
    // Threads take whole panels, of every matrix in one job; each panel meets
    // every token while it is in L1/L2. An element's operations do not depend
    // on the token tile it falls in (panels.h), so neither does the result.
    const auto panel_tile = table.panel_tile[slot(w.type)];
    int64_t total_panels = 0;
    for (const MatmulOutput& output : outputs) total_panels += output.w->rows / kPanelRows;
    pool.parallel_for(total_panels, [&](int64_t begin, int64_t end, int) {
      for (int64_t unit = begin; unit < end;) {
        size_t index = 0;
        int64_t panel = unit;
        while (panel >= outputs[index].w->rows / kPanelRows) panel -= outputs[index++].w->rows / kPanelRows;
        const MatrixView& m = *outputs[index].w;
        // Up to kTilePanels panels of this matrix in one call (panels.h); for
        // one token as many as the kernel table asks (KernelTable).
        const int64_t per_call = n_tokens == 1 ? std::max(1, table.one_token_panels[slot(w.type)]) : kTilePanels;
        const int count = static_cast<int>(std::min<int64_t>({per_call, end - unit, m.rows / kPanelRows - panel}));
        const size_t panel_stride = kPanelRows * m.row_stride;
        const auto* weights = static_cast<const std::byte*>(m.data) + panel * panel_stride;
        for (int64_t token = 0; token < n_tokens; token += kPanelTokens) {
          panel_tile({.n = cols,
                      .panel = weights,
                      .panels = count,
                      .panel_stride = panel_stride,
                      .activations = activations + token * activation_stride,
                      .activation_stride = activation_stride,
                      .sums = sums != nullptr ? sums + token * blocks : nullptr,
                      .sums_stride = static_cast<size_t>(blocks),
                      .tokens = static_cast<int>(std::min<int64_t>(kPanelTokens, n_tokens - token)),
                      .y = outputs[index].y + token * m.rows + panel * kPanelRows,
                      .y_stride = static_cast<size_t>(m.rows)});
        }
        unit += count;
      }
    });
    return;
  }
  for (const MatmulOutput& output : outputs) {
    multiply_rows(pool, *output.w, activations, activation_stride, n_tokens, output.y);
  }
}

}  // namespace

void matmul(ThreadPool& pool, const MatrixView& w, const float* x, int64_t n_tokens, float* y, Scratch& scratch) {
  const MatmulOutput output{.w = &w, .y = y};
  matmul_shared_input(pool, {&output, 1}, x, n_tokens, scratch);
}

void matmul_shared_input(ThreadPool& pool, std::span<const MatmulOutput> outputs, const float* x, int64_t n_tokens,
                         Scratch& scratch) {
  if (n_tokens <= 0 || outputs.empty()) return;
  const MatrixView& first = *outputs.front().w;
  for (const MatmulOutput& output : outputs) {
    const MatrixView& w = *output.w;
    if (w.type != first.type || w.cols != first.cols || w.layout != first.layout) {
      for (const MatmulOutput& one : outputs) multiply(pool, {&one, 1}, x, n_tokens, scratch);
      return;
    }
  }
  multiply(pool, outputs, x, n_tokens, scratch);
}

}  // namespace loom::kernels
