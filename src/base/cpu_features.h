// CPU feature detection (cpuid + OS support for the register state) and the
// instruction-set level loom dispatches kernels on. Override: LOOM_ISA or --isa.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace loom {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512dq = false;
  bool avx512vnni = false;
  bool avx512bf16 = false;
  bool avxvnni = false;
};

// Detected once; cheap to call.
const CpuFeatures& cpu_features();

// Instruction-set levels, ordered: a higher level implies the lower ones.
enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

std::string_view isa_name(Isa isa);
Result<Isa> parse_isa(std::string_view name);  // "scalar" | "avx2" | "avx512"

// Highest level this machine runs: avx2 needs AVX2+FMA+F16C; avx512 needs
// F, BW, VL, DQ and VNNI.
Isa best_supported_isa();
bool isa_supported(Isa isa);

// Short human description, e.g. "avx512 (avx512f bw vl vnni bf16)".
std::string cpu_description();

}  // namespace loom
