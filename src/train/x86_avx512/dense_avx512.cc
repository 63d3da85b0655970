// The trainer's dense kernels for AVX-512 (16-float vectors).
#define LOOM_DENSE_NAMESPACE avx512
#define LOOM_DENSE_VECTOR_BYTES 64
#include "train/dense_body.h"
