// ThreadPool: one persistent pool of compute threads. The calling thread takes
// part as worker 0. A job is a row of chunks cut into one contiguous range per
// thread: each thread runs its own range front to back (one sequential memory
// stream, which the hardware prefetcher follows), then takes chunks from the
// back of the others' ranges. So the threads finish within about one chunk of
// each other, and on a loaded machine the running threads finish the range of
// one that was descheduled instead of waiting for it. Idle threads spin
// briefly (a decode step issues a few hundred small jobs) and then park on a
// futex; the caller parks the same way while the last chunks finish.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

namespace loom {

class ThreadPool {
 public:
  // n_threads <= 0 means one thread per available core.
  explicit ThreadPool(int n_threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Runs job(index, n_threads) once for every index in [0, n_threads) and
  // returns when all are done. Indices are not tied to OS threads (a running
  // thread may take the index of a descheduled one), but no two calls with the
  // same index overlap. Jobs must not call run() themselves.
  template <typename Job>
  void run(Job&& job) {
    const int n_threads = n_threads_;
    auto chunk = [&](int64_t index, int) { job(static_cast<int>(index), n_threads); };
    run_chunks(n_threads, chunk);
  }

  // Splits [0, count) into contiguous chunks, body(begin, end, thread) once
  // each, where `thread` (0..size()-1) identifies the executing thread, so
  // per-thread scratch indexed by it is never shared by two concurrent calls.
  // The chunks depend only on count and size(); which thread computes a chunk
  // depends on timing, so results must not depend on `thread`.
  template <typename Body>
  void parallel_for(int64_t count, Body&& body) {
    if (count <= 0) return;
    const int64_t chunks = std::min<int64_t>(count, static_cast<int64_t>(n_threads_) * kChunksPerThread);
    auto chunk = [&](int64_t index, int thread) {
      const int64_t begin = count * index / chunks;
      const int64_t end = count * (index + 1) / chunks;
      if (begin < end) body(begin, end, thread);
    };
    run_chunks(chunks, chunk);
  }

  static int default_thread_count();

 private:
  // Chunks per thread in parallel_for: the threads finish within about one
  // chunk of each other, and claiming one costs an uncontended atomic on the
  // thread's own cache line until the ranges run dry.
  static constexpr int64_t kChunksPerThread = 16;

  // The chunks [front, back) of one thread's range, front in the low 32 bits:
  // the owner claims from the front, others from the back, both by CAS.
  struct alignas(64) Range {
    std::atomic<uint64_t> bounds{0};
  };

  using Trampoline = void (*)(void*, int64_t, int);

  template <typename Chunk>
  void run_chunks(int64_t n_chunks, Chunk& chunk) {
    run_impl(
        n_chunks,
        [](void* context, int64_t index, int thread) { (*static_cast<Chunk*>(context))(index, thread); },
        &chunk);
  }
  void run_impl(int64_t n_chunks, Trampoline trampoline, void* context);
  // Runs the chunks of its own range, then those left in the others' ranges,
  // until none are left.
  void work_on_job(int thread);
  void worker_main(int thread);

  int n_threads_ = 1;
  std::vector<std::thread> workers_;

  // The current job. Written by the caller before generation_ is bumped.
  Trampoline trampoline_ = nullptr;
  void* context_ = nullptr;
  int64_t n_chunks_ = 0;

  // Bumped to publish a job (and to stop); a futex word workers park on.
  alignas(64) std::atomic<uint32_t> generation_{0};
  std::atomic<int> sleeping_workers_{0};
  // The current job's chunks, one range per thread index.
  std::unique_ptr<Range[]> ranges_;
  // Chunks finished (each thread adds its count when it runs out of chunks);
  // a futex word the caller parks on.
  alignas(64) std::atomic<uint32_t> finished_chunks_{0};
  std::atomic<int> caller_sleeping_{0};
  // Workers inside the current job, and the last generation whose job is
  // closed: a worker that wakes late must not touch a job the caller has
  // already returned from (its context lives on the caller's stack).
  alignas(64) std::atomic<int> active_workers_{0};
  std::atomic<uint32_t> closed_generation_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace loom
