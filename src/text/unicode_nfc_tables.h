// Unicode data tables for NFC (generated into unicode_nfc_tables.cc by
// unicode_nfc_tables_gen.py). Every table is sorted by its first field.
#pragma once

#include <cstddef>
#include <cstdint>

namespace loom::text::nfc_tables {

struct CombiningClassRange {
  uint32_t first, last, combining_class;
};
// One level of canonical decomposition; second == 0 for a singleton. Hangul
// syllables are algorithmic and not listed.
struct Decomposition {
  uint32_t code_point, first, second;
};
// A primary composite: first + second compose to code_point.
struct Composition {
  uint32_t first, second, code_point;
};

extern const CombiningClassRange kCombiningClasses[];
extern const size_t kCombiningClassesSize;
extern const Decomposition kDecompositions[];
extern const size_t kDecompositionsSize;
extern const Composition kCompositions[];
extern const size_t kCompositionsSize;

}  // namespace loom::text::nfc_tables
