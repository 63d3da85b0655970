// ThreadPool: one persistent pool of compute threads. The calling thread takes
// part as worker 0. Workers spin briefly between jobs (a decode step issues a
// few hundred small jobs) and then park on a condition variable.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <cstdint>
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

  // Runs job(thread_index, n_threads) on every thread, the caller included, and
  // returns when all are done. Jobs must not call run() themselves.
  template <typename Job>
  void run(Job&& job) {
    run_impl(
        [](void* context, int thread, int n_threads) {
          (*static_cast<Job*>(context))(thread, n_threads);
        },
        &job);
  }

  // Splits [0, count) into contiguous chunks, one per thread:
  // body(begin, end, thread_index). Rows stay in order within a chunk, so
  // results do not depend on timing.
  template <typename Body>
  void parallel_for(int64_t count, Body&& body) {
    if (count <= 0) return;
    run([&](int thread, int n_threads) {
      const int64_t begin = count * thread / n_threads;
      const int64_t end = count * (thread + 1) / n_threads;
      if (begin < end) body(begin, end, thread);
    });
  }

  static int default_thread_count();

 private:
  using Trampoline = void (*)(void*, int, int);
  void run_impl(Trampoline trampoline, void* context);
  void worker_main(int thread);
  void wake_workers();

  int n_threads_ = 1;
  std::vector<std::thread> workers_;
  // A job is published by bumping generation_; workers finish by bumping done_.
  alignas(64) std::atomic<uint64_t> generation_{0};
  alignas(64) std::atomic<int> done_{0};
  alignas(64) std::atomic<bool> stop_{false};
  std::atomic<int> parked_{0};  // workers asleep on wake_, so run() knows to notify
  std::mutex park_mutex_;
  std::condition_variable wake_;
  Trampoline trampoline_ = nullptr;
  void* context_ = nullptr;
};

}  // namespace loom
