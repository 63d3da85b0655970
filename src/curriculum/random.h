// Rng: the one random source of the curriculum. A 64-bit generator with its
// own range reduction, so a seed gives the same tasks with any standard library.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace loom::curriculum {

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  // Uniform in [0, count); count > 0.
  uint64_t below(uint64_t count) { return engine_() % count; }
  // Uniform in [low, high].
  int64_t between(int64_t low, int64_t high) { return low + static_cast<int64_t>(below(high - low + 1)); }
  // True with probability numerator / denominator.
  bool chance(uint64_t numerator, uint64_t denominator) { return below(denominator) < numerator; }
  template <typename T>
  const T& pick(const std::vector<T>& items) { return items[below(items.size())]; }
  // `count` distinct indices of [0, size), in random order.
  std::vector<size_t> distinct(size_t size, size_t count);
  uint64_t next() { return engine_(); }

 private:
  std::mt19937_64 engine_;
};

}  // namespace loom::curriculum
