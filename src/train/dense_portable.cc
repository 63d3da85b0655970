// The trainer's dense kernels at the default flags (SSE2 on x86-64, or
// whatever the target's baseline is).
#define LOOM_DENSE_NAMESPACE portable
#define LOOM_DENSE_VECTOR_BYTES 16
#include "train/dense_body.h"
