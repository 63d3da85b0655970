// The body of the trainer's dense kernels, included once per instruction set
// by a translation unit that defines LOOM_DENSE_NAMESPACE and
// LOOM_DENSE_VECTOR_BYTES and is compiled with that set's flags. Everything
// but the two entry points has internal linkage, so no wide instruction leaks
// into a symbol shared with other code. GCC vector extensions keep it
// portable: the compiler maps a vector to SSE, AVX2 or AVX-512 registers.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "train/dense.h"

namespace loom::train::LOOM_DENSE_NAMESPACE {
namespace {

typedef float Vec __attribute__((vector_size(LOOM_DENSE_VECTOR_BYTES)));
typedef int32_t IntVec __attribute__((vector_size(LOOM_DENSE_VECTOR_BYTES)));
constexpr int kWidth = LOOM_DENSE_VECTOR_BYTES / 4;  // floats per vector
// Register tile: kRows rows of C by up to kMaxVectors vectors. 16 (AVX-512:
// 32) registers hold the accumulators, one B row of the tile and a broadcast.
constexpr int kRows = 4;
constexpr int kMaxVectors = LOOM_DENSE_VECTOR_BYTES == 64 ? 4 : 2;
// Cache blocks: kRowBlock rows of A by kDepthBlock columns stay in L2, one
// kDepthBlock x tile-width panel of B in L1 while a column of tiles is swept.
constexpr int64_t kRowBlock = 64;
constexpr int64_t kDepthBlock = 256;

inline Vec load(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, Vec v) { std::memcpy(p, &v, sizeof v); }

// C tile (R rows, NV vectors) = [C +] A (R, depth) @ B (depth, NV * kWidth).
template <int R, int NV>
void tile(const GemmArgs& g, bool overwrite, int64_t depth, const float* a, const float* b, float* c) {
  Vec acc[R][NV];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = overwrite ? Vec{} : load(c + r * g.c_row_stride + v * kWidth);
  for (int64_t l = 0; l < depth; ++l) {
    const float* b_row = b + l * g.b_row_stride;
    Vec b_vectors[NV];
    for (int v = 0; v < NV; ++v) b_vectors[v] = load(b_row + v * kWidth);
    const float* a_column = a + l * g.a_col_stride;
    for (int r = 0; r < R; ++r) {
      const float scalar = a_column[r * g.a_row_stride];
      for (int v = 0; v < NV; ++v) acc[r][v] += scalar * b_vectors[v];
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v) store(c + r * g.c_row_stride + v * kWidth, acc[r][v]);
}

// Rows [row_begin, row_end) of the column strip starting at `column`.
template <int NV>
void row_sweep(const GemmArgs& g, bool overwrite, int64_t row_begin, int64_t row_end, int64_t column,
               int64_t depth_begin, int64_t depth) {
  const float* b = g.b + depth_begin * g.b_row_stride + column;
  int64_t row = row_begin;
  for (; row + kRows <= row_end; row += kRows) {
    tile<kRows, NV>(g, overwrite, depth, g.a + row * g.a_row_stride + depth_begin * g.a_col_stride, b,
                    g.c + row * g.c_row_stride + column);
  }
  for (; row < row_end; ++row) {
    tile<1, NV>(g, overwrite, depth, g.a + row * g.a_row_stride + depth_begin * g.a_col_stride, b,
                g.c + row * g.c_row_stride + column);
  }
}

// Strips of NV vectors while they fit, then narrower ones; returns the first
// column left for the scalar tail.
template <int NV>
int64_t column_strips(const GemmArgs& g, bool overwrite, int64_t row_begin, int64_t row_end, int64_t column,
                      int64_t depth_begin, int64_t depth) {
  for (; column + NV * kWidth <= g.n; column += NV * kWidth) {
    row_sweep<NV>(g, overwrite, row_begin, row_end, column, depth_begin, depth);
  }
  if constexpr (NV > 1) {
    return column_strips<NV / 2>(g, overwrite, row_begin, row_end, column, depth_begin, depth);
  } else {
    return column;
  }
}

void scalar_tail(const GemmArgs& g, bool overwrite, int64_t row_begin, int64_t row_end, int64_t column,
                 int64_t depth_begin, int64_t depth) {
  for (int64_t row = row_begin; row < row_end; ++row) {
    const float* a = g.a + row * g.a_row_stride + depth_begin * g.a_col_stride;
    for (int64_t j = column; j < g.n; ++j) {
      const float* b = g.b + depth_begin * g.b_row_stride + j;
      float sum = overwrite ? 0.0f : g.c[row * g.c_row_stride + j];
      for (int64_t l = 0; l < depth; ++l) sum += a[l * g.a_col_stride] * b[l * g.b_row_stride];
      g.c[row * g.c_row_stride + j] = sum;
    }
  }
}

}  // namespace

void gemm(const GemmArgs& g) {
  if (g.m <= 0 || g.n <= 0) return;
  if (g.k <= 0) {
    if (!g.accumulate) {
      for (int64_t row = 0; row < g.m; ++row) std::fill_n(g.c + row * g.c_row_stride, g.n, 0.0f);
    }
    return;
  }
  for (int64_t row_begin = 0; row_begin < g.m; row_begin += kRowBlock) {
    const int64_t row_end = std::min(g.m, row_begin + kRowBlock);
    for (int64_t depth_begin = 0; depth_begin < g.k; depth_begin += kDepthBlock) {
      const int64_t depth = std::min(kDepthBlock, g.k - depth_begin);
      // Without accumulation the first depth block starts from zero (no pass to clear C).
      const bool overwrite = !g.accumulate && depth_begin == 0;
      const int64_t tail = column_strips<kMaxVectors>(g, overwrite, row_begin, row_end, 0, depth_begin, depth);
      if (tail < g.n) scalar_tail(g, overwrite, row_begin, row_end, tail, depth_begin, depth);
    }
  }
}

namespace {

// exp(x) = 2^n * p(r), x = n ln2 + r, |r| <= ln2/2, with Cephes' expf polynomial.
Vec exp_vector(Vec v) {
  const IntVec underflow = v < -87.3f;  // lanes whose result is 0
  v = underflow ? Vec{} - 87.3f : v;
  v = v > 88.3f ? Vec{} + 88.3f : v;  // 2^128 would overflow
  const Vec magic = Vec{} + 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  const Vec shifted = v * 1.44269504088896341f + magic;
  const Vec whole = shifted - magic;
  Vec r = v - whole * 0.693359375f;
  r = r - whole * -2.12194440e-4f;
  Vec p = Vec{} + 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const IntVec exponent = (__builtin_convertvector(whole, IntVec) + 127) << 23;
  Vec scale;
  std::memcpy(&scale, &exponent, sizeof scale);
  const Vec result = p * scale;
  return underflow ? Vec{} : result;
}

// Sums the lanes of v in a fixed order.
float lane_sum(Vec v) {
  float sum = 0.0f;
  for (int lane = 0; lane < kWidth; ++lane) sum += v[lane];
  return sum;
}

}  // namespace

void exp_in_place(float* x, int64_t n) {
  int64_t i = 0;
  for (; i + kWidth <= n; i += kWidth) store(x + i, exp_vector(load(x + i)));
  if (i < n) {  // the tail through one padded vector, so every element sees the same arithmetic
    float padded[kWidth] = {};
    std::copy(x + i, x + n, padded);
    store(padded, exp_vector(load(padded)));
    std::copy(padded, padded + (n - i), x + i);
  }
}

void softmax(float* x, int64_t n, float scale) {
  float max_value = x[0];
  int64_t i = 0;
  if (n >= kWidth) {
    Vec maxima = load(x);
    for (i = kWidth; i + kWidth <= n; i += kWidth) {
      const Vec v = load(x + i);
      maxima = v > maxima ? v : maxima;
    }
    for (int lane = 0; lane < kWidth; ++lane) max_value = std::max(max_value, maxima[lane]);
  }
  for (; i < n; ++i) max_value = std::max(max_value, x[i]);
  const float offset = max_value * scale;
  Vec sums{};
  for (i = 0; i + kWidth <= n; i += kWidth) {
    const Vec e = exp_vector(load(x + i) * scale - offset);
    store(x + i, e);
    sums += e;
  }
  float sum = lane_sum(sums);
  if (i < n) {
    float padded[kWidth];
    std::fill_n(padded, kWidth, -INFINITY);
    std::copy(x + i, x + n, padded);
    const Vec e = exp_vector(load(padded) * scale - offset);
    store(padded, e);
    std::copy(padded, padded + (n - i), x + i);
    sum += lane_sum(e);
  }
  const float inverse = 1.0f / sum;
  for (int64_t j = 0; j < n; ++j) x[j] *= inverse;
}

void softmax_backward(const float* p, float* g, int64_t n, float scale) {
  Vec dots{};
  int64_t i = 0;
  for (; i + kWidth <= n; i += kWidth) dots += load(p + i) * load(g + i);
  float dot = lane_sum(dots);
  for (; i < n; ++i) dot += p[i] * g[i];
  for (int64_t j = 0; j < n; ++j) g[j] = p[j] * (g[j] - dot) * scale;
}

}  // namespace loom::train::LOOM_DENSE_NAMESPACE
