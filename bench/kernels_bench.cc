// Kernel microbenchmarks. MatVec (one token, decode) reports GB/s of weights
// streamed and %bw, its fraction of a stream-copy bandwidth measured at
// start-up; MatMul (a prefill batch) reports GOP/s counting a multiply-add as
// 2 operations and %peak, its fraction of the compute peak of the instruction
// the kernel is built on (FP32 FMA for f32/f16, BF16 dot for bf16, int8 VNNI
// for the quantized types) for the threads used. Peaks per core are those of
// the 2-core AVX-512 host of docs/benchmarks.md; pass --peak_scale=X to scale
// them for another machine. Arguments: tokens, threads.
// DecodeAttention is one decode step's attention over every layer of a
// Qwen3-0.6B-shaped F16 cache (28 layers, 16 query and 8 KV heads of 128) and
// a Llama-3.2-1B-shaped one (16 layers, 32 and 8 heads of 64), reporting GB/s
// of keys and values read and %bw; qwen3-layer is one layer of the first, a
// cache that stays in L2 at 128 positions (the arithmetic's own speed).
// Arguments: context, threads.
//   loom_kernels_bench --benchmark_filter='MatVec/q4_0/avx512'
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/half.h"
#include "base/thread_pool.h"
#include "kernels/kernels.h"
#include "kernels/panels.h"
#include "kernels/quantize.h"
#include "model/kv_cache.h"
#include "model/transformer_blocks.h"

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

// Compute peaks per core, in GOP/s (a multiply-add = 2 operations).
constexpr double kFp32PeakPerCore = 270.0;   // 2 x 512-bit FMA per cycle
constexpr double kBf16PeakPerCore = 495.0;   // vdpbf16ps
constexpr double kInt8PeakPerCore = 1050.0;  // vpdpbusd
double peak_scale = 1.0;

double peak_per_core(DType type, Isa isa) {
  const double vector_share = isa == Isa::kAvx512 ? 1.0 : isa == Isa::kAvx2 ? 0.5 : 1.0 / 16;
  switch (type) {
    case DType::kF32:
    case DType::kF16: return kFp32PeakPerCore * vector_share * peak_scale;
    case DType::kBF16: return (isa == Isa::kAvx512 ? kBf16PeakPerCore : kFp32PeakPerCore * vector_share) * peak_scale;
    default: return kInt8PeakPerCore * vector_share * peak_scale;
  }
}

// Bytes read + written per second by memcpy over 2 x 256 MiB, best of 3, on
// one thread (the MatVec bandwidth ceiling for threads=1; with more threads it
// is a lower bound).
double stream_bandwidth() {
  static const double measured = [] {
    const size_t bytes = size_t{256} << 20;
    std::vector<char> source(bytes, 1), destination(bytes, 2);
    double best = 0.0;
    for (int pass = 0; pass < 3; ++pass) {
      const auto start = std::chrono::steady_clock::now();
      std::memcpy(destination.data(), source.data(), bytes);
      benchmark::DoNotOptimize(destination.data());
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      best = std::max(best, 2.0 * bytes / seconds);
    }
    return best;
  }();
  return measured;
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

void run_matmul(benchmark::State& state, DType type, Isa isa, WeightLayout layout) {
  const int64_t tokens = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  if (!select_isa(isa).ok()) {
    state.SkipWithError("instruction set not supported");
    return;
  }
  const std::vector<std::byte>& weights = weights_for(type);
  MatrixView view{.type = type, .rows = kRows, .cols = kCols, .data = weights.data(),
                  .row_stride = weights.size() / kRows};
  std::vector<std::byte> panels;
  if (layout == WeightLayout::kPanels) {
    panels.resize(weights.size());
    repack_to_panels(view, panels.data());
    view.data = panels.data();
    view.layout = WeightLayout::kPanels;
  }
  const std::vector<float> x = random_floats(tokens * kCols, 2);
  std::vector<float> y(static_cast<size_t>(tokens * kRows));
  ThreadPool pool(threads);
  Scratch scratch;
  for (auto _ : state) {
    matmul(pool, view, x.data(), tokens, y.data(), scratch);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  const double bytes = static_cast<double>(state.iterations()) * static_cast<double>(weights.size());
  const double ops = 2.0 * kRows * kCols * tokens * state.iterations();
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["GB/s"] = benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsRate);
  state.counters["GOP/s"] = benchmark::Counter(ops / 1e9, benchmark::Counter::kIsRate);
  if (tokens == 1) {
    state.counters["%bw"] = benchmark::Counter(100.0 * bytes / stream_bandwidth(), benchmark::Counter::kIsRate);
  } else {
    state.counters["%peak"] =
        benchmark::Counter(100.0 * ops / 1e9 / (peak_per_core(type, isa) * threads), benchmark::Counter::kIsRate);
  }
}

struct AttentionModel {
  const char* name;
  int64_t layers;
  model::AttentionShape shape;
};

void run_decode_attention(benchmark::State& state, AttentionModel m) {
  const int64_t context = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  const int64_t kv_size = m.shape.n_kv_heads * m.shape.head_dim;
  auto cache = model::KvCache::create(DType::kF16, m.layers, context + 1, m.shape.n_kv_heads, m.shape.head_dim);
  if (!cache.ok()) {
    state.SkipWithError("cannot allocate the cache");
    return;
  }
  const std::vector<float> rows = random_floats(context * kv_size, 3);
  for (int64_t layer = 0; layer < m.layers; ++layer) {
    cache->store(layer, 0, context, rows.data(), rows.data());
  }
  const int64_t q_width = m.shape.n_heads * m.shape.head_dim;
  const std::vector<float> q = random_floats(q_width, 4);
  std::vector<float> out(static_cast<size_t>(q_width));
  ThreadPool pool(threads);
  std::vector<float> scratch(static_cast<size_t>(model::attention_scratch_floats(threads, context, m.shape)));
  for (auto _ : state) {
    for (int64_t layer = 0; layer < m.layers; ++layer) {
      model::attention(pool, q.data(), 1, context - 1, *cache, layer, m.shape, out.data(), scratch);
    }
    benchmark::DoNotOptimize(out.data());
  }
  const double bytes = 2.0 * 2 * kv_size * context * m.layers * static_cast<double>(state.iterations());
  state.counters["GB/s"] = benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsRate);
  state.counters["%bw"] = benchmark::Counter(100.0 * bytes / stream_bandwidth(), benchmark::Counter::kIsRate);
}

// The batched cache-row kernels of decode attention on one KV block's rows
// (16 positions), held in L1: their arithmetic rate, apart from memory.
void run_attention_rows(benchmark::State& state, bool values, Isa isa) {
  const int64_t head_dim = state.range(0), queries = state.range(1);
  constexpr int64_t kBlockRows = 16;
  const auto table = kernels_for(isa);
  if (!table.ok() || (*table)->dot_f32_f16_rows == nullptr) {
    state.SkipWithError("instruction set not supported");
    return;
  }
  std::vector<uint16_t> rows(static_cast<size_t>(kBlockRows * head_dim));
  const std::vector<float> source = random_floats(kBlockRows * head_dim, 5);
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = f32_to_f16(source[i]);
  const std::vector<float> q = random_floats(queries * head_dim, 6);
  std::vector<float> scores(static_cast<size_t>(queries * kBlockRows), 1.0f / kBlockRows);
  std::vector<float> y(static_cast<size_t>(queries * head_dim));
  const KernelTable& k = **table;
  for (auto _ : state) {
    if (values) {
      k.axpy_f16_rows(head_dim, scores.data(), kBlockRows, queries, rows.data(), nullptr, head_dim, kBlockRows, y.data());
      benchmark::DoNotOptimize(y.data());
    } else {
      k.dot_f32_f16_rows(head_dim, q.data(), queries, rows.data(), nullptr, head_dim, kBlockRows, 0.1f, scores.data(),
                         kBlockRows);
      benchmark::DoNotOptimize(scores.data());
    }
    benchmark::ClobberMemory();
  }
  state.counters["ns/row"] = benchmark::Counter(static_cast<double>(kBlockRows) * state.iterations(),
                                                benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["GB/s"] = benchmark::Counter(2.0 * kBlockRows * head_dim * state.iterations() / 1e9,
                                              benchmark::Counter::kIsRate);
}

void register_all() {
  for (const AttentionModel& m : {AttentionModel{"qwen3-0.6b", 28, {16, 8, 128}},
                                  AttentionModel{"llama-3.2-1b", 16, {32, 8, 64}},
                                  AttentionModel{"qwen3-layer", 1, {16, 8, 128}}}) {
    benchmark::RegisterBenchmark((std::string("DecodeAttention/") + m.name).c_str(), run_decode_attention, m)
        ->Args({128, 1})
        ->Args({640, 1})
        ->Args({640, ThreadPool::default_thread_count()})
        ->Args({4096, 1})
        ->Args({4096, ThreadPool::default_thread_count()})
        ->ArgNames({"context", "threads"})
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
    if (!isa_supported(isa)) continue;
    for (bool values : {false, true}) {
      const std::string name = std::string("AttentionRows/") + (values ? "axpy_f16_rows" : "dot_f32_f16_rows") + "/" +
                               std::string(isa_name(isa));
      benchmark::RegisterBenchmark(name.c_str(), run_attention_rows, values, isa)
          ->Args({128, 2})
          ->Args({64, 4})
          ->ArgNames({"head_dim", "queries"})
          ->Unit(benchmark::kNanosecond);
    }
  }
  const DType types[] = {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0,
                         DType::kQ4_0, DType::kQ4_K, DType::kQ6_K};
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (!isa_supported(isa)) continue;
    for (DType type : types) {
      const std::string suffix = std::string(dtype_name(type)) + "/" + std::string(isa_name(isa));
      for (WeightLayout layout : {WeightLayout::kRows, WeightLayout::kPanels}) {
        const bool panels = layout == WeightLayout::kPanels;
        if (panels && !has_panel_layout(type)) continue;
        const std::string prefix = panels ? "Panels" : "";
      benchmark::RegisterBenchmark((prefix + "MatVec/" + suffix).c_str(), run_matmul, type, isa, layout)
          ->Args({1, 1})
          ->Args({1, ThreadPool::default_thread_count()})
          ->ArgNames({"tokens", "threads"})
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark((prefix + "MatMul/" + suffix).c_str(), run_matmul, type, isa, layout)
          ->Args({64, 1})
          ->Args({64, ThreadPool::default_thread_count()})
          ->ArgNames({"tokens", "threads"})
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
      }
    }
  }
}

}  // namespace
}  // namespace loom::kernels

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--peak_scale=", 13) == 0) {
      loom::kernels::peak_scale = std::atof(argv[i] + 13);
      for (int j = i; j + 1 < argc; ++j) argv[j] = argv[j + 1];
      --argc;
      break;
    }
  }
  loom::kernels::register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
