// quantize_matrix: dispatch of the weight quantizers by type.
#include "kernels/quantize.h"

#include "kernels/reference/reference.h"

namespace loom::kernels {

using tensor::DType;

Result<std::vector<std::byte>> quantize_matrix(DType type, const float* values, int64_t rows,
                                               int64_t cols, ThreadPool* pool) {
  if (rows < 0 || cols < 0) return invalid_argument("negative matrix shape (", rows, ", ", cols, ")");
  void (*quantize_row)(const float*, void*, int64_t) = nullptr;
  switch (type) {
    case DType::kF32: quantize_row = reference::quantize_row_f32; break;
    case DType::kF16: quantize_row = reference::quantize_row_f16; break;
    case DType::kBF16: quantize_row = reference::quantize_row_bf16; break;
    case DType::kQ8_0: quantize_row = reference::quantize_row_q8_0; break;
    case DType::kQ4_0: quantize_row = reference::quantize_row_q4_0; break;
    case DType::kQ4_K: quantize_row = quantize_row_q4_K; break;
    case DType::kQ6_K: quantize_row = quantize_row_q6_K; break;
    case DType::kQ8_K: break;
  }
  if (quantize_row == nullptr) {
    return invalid_argument(tensor::dtype_name(type), " is not a weight type");
  }
  const size_t row_bytes = TRY(tensor::row_bytes(type, cols));
  std::vector<std::byte> out(row_bytes * static_cast<size_t>(rows));
  const auto quantize_rows = [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) quantize_row(values + row * cols, out.data() + row * row_bytes, cols);
  };
  if (pool == nullptr) {
    quantize_rows(0, rows);
  } else {
    pool->parallel_for(rows, [&](int64_t begin, int64_t end, int) { quantize_rows(begin, end); });
  }
  return out;
}

}  // namespace loom::kernels
