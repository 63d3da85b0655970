// Weight panels: quantized, F16 and BF16 matrices rearranged at load time so that one
// VNNI instruction (or vpmaddubsw on AVX2) computes a 4-element dot product
// for 16 rows at once.
//
// The row layout (GGUF's) keeps each row's blocks together, so a kernel that
// wants one result per lane must reduce 16 lanes per block and per (row,
// token) pair: on the Qwen3-0.6B shape that tile kernel ran at under 10% of
// the int8 peak. In a panel, lane r of a 512-bit register is row r's next four
// bytes; one vpdpbusd against four activation bytes broadcast to every lane
// adds a 4-element dot product to 16 row sums, which need no reduction. The
// block scales become one vector per block (16 rows), so a block costs per
// token one conversion, one multiply and one FMA for all 16 rows.
//
// Layout. A panel is 16 consecutive rows; panels follow in row order. Within a
// panel, one "panel block" per 32-element block column, in column order:
//   uint16_t d[16];           the rows' F16 block scales, row order
//   Q8_0: uint8_t q[8][16][4] q[c][r][k] = w[r][4c + k] + 128
//   Q4_0: uint8_t q[4][16][4] q[j][r][k]: low nibble = nibble of element 8j + k,
//                             high nibble = nibble of element 8j + 4 + k
// All weights are unsigned (vpdpbusd's unsigned operand): Q8_0 is offset by
// 128, Q4_0 nibbles are stored as they are (value + 8). The activations' part
// of that offset, -128 or -8 times the block's activation sum, is computed
// once per token (PanelActivation) and starts each block's integer sum. A
// panel matrix has exactly the bytes of its row layout.
//
// F16 (no blocks, no scales): column i of a panel is 16 halves, row order, so
// one vcvtph2ps gives 16 rows' weights and one FMA with the token's (F16
// rounded) activation broadcast advances 16 row sums. Activations are F32
// rows holding F16-rounded values (the F16 dot type, widened once per matmul).
// BF16 is laid out and computed the same way, with BF16 weights and
// BF16-rounded activations.
//
// Q4_K and Q6_K (256-element super-blocks; activations are Q8_K blocks): one
// panel block per super-block column. Each 32-element sub-block's quants are
// laid out as a Q4_0 block's (four 64-byte chunks, 16 rows x 4 bytes); the
// scales keep their bits but move so that one row's sit in one 32-bit lane:
//   Q4_K (2304 bytes): uint16_t d[16], dmin[16];
//                      uint32_t a[16], b[16], c[16]   row r's GGUF scale
//                        bytes 0-3, 4-7 and 8-11 (6-bit scales and mins);
//                      uint8_t q[8][4][16][4]          sub-block j, chunk c:
//                        low nibble = element 32j + 8c + k, high = 32j + 8c + 4 + k
//   Q6_K (3360 bytes): uint16_t d[16];
//                      int8_t scales[4][16][4]         [g/4][r][g%4]: 16-element group g
//                      uint8_t low[8][4][16][4]        the quants' low 4 bits, as Q4_K's q
//                      uint8_t high[8][2][16][4]       sub-block j, chunk h: bits 2s..2s+1
//                        of byte k = high 2 bits of element 32j + 16h + 4s + k
// Their results are vec_dot's bits: each super-block's integer sums are exact
// and scaled in vec_dot's order (panel_tile for these types is defined as
// vec_dot on each unpacked row).
//
// Results. Each (row, token) element of Q8_0 and Q4_0 is, over blocks in order,
//   acc = fma(float(exact integer block sum), d_w * d_a, acc)
// which is llama.cpp's generic block order, with an FMA; for F16 and BF16, two FMA
// chains, even and odd columns, added at the end (s_even + s_odd). The scalar
// reference computes exactly this, so every ISA's panel kernel gives
// identical bits, for any number of tokens per call.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/kernels.h"

namespace loom::kernels {

constexpr int kPanelRows = 16;
constexpr int kPanelTokens = 8;  // tokens per panel_tile call, at most
// Consecutive panels per panel_tile call, at most. Two panels share each
// activation broadcast between two vpdpbusd, which halves the broadcasts that
// otherwise bound the kernel (it runs at about 70% of the int8 peak with one
// panel and eight tokens, at about 88% with two panels and four).
constexpr int kTilePanels = 2;

// Per token and block: the activation scale and the offset correction.
struct PanelActivation {
  float d = 0.0f;
  int32_t offset = 0;  // -(weight offset) * sum of the block's 32 activation bytes
};

// Up to kTilePanels consecutive panels times up to kPanelTokens activation rows
// (Q8_0 blocks; Q8_K for Q4_K/Q6_K; F32 for F16 and BF16):
//   y[token * y_stride + p * kPanelRows + r] = dot(row r of panel p, activation row token).
struct PanelTile {
  int64_t n = 0;                     // elements per row
  const std::byte* panel = nullptr;  // the first panel's first panel block
  int panels = 1;                    // 1..kTilePanels
  size_t panel_stride = 0;           // bytes from one panel to the next
  const std::byte* activations = nullptr;  // BlockQ8_0 rows (F32 rows for F16/BF16 panels)
  size_t activation_stride = 0;            // bytes
  const PanelActivation* sums = nullptr;   // per token, n / 32 entries (Q8_0 and Q4_0 only)
  size_t sums_stride = 0;                  // entries
  int tokens = 0;                          // 1..kPanelTokens
  float* y = nullptr;
  size_t y_stride = 0;  // floats
};

// Whether `type` has a panel layout (Q8_0, Q4_0, Q4_K, Q6_K, F16, BF16).
bool has_panel_layout(DType type);
// Whether panel_tile of `type` takes PanelActivation sums (Q8_0, Q4_0).
bool panel_needs_sums(DType type);
// Bytes of one panel block of `type` (544 for Q8_0, 288 for Q4_0, 2304 for
// Q4_K, 3360 for Q6_K; 1024 for F16 and BF16, 32 columns).
size_t panel_block_bytes(DType type);
// Rearranges a row-layout matrix into panels at `out` (w.rows * w.row_stride
// bytes). Requires has_panel_layout(w.type) and w.rows % kPanelRows == 0.
void repack_to_panels(const MatrixView& w, std::byte* out);
// Row `row` of a panel matrix in the row layout (tests, and any reader that
// needs one row): row_stride bytes at `out`.
void unpack_panel_row(const MatrixView& panels, int64_t row, std::byte* out);
// Row r (0..15) of the panel at `panel`, n elements per row, in the row layout.
void unpack_panel(DType type, int64_t n, const std::byte* panel, int r, std::byte* out);
// The PanelActivation entries of one Q8_0 activation row, for weights of `type`.
void panel_activation_sums(DType type, const void* activation_row, int64_t n, PanelActivation* out);

}  // namespace loom::kernels
