// Tensor element types and their quantization block formats. Values of DType
// are GGML's type ids, so a GGUF tensor's type field maps directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/status.h"

namespace loom::tensor {

enum class DType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ8_0 = 8,
  kQ8_K = 15,  // activation-only format for the K-quant dot products
  kQ4_K = 12,
  kQ6_K = 14,
  kBF16 = 30,
};

struct DTypeInfo {
  DType type;
  std::string_view name;     // GGML's spelling: "f32", "q4_K"
  int64_t block_elements;    // elements per block (1 for float types)
  size_t block_bytes;        // bytes per block
};

// Known-and-supported types only; nullopt for any other GGML id.
std::optional<DTypeInfo> dtype_info(uint32_t ggml_type_id);
const DTypeInfo& dtype_info(DType type);
std::string_view dtype_name(DType type);
// Name of any GGML type id, supported or not ("q5_K", "iq2_xs", "type 99").
std::string ggml_type_name(uint32_t ggml_type_id);
// Comma-separated list of the types loom runs, for error messages.
std::string_view supported_dtype_names();
Result<DType> parse_dtype(std::string_view name);  // case-insensitive "q4_k", "f16"

// Bytes of a row of n elements; an error if n is not a multiple of the block.
Result<size_t> row_bytes(DType type, int64_t n);

// ---- block layouts (identical to GGML's, little-endian) ----
constexpr int kQK4_0 = 32;
constexpr int kQK8_0 = 32;
constexpr int kQK_K = 256;
constexpr int kKScaleBytes = 12;

struct BlockQ4_0 {
  uint16_t d;                 // f16 scale
  uint8_t qs[kQK4_0 / 2];     // nibbles: element i in low nibble of qs[i], i+16 in high
};
static_assert(sizeof(BlockQ4_0) == 18);

struct BlockQ8_0 {
  uint16_t d;                 // f16 scale
  int8_t qs[kQK8_0];
};
static_assert(sizeof(BlockQ8_0) == 34);

struct BlockQ4_K {
  uint16_t d;                 // f16 super-block scale for the scales
  uint16_t dmin;              // f16 super-block scale for the mins
  uint8_t scales[kKScaleBytes];  // 8 x (6-bit scale, 6-bit min), packed
  uint8_t qs[kQK_K / 2];      // 4-bit quants
};
static_assert(sizeof(BlockQ4_K) == 144);

struct BlockQ6_K {
  uint8_t ql[kQK_K / 2];      // low 4 bits
  uint8_t qh[kQK_K / 4];      // high 2 bits
  int8_t scales[kQK_K / 16];  // 8-bit scales of 16-element groups
  uint16_t d;                 // f16 super-block scale
};
static_assert(sizeof(BlockQ6_K) == 210);

struct BlockQ8_K {
  float d;                    // scale (f32)
  int8_t qs[kQK_K];
  int16_t bsums[kQK_K / 16];  // sums of qs in groups of 16
};
static_assert(sizeof(BlockQ8_K) == 292);

}  // namespace loom::tensor
