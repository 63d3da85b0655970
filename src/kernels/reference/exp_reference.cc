// Scalar reference of exp_approx (kernels/exp_approx.h).
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/exp_approx.h"
#include "kernels/kernels.h"
#include "kernels/reference/reference.h"

namespace loom::kernels::reference {

float exp_approx(float x) {
  using namespace kernels::exp_approx;
  if (std::isnan(x)) return x;
  if (x <= kLowest) return 0.0f;
  if (x > kHighest) return std::numeric_limits<float>::infinity();
  const float n = std::nearbyint(x * kLog2e);
  const float r = std::fma(-n, kLn2Lo, std::fma(-n, kLn2Hi, x));
  float p = kCoefficients[0];
  for (int k = 1; k < 8; ++k) p = std::fma(p, r, kCoefficients[k]);
  return p * std::bit_cast<float>((static_cast<int32_t>(n) + 127) << 23);
}

void silu_mul(float* gate, const float* up, int64_t n) {
  for (int64_t i = 0; i < n; ++i) gate[i] = gate[i] / (1.0f + exp_approx(-gate[i])) * up[i];
}

double exp_shifted(float* x, int64_t n, float shift) {
  double lanes[kExpSumLanes] = {};
  for (int64_t i = 0; i < n; ++i) {
    x[i] = exp_approx(x[i] - shift);
    lanes[i % kExpSumLanes] += x[i];
  }
  double sum = 0.0;
  for (double lane : lanes) sum += lane;
  return sum;
}

}  // namespace loom::kernels::reference
