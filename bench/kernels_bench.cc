// Kernel microbenchmarks. MatVec (one token, decode) reports bytes_per_second
// = weight bytes streamed; MatMul (a prefill batch) reports GOP/s counting a
// multiply-add as 2 operations. Arguments: rows, cols, tokens, threads.
//   loom_kernels_bench --benchmark_filter='MatVec/q4_0/avx512'
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/thread_pool.h"
#include "kernels/kernels.h"
#include "kernels/quantize.h"

namespace loom::kernels {
namespace {

constexpr int64_t kRows = 4096;
constexpr int64_t kCols = 4096;

std::vector<float> random_floats(int64_t n, uint32_t seed) {
  std::vector<float> values(static_cast<size_t>(n));
  uint32_t state = seed;
  for (float& v : values) {  // xorshift: cheap, deterministic
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    v = static_cast<float>(static_cast<int32_t>(state)) * 0x1.0p-33f;
  }
  return values;
}

// Quantizing 16M weights takes a while; share one copy per type.
const std::vector<std::byte>& weights_for(DType type) {
  static std::map<DType, std::vector<std::byte>> cache;
  auto it = cache.find(type);
  if (it == cache.end()) {
    const std::vector<float> values = random_floats(kRows * kCols, 1);
    it = cache.emplace(type, *quantize_matrix(type, values.data(), kRows, kCols)).first;
  }
  return it->second;
}

void run_matmul(benchmark::State& state, DType type, Isa isa) {
  const int64_t tokens = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  if (!select_isa(isa).ok()) {
    state.SkipWithError("instruction set not supported");
    return;
  }
  const std::vector<std::byte>& weights = weights_for(type);
  const MatrixView view{.type = type, .rows = kRows, .cols = kCols, .data = weights.data(),
                        .row_stride = weights.size() / kRows};
  const std::vector<float> x = random_floats(tokens * kCols, 2);
  std::vector<float> y(static_cast<size_t>(tokens * kRows));
  ThreadPool pool(threads);
  Scratch scratch;
  for (auto _ : state) {
    matmul(pool, view, x.data(), tokens, y.data(), scratch);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(weights.size()));
  state.counters["GOP/s"] = benchmark::Counter(2.0 * kRows * kCols * tokens * state.iterations() / 1e9,
                                               benchmark::Counter::kIsRate);
}

void register_all() {
  const DType types[] = {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0,
                         DType::kQ4_0, DType::kQ4_K, DType::kQ6_K};
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (!isa_supported(isa)) continue;
    for (DType type : types) {
      const std::string suffix = std::string(dtype_name(type)) + "/" + std::string(isa_name(isa));
      benchmark::RegisterBenchmark(("MatVec/" + suffix).c_str(), run_matmul, type, isa)
          ->Args({1, 1})
          ->Args({1, ThreadPool::default_thread_count()})
          ->ArgNames({"tokens", "threads"})
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark(("MatMul/" + suffix).c_str(), run_matmul, type, isa)
          ->Args({64, 1})
          ->Args({64, ThreadPool::default_thread_count()})
          ->ArgNames({"tokens", "threads"})
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    }
  }
}

}  // namespace
}  // namespace loom::kernels

int main(int argc, char** argv) {
  loom::kernels::register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
