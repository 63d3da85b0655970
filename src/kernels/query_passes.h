// How the batched cache-row kernels (KernelTable::dot_f32_f16_rows and
// axpy_f16_rows) take the query heads of a KV group: in passes of up to four,
// each pass a template instance on its query count, so that accumulators and
// loops are sized at compile time.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

namespace loom::kernels {

inline constexpr int kQueriesPerPass = 4;

// Calls pass(std::integral_constant<int, k>{}, first) for queries [first,
// first + k), first = 0, 4, 8, ..., with k = min(4, queries - first).
template <typename Pass>
void in_query_passes(int64_t queries, Pass&& pass) {
  for (int64_t first = 0; first < queries; first += kQueriesPerPass) {
    switch (std::min<int64_t>(kQueriesPerPass, queries - first)) {
      case 1: pass(std::integral_constant<int, 1>{}, first); break;
      case 2: pass(std::integral_constant<int, 2>{}, first); break;
      case 3: pass(std::integral_constant<int, 3>{}, first); break;
      default: pass(std::integral_constant<int, 4>{}, first); break;
    }
  }
}

}  // namespace loom::kernels
