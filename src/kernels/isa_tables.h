// Internal: how kernels.cc builds the table of each instruction set. Each
// fill_table is defined in that instruction set's folder, compiled with its
// own -m flags, and must only be called when isa_supported() says so.
#pragma once

#include "kernels/kernels.h"

namespace loom::kernels {

namespace avx2 {
// Overrides the slots AVX2 accelerates; table must hold the scalar kernels.
void fill_table(KernelTable& table);
}  // namespace avx2

namespace avx512 {
// Overrides the slots AVX-512 accelerates; table must hold the AVX2 kernels.
// has_bf16: the CPU has AVX512_BF16 (vdpbf16ps), which the avx512 level does
// not require.
void fill_table(KernelTable& table, bool has_bf16);
}  // namespace avx512

}  // namespace loom::kernels
