// exp(x) for the softmax and SiLU, written so that a SIMD version gives the
// scalar reference's bits: every step is one IEEE operation (multiply, FMA,
// round to nearest even, integer exponent arithmetic) done the same way in
// both. The C library's expf is correctly rounded but a function call per
// element; this is within 2 ulp of it (tests/kernels/exp_approx_test.cc) and
// 16 lanes at a time.
//
//   x <= kLowest -> 0 (e^-87 is near the smallest normal float)
//   x > kHighest -> +inf (e^88 is within a factor 2.1 of FLT_MAX)
//   n = nearbyint(x * log2(e))
//   r = fma(-n, ln2_lo, fma(-n, ln2_hi, x))     |r| <= ln2 / 2
//   p = Taylor series of e^r to r^7, Horner with FMA (truncation < 6e-9)
//   e^x = p * 2^n                               2^n built in the exponent bits
//
#pragma once

namespace loom::kernels::exp_approx {

constexpr float kLowest = -87.0f;  // below this, 0
constexpr float kHighest = 88.0f;  // above this, +inf
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f;          // ln 2 with few significant bits: n * kLn2Hi is exact
constexpr float kLn2Lo = -2.12194440e-4f;       // ln 2 - kLn2Hi
// 1/k! for k = 7 down to 0, the order Horner's scheme uses them.
constexpr float kCoefficients[8] = {1.0f / 5040, 1.0f / 720, 1.0f / 120, 1.0f / 24, 1.0f / 6, 0.5f, 1.0f, 1.0f};

}  // namespace loom::kernels::exp_approx
