// Type table.
#include "tensor/dtype.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace loom::tensor {
namespace {

constexpr std::array<DTypeInfo, 8> kTypes = {{
    {DType::kF32, "f32", 1, 4},
    {DType::kF16, "f16", 1, 2},
    {DType::kBF16, "bf16", 1, 2},
    {DType::kQ8_0, "q8_0", kQK8_0, sizeof(BlockQ8_0)},
    {DType::kQ4_0, "q4_0", kQK4_0, sizeof(BlockQ4_0)},
    {DType::kQ4_K, "q4_K", kQK_K, sizeof(BlockQ4_K)},
    {DType::kQ6_K, "q6_K", kQK_K, sizeof(BlockQ6_K)},
    {DType::kQ8_K, "q8_K", kQK_K, sizeof(BlockQ8_K)},
}};

// GGML's names for the ids loom does not run, so errors can say what a file holds.
constexpr std::array<std::string_view, 40> kGgmlNames = {
    "f32",  "f16",   "q4_0",  "q4_1",  "q4_2", "q4_3",    "q5_0",    "q5_1",    "q8_0",  "q8_1",
    "q2_K", "q3_K",  "q4_K",  "q5_K",  "q6_K", "q8_K",    "iq2_xxs", "iq2_xs",  "iq3_xxs", "iq1_s",
    "iq4_nl", "iq3_s", "iq2_s", "iq4_xs", "i8", "i16",    "i32",     "i64",     "f64",   "iq1_m",
    "bf16", "q4_0_4_4", "q4_0_4_8", "q4_0_8_8", "tq1_0", "tq2_0", "iq4_nl_4_4", "iq4_nl_4_8",
    "iq4_nl_8_8", "mxfp4"};

}  // namespace

std::optional<DTypeInfo> dtype_info(uint32_t ggml_type_id) {
  for (const DTypeInfo& info : kTypes) {
    if (static_cast<uint32_t>(info.type) == ggml_type_id && info.type != DType::kQ8_K) return info;
  }
  return std::nullopt;
}

const DTypeInfo& dtype_info(DType type) {
  for (const DTypeInfo& info : kTypes) {
    if (info.type == type) return info;
  }
  CHECK(false && "unknown DType");
  return kTypes[0];
}

std::string_view dtype_name(DType type) { return dtype_info(type).name; }

std::string ggml_type_name(uint32_t ggml_type_id) {
  if (ggml_type_id < kGgmlNames.size()) return std::string(kGgmlNames[ggml_type_id]);
  return "type " + std::to_string(ggml_type_id);
}

std::string_view supported_dtype_names() { return "f32, f16, bf16, q8_0, q4_0, q4_K, q6_K"; }

Result<DType> parse_dtype(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const DTypeInfo& info : kTypes) {
    std::string candidate(info.name);
    std::transform(candidate.begin(), candidate.end(), candidate.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (candidate == lower && info.type != DType::kQ8_K) return info.type;
  }
  return invalid_argument("unknown tensor type '", name, "' (supported: ", supported_dtype_names(), ")");
}

Result<size_t> row_bytes(DType type, int64_t n) {
  const DTypeInfo& info = dtype_info(type);
  if (n < 0 || n % info.block_elements != 0) {
    return invalid_argument("a row of ", n, " elements is not a whole number of ", info.name,
                            " blocks of ", info.block_elements);
  }
  return static_cast<size_t>(n / info.block_elements) * info.block_bytes;
}

}  // namespace loom::tensor
