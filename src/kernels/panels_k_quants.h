// Internal to panels.cc: the Q4_K and Q6_K panel layouts (panels.h), one panel
// of kPanelRows rows at a time.
#pragma once

#include <cstddef>
#include <cstdint>

namespace loom::kernels::k_panels {

// Byte offsets within one panel block (panels.h).
constexpr size_t kQ4KScales = 64;    // after d[16] and dmin[16]
constexpr size_t kQ4KQuants = 256;   // after the a, b, c scale words
constexpr size_t kQ6KScales = 32;    // after d[16]
constexpr size_t kQ6KLow = 288;      // after the 256 scale bytes
constexpr size_t kQ6KHigh = 2336;    // after the 2048 low-nibble bytes

// The kPanelRows rows at `rows` (row_stride bytes apart, n elements each) into
// one panel at `out`.
void repack_q4_K(const std::byte* rows, size_t row_stride, int64_t n, std::byte* out);
void repack_q6_K(const std::byte* rows, size_t row_stride, int64_t n, std::byte* out);
// Row r of the panel at `panel` back into GGUF's row layout at `out`.
void unpack_q4_K(const std::byte* panel, int64_t n, int r, std::byte* out);
void unpack_q6_K(const std::byte* panel, int64_t n, int r, std::byte* out);

}  // namespace loom::kernels::k_panels
