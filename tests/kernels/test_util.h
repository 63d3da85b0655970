// Shared helpers for the kernel tests: random rows, the instruction sets this
// machine runs, and the tolerance for float sums taken in a different order.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "base/cpu_features.h"
#include "kernels/kernels.h"
#include "tensor/dtype.h"

namespace loom::kernels::testing {

inline std::vector<Isa> supported_isas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (isa_supported(isa)) isas.push_back(isa);
  }
  return isas;
}

// Gaussian values with a few outliers, as real activations and weights have.
inline std::vector<float> random_values(int64_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::uniform_int_distribution<int> pick(0, 63);
  std::vector<float> values(static_cast<size_t>(n));
  for (float& v : values) v = pick(rng) == 0 ? 8.0f * normal(rng) : normal(rng);
  return values;
}

inline size_t bytes_for(tensor::DType type, int64_t n) {
  const Result<size_t> bytes = tensor::row_bytes(type, n);
  EXPECT_TRUE(bytes.ok()) << bytes.status().to_string();
  return bytes.ok() ? *bytes : 0;
}

// A float sum of m terms in any order is within about sqrt(m)*2^-24*sum|terms|
// of the exact sum for random rounding errors ((m-1)*2^-24 in the worst case).
// Kernels and references use different orders (lanes, blocks, double), so
// results are compared with |a - b| <= 2e-6 * sum|terms| + 1e-30: for the
// lengths tested (<= 4352 elements, <= 136 float block terms) that is several
// times the expected reordering error, while a single wrong element of typical
// size moves the result by about sum|terms|/n >= 2e-4 * sum|terms|.
constexpr double kRelativeSumTolerance = 2e-6;

inline double sum_tolerance(double sum_abs_terms) { return kRelativeSumTolerance * sum_abs_terms + 1e-30; }

}  // namespace loom::kernels::testing
