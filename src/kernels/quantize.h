// Weight quantizers: F32 matrices -> any weight type loom runs, for writing
// GGUF files (loom quantize, test models). Q8_0 and Q4_0 use llama.cpp's
// reference quantizers, so files match llama-quantize's byte for byte; Q4_K and
// Q6_K use loom's own least-squares fit (same formats, not the same bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "tensor/dtype.h"

namespace loom::kernels {

// Encodes a row-major (rows, cols) matrix, row after row, in `type` (F32, F16,
// BF16, Q8_0, Q4_0, Q4_K, Q6_K). cols must be a multiple of the block size.
// With a pool, rows are split among its threads (rows are independent: the
// bytes are the same).
Result<std::vector<std::byte>> quantize_matrix(tensor::DType type, const float* values, int64_t rows,
                                               int64_t cols, ThreadPool* pool = nullptr);

// One row of n (a multiple of 256) values into Q4_K / Q6_K blocks.
void quantize_row_q4_K(const float* x, void* y, int64_t n);
void quantize_row_q6_K(const float* x, void* y, int64_t n);

}  // namespace loom::kernels
