// Scalar reference kernels for the float formats (F32, F16, BF16) and the
// attention helpers. Dot products accumulate in double, as llama.cpp's scalar
// ggml_vec_dot_f16/f32 do, so this is the most accurate of the orderings.
#include <cstring>

#include "base/half.h"
#include "kernels/reference/reference.h"

namespace loom::kernels::reference {

void dequantize_row_f32(const void* x, float* y, int64_t n) {
  std::memcpy(y, x, static_cast<size_t>(n) * sizeof(float));
}

void dequantize_row_f16(const void* x, float* y, int64_t n) {
  const auto* half = static_cast<const uint16_t*>(x);
  for (int64_t i = 0; i < n; ++i) y[i] = f16_to_f32(half[i]);
}

void dequantize_row_bf16(const void* x, float* y, int64_t n) {
  const auto* half = static_cast<const uint16_t*>(x);
  for (int64_t i = 0; i < n; ++i) y[i] = bf16_to_f32(half[i]);
}

void quantize_row_f32(const float* x, void* y, int64_t n) {
  std::memcpy(y, x, static_cast<size_t>(n) * sizeof(float));
}

void quantize_row_f16(const float* x, void* y, int64_t n) {
  auto* half = static_cast<uint16_t*>(y);
  for (int64_t i = 0; i < n; ++i) half[i] = f32_to_f16(x[i]);
}

void quantize_row_bf16(const float* x, void* y, int64_t n) {
  auto* half = static_cast<uint16_t*>(y);
  for (int64_t i = 0; i < n; ++i) half[i] = f32_to_bf16(x[i]);
}

float vec_dot_f32(int64_t n, const void* weight_row, const void* activation_row) {
  return dot_f32(n, static_cast<const float*>(weight_row), static_cast<const float*>(activation_row));
}

// A product of two halves (11-bit significands) is exact in float.
float vec_dot_f16(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* w = static_cast<const uint16_t*>(weight_row);
  const auto* a = static_cast<const uint16_t*>(activation_row);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(f16_to_f32(w[i]) * f16_to_f32(a[i]));
  return static_cast<float>(sum);
}

float vec_dot_bf16(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* w = static_cast<const uint16_t*>(weight_row);
  const auto* a = static_cast<const uint16_t*>(activation_row);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(bf16_to_f32(w[i]) * bf16_to_f32(a[i]));
  return static_cast<float>(sum);
}

float dot_f32(int64_t n, const float* a, const float* b) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(a[i] * b[i]);
  return static_cast<float>(sum);
}

float dot_f32_f16(int64_t n, const float* a, const uint16_t* b) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(a[i] * f16_to_f32(b[i]));
  return static_cast<float>(sum);
}

// Multiply, then add: two roundings, no fused multiply-add, so SIMD versions
// that also multiply then add are bit-identical.
void axpy_f32(int64_t n, float alpha, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i) {
    const float product = alpha * x[i];
    y[i] += product;
  }
}

void axpy_f16(int64_t n, float alpha, const uint16_t* x, float* y) {
  for (int64_t i = 0; i < n; ++i) {
    const float product = alpha * f16_to_f32(x[i]);
    y[i] += product;
  }
}

}  // namespace loom::kernels::reference
