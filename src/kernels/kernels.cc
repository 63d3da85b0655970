// Kernel table selection: one table per instruction set, built once on first
// use; the active one is the best the CPU runs unless LOOM_ISA or select_isa()
// says otherwise.
#include "kernels/kernels.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "kernels/isa_tables.h"
#include "kernels/reference/reference.h"

namespace loom::kernels {
namespace {

constexpr int kIsaCount = 3;

struct Tables {
  KernelTable by_isa[kIsaCount];
  bool built[kIsaCount] = {};
};

// Tables are built only for instruction sets the CPU runs: filling a SIMD
// table executes code compiled with that set's flags.
const Tables& tables() {
  static const Tables instance = [] {
    Tables t;
    reference::fill_table(t.by_isa[0]);
    t.built[0] = true;
    if (isa_supported(Isa::kAvx2)) {
      t.by_isa[1] = t.by_isa[0];
      avx2::fill_table(t.by_isa[1]);
      t.built[1] = true;
    }
    if (isa_supported(Isa::kAvx512)) {
      t.by_isa[2] = t.by_isa[1];
      avx512::fill_table(t.by_isa[2], cpu_features().avx512bf16);
      t.built[2] = true;
    }
    return t;
  }();
  return instance;
}

const KernelTable* table_for(Isa isa) {
  const Tables& t = tables();
  const int index = static_cast<int>(isa);
  return t.built[index] ? &t.by_isa[index] : nullptr;
}

// LOOM_ISA, read once. An unknown or unsupported value is reported on stderr
// and ignored, so a stale environment never stops a server from starting.
Isa initial_isa() {
  const Isa best = best_supported_isa();
  const char* requested = std::getenv("LOOM_ISA");
  if (requested == nullptr || *requested == '\0') return best;
  Result<Isa> parsed = parse_isa(requested);
  if (!parsed.ok()) {
    std::fprintf(stderr, "loom: LOOM_ISA: %s; using %s\n", parsed.status().message().c_str(),
                 std::string(isa_name(best)).c_str());
    return best;
  }
  if (!isa_supported(*parsed)) {
    std::fprintf(stderr, "loom: LOOM_ISA=%s is not supported by this CPU (%s); using %s\n", requested,
                 cpu_description().c_str(), std::string(isa_name(best)).c_str());
    return best;
  }
  return *parsed;
}

std::atomic<const KernelTable*>& active() {
  static std::atomic<const KernelTable*> table{table_for(initial_isa())};
  return table;
}

}  // namespace

const KernelTable& kernels() { return *active().load(std::memory_order_acquire); }

Result<const KernelTable*> kernels_for(Isa isa) {
  const KernelTable* table = table_for(isa);
  if (table == nullptr) {
    return failed_precondition("instruction set ", isa_name(isa), " is not supported by this CPU (",
                               cpu_description(), ")");
  }
  return table;
}

Status select_isa(Isa isa) {
  const KernelTable* table = TRY(kernels_for(isa));
  active().store(table, std::memory_order_release);
  return {};
}

}  // namespace loom::kernels
