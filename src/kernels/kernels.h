// The kernel table: every numeric primitive the model needs, as function
// pointers chosen once at start-up for the best instruction set the CPU has.
// The scalar reference in reference/ defines correctness; x86_avx2/ and
// x86_avx512/ must agree with it:
//  - quantize_row (activations): byte-identical for every ISA (F16/BF16 round
//    to nearest even, Q8_0 rounds halves away from zero like roundf, Q8_K to
//    nearest even like llama.cpp's nearest_int);
//  - dequantize_row and axpy: bit-identical;
//  - vec_dot for Q4_K/Q6_K: bit-identical (exact integer sums per super-block,
//    scaled in the reference's order); for the other types the float sum runs
//    in another order, so results differ by reordering error only (tests allow
//    2e-6 * sum|w_i*a_i|).
//
// Quantized matmuls follow llama.cpp's scheme so results agree with it:
// activations are first converted to the weight type's "dot type" (F16 for
// F16 weights, BF16 for BF16, Q8_0 blocks for Q8_0/Q4_0, Q8_K blocks for
// Q4_K/Q6_K, F32 for F32) and then dotted with the weight rows. Rounding
// follows llama.cpp's *reference* quantizers; llama.cpp's own x86 Q8_0
// activation quantizer rounds halves to even, so on exact ties (rare) the two
// can differ by one step in one activation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/cpu_features.h"
#include "base/status.h"
#include "base/thread_pool.h"
#include "tensor/dtype.h"

namespace loom::kernels {

using tensor::DType;

constexpr int kTypeSlots = 32;  // DType values are GGML ids < 32
inline int slot(DType type) { return static_cast<int>(type); }

// The activation format that weights of `type` are dotted with.
DType dot_type(DType weight_type);

// A tile of a matmul: y[token * y_stride + row] = dot(weight row `row`,
// activation row `token`) for row < rows (1..kTileRows) and token < tokens
// (1..kTileTokens). It shares each weight load (and unpacking) among the
// tokens and each activation load among the rows. One-token tiles compute
// every element as vec_dot does; multi-token tiles compute every element the
// same way whatever their shape (identical bits among them), within
// reordering error of vec_dot. Since matmul cuts tokens into tiles the same
// way for any thread count, its results never depend on the thread count.
constexpr int kTileRows = 4;
constexpr int kTileTokens = 4;
struct DotTile {
  int64_t n = 0;  // elements per row
  const void* weights = nullptr;
  size_t weight_stride = 0;  // bytes
  int rows = 0;
  const void* activations = nullptr;
  size_t activation_stride = 0;  // bytes
  int tokens = 0;
  float* y = nullptr;
  size_t y_stride = 0;  // floats
};

struct PanelTile;  // kernels/panels.h
struct AttentionTile;  // kernels/attention_tile.h

// Lane sums of exp_shifted (KernelTable::exp_shifted).
inline constexpr int kExpSumLanes = 16;

struct KernelTable {
  Isa isa = Isa::kScalar;
  // Whether models should store Q8_0/Q4_0 weights as panels (panels.h) for
  // this ISA's matmul. Every table can compute on panels (panel_tile), so a
  // model loaded under one ISA still runs after select_isa() picks another.
  bool prefer_panels = false;
  // y[0..n) = decode(x). n is a multiple of the type's block size.
  void (*dequantize_row[kTypeSlots])(const void* x, float* y, int64_t n) = {};
  // Encodes n floats into `type` (for every dot type: F32, F16, BF16, Q8_0, Q8_K).
  void (*quantize_row[kTypeSlots])(const float* x, void* y, int64_t n) = {};
  // dot(weight row of type T, activation row of dot_type(T)), n elements.
  float (*vec_dot[kTypeSlots])(int64_t n, const void* weight_row, const void* activation_row) = {};
  // Optional (null: matmul calls vec_dot per element). See DotTile.
  void (*dot_tile[kTypeSlots])(const DotTile& tile) = {};
  // A panel of kPanelRows rows times a few tokens (panels.h); Q8_0, Q4_0, F16.
  void (*panel_tile[kTypeSlots])(const PanelTile& tile) = {};
  // Panels per panel_tile call for one token (0 means 1; at most kTilePanels).
  // One token is bandwidth-bound, and one sequential weight stream per thread
  // decodes fastest (AVX-512 Q4_0: 68 against 57 tok/s with two panels) where
  // the kernel keeps up with memory. AVX2's F16 kernel does not: one panel
  // gives it four FMA chains, too few to cover the FMA latency, so it takes
  // two. Results do not depend on it.
  int one_token_panels[kTypeSlots] = {};

  // Float helpers used by attention over an F32 or F16 KV cache.
  float (*dot_f32)(int64_t n, const float* a, const float* b) = nullptr;
  float (*dot_f32_f16)(int64_t n, const float* a, const uint16_t* b) = nullptr;
  void (*axpy_f32)(int64_t n, float alpha, const float* x, float* y) = nullptr;      // y += alpha*x
  void (*axpy_f16)(int64_t n, float alpha, const uint16_t* x, float* y) = nullptr;   // y += alpha*x
  // Optional batched forms over `count` F16 cache rows `stride` elements apart
  // for `queries` query heads (null: callers loop over the single-row
  // kernels). Bit-identical to those loops: for m < queries and j < count,
  //   scores[m*scores_stride + j] = dot_f32_f16(n, q + m*n, rows + j*stride) * scale
  //   y + m*n += weights[m*weights_stride + j] * rows[j], j in order, as axpy_f16
  // Each cache row is converted once for all queries; the scores of as many
  // rows as a vector has lanes are reduced together, and y stays in registers
  // while the rows pass.
  // next_rows (or null): the first count rows (n elements each, same stride)
  // that the caller visits next, prefetched one row per row visited, so the
  // next block streams in under this one's arithmetic; results do not depend
  // on it.
  void (*dot_f32_f16_rows)(int64_t n, const float* q, int64_t queries, const uint16_t* rows,
                           const uint16_t* next_rows, size_t stride, int64_t count, float scale, float* scores,
                           size_t scores_stride) = nullptr;
  void (*axpy_f16_rows)(int64_t n, const float* weights, size_t weights_stride, int64_t queries, const uint16_t* rows,
                        const uint16_t* next_rows, size_t stride, int64_t count, float* y) = nullptr;
  // gate[i] = silu(gate[i]) * up[i] = gate[i] / (1 + exp_approx(-gate[i])) * up[i]
  // (exp_approx.h; divide, then multiply): identical bits on every ISA.
  void (*silu_mul)(float* gate, const float* up, int64_t n) = nullptr;
  // x[i] = exp_approx(x[i] - shift) for i < n; returns their sum in double
  // (the softmax of decode attention): 16 lane sums, lane j adding x[i] for
  // i % 16 == j in index order, then the lanes added in order. Identical bits
  // on every ISA, and no chain of one add per element.
  double (*exp_shifted)(float* x, int64_t n, float shift) = nullptr;
  // Optional (null: callers attend row by row with the kernels above).
  // Prefill attention of up to 16 query rows sharing a KV head over an F16
  // cache; see attention_tile.h (bit-identical to reference::attention_tile).
  void (*attention_tile)(const AttentionTile& tile) = nullptr;
};

// The active table. On first use it is the best ISA the CPU runs, or the one
// named by the LOOM_ISA environment variable (scalar|avx2|avx512; read once).
// An unknown or unsupported LOOM_ISA is reported on stderr and the best ISA is
// used instead, so a stale environment never stops the program; the CLI's
// --isa goes through select_isa() and fails loudly instead.
const KernelTable& kernels();
// The table for a specific ISA; error if the CPU cannot run it.
Result<const KernelTable*> kernels_for(Isa isa);
// Changes the active table (tests, --isa). Not thread-safe with running kernels.
Status select_isa(Isa isa);

// How a matrix's bytes are arranged: GGUF's rows, or panels of rows (panels.h).
enum class WeightLayout { kRows, kPanels };

// A weight matrix W of shape (rows, cols) stored in `type`. In the row layout
// (GGUF's: ne0 = cols, ne1 = rows) row r starts at data + r * row_stride; in
// the panel layout row_stride is still the bytes of one row, and the matrix
// has the same size.
struct MatrixView {
  DType type = DType::kF32;
  int64_t rows = 0;
  int64_t cols = 0;
  const void* data = nullptr;
  size_t row_stride = 0;  // bytes
  WeightLayout layout = WeightLayout::kRows;

  size_t bytes() const { return static_cast<size_t>(rows) * row_stride; }  // either layout
};

// Reusable scratch memory for activation conversion; grows, never shrinks.
class Scratch {
 public:
  void* get(size_t bytes);
 private:
  std::vector<std::byte> buffer_;
};

// Y (n_tokens, w.rows) = X (n_tokens, w.cols) @ W^T, all row-major F32 for X/Y.
// Converts X to dot_type(w.type) once, then splits output rows across threads.
void matmul(ThreadPool& pool, const MatrixView& w, const float* x, int64_t n_tokens, float* y,
            Scratch& scratch);

// Y_i = X @ W_i^T for matrices that share X (a layer's q/k/v, gate/up): X is
// converted once and, on panels, one pool job covers every matrix, where
// separate calls would each wait for the slowest thread. Each Y_i has the bits
// of matmul(W_i). Matrices of different types, widths or layouts are
// multiplied one by one.
struct MatmulOutput {
  const MatrixView* w = nullptr;
  float* y = nullptr;  // (n_tokens, w->rows)
};
void matmul_shared_input(ThreadPool& pool, std::span<const MatmulOutput> outputs, const float* x, int64_t n_tokens,
                         Scratch& scratch);

}  // namespace loom::kernels
