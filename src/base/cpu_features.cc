// cpuid-based feature detection.
#include "base/cpu_features.h"

#include <cpuid.h>

#include <cstdint>

namespace loom {
namespace {

uint64_t read_xcr0() {
  uint32_t eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

CpuFeatures detect() {
  CpuFeatures features;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return features;
  const bool osxsave = (ecx >> 27) & 1;
  const bool fma = (ecx >> 12) & 1;
  const bool f16c = (ecx >> 29) & 1;
  if (!osxsave) return features;
  const uint64_t xcr0 = read_xcr0();
  const bool ymm_state = (xcr0 & 0x6) == 0x6;
  const bool zmm_state = (xcr0 & 0xe6) == 0xe6;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return features;
  features.fma = fma && ymm_state;
  features.f16c = f16c && ymm_state;
  features.avx2 = ((ebx >> 5) & 1) && ymm_state;
  features.avx512f = ((ebx >> 16) & 1) && zmm_state;
  features.avx512dq = ((ebx >> 17) & 1) && zmm_state;
  features.avx512bw = ((ebx >> 30) & 1) && zmm_state;
  features.avx512vl = ((ebx >> 31) & 1) && zmm_state;
  features.avx512vnni = ((ecx >> 11) & 1) && zmm_state;
  unsigned eax1 = 0, ebx1 = 0, ecx1 = 0, edx1 = 0;
  if (__get_cpuid_count(7, 1, &eax1, &ebx1, &ecx1, &edx1)) {
    features.avxvnni = ((eax1 >> 4) & 1) && ymm_state;
    features.avx512bf16 = ((eax1 >> 5) & 1) && zmm_state;
  }
  return features;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
  }
  return "unknown";
}

Result<Isa> parse_isa(std::string_view name) {
  if (name == "scalar") return Isa::kScalar;
  if (name == "avx2") return Isa::kAvx2;
  if (name == "avx512") return Isa::kAvx512;
  return invalid_argument("unknown instruction set '", name, "' (expected scalar, avx2 or avx512)");
}

bool isa_supported(Isa isa) {
  const CpuFeatures& f = cpu_features();
  switch (isa) {
    case Isa::kScalar: return true;
    case Isa::kAvx2: return f.avx2 && f.fma && f.f16c;
    case Isa::kAvx512:
      return isa_supported(Isa::kAvx2) && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq &&
             f.avx512vnni;
  }
  return false;
}

Isa best_supported_isa() {
  if (isa_supported(Isa::kAvx512)) return Isa::kAvx512;
  if (isa_supported(Isa::kAvx2)) return Isa::kAvx2;
  return Isa::kScalar;
}

std::string cpu_description() {
  const CpuFeatures& f = cpu_features();
  std::string out(isa_name(best_supported_isa()));
  out += " (";
  const std::pair<bool, const char*> flags[] = {
      {f.avx2, "avx2"},         {f.fma, "fma"},          {f.f16c, "f16c"},
      {f.avx512f, "avx512f"},   {f.avx512bw, "bw"},      {f.avx512vl, "vl"},
      {f.avx512vnni, "vnni"},   {f.avx512bf16, "bf16"},  {f.avxvnni, "avxvnni"}};
  bool first = true;
  for (const auto& [present, name] : flags) {
    if (!present) continue;
    if (!first) out += ' ';
    out += name;
    first = false;
  }
  out += ')';
  return out;
}

}  // namespace loom
