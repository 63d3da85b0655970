// Rng helpers (see random.h).
#include "curriculum/random.h"

#include <numeric>

namespace loom::curriculum {

std::vector<size_t> Rng::distinct(size_t size, size_t count) {
  std::vector<size_t> all(size);
  std::iota(all.begin(), all.end(), 0);
  // Partial Fisher-Yates: the first `count` slots are the sample.
  for (size_t index = 0; index < count && index < size; ++index) std::swap(all[index], all[index + below(size - index)]);
  all.resize(std::min(count, size));
  return all;
}

}  // namespace loom::curriculum
