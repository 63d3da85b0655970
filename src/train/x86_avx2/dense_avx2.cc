// The trainer's dense kernels for AVX2 + FMA (8-float vectors).
#define LOOM_DENSE_NAMESPACE avx2
#define LOOM_DENSE_VECTOR_BYTES 32
#include "train/dense_body.h"
