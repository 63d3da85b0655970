// Spin-then-park thread pool.
#include "base/thread_pool.h"

#include <immintrin.h>
#include <sched.h>

namespace loom {
namespace {
// About 50-100 us of spinning before a worker parks: longer than the gap
// between the kernels of one decode step, shorter than an idle server tick.
constexpr int kSpinIterations = 1 << 14;
}  // namespace

int ThreadPool::default_thread_count() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int count = CPU_COUNT(&set);
    if (count > 0) return count;
  }
  const unsigned hardware = std::thread::hardware_concurrency();
  return hardware > 0 ? static_cast<int>(hardware) : 1;
}

ThreadPool::ThreadPool(int n_threads) {
  n_threads_ = n_threads > 0 ? n_threads : default_thread_count();
  workers_.reserve(n_threads_ - 1);
  for (int thread = 1; thread < n_threads_; ++thread) {
    workers_.emplace_back([this, thread] { worker_main(thread); });
  }
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_release);
  wake_workers();
  for (auto& worker : workers_) worker.join();
}

void ThreadPool::wake_workers() {
  generation_.fetch_add(1, std::memory_order_seq_cst);
  if (parked_.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard lock(park_mutex_);
    wake_.notify_all();
  }
}

void ThreadPool::run_impl(Trampoline trampoline, void* context) {
  if (n_threads_ == 1) {
    trampoline(context, 0, 1);
    return;
  }
  trampoline_ = trampoline;
  context_ = context;
  done_.store(0, std::memory_order_relaxed);
  wake_workers();
  trampoline(context, 0, n_threads_);
  const int others = n_threads_ - 1;
  int spins = 0;
  while (done_.load(std::memory_order_acquire) != others) {
    if (++spins < kSpinIterations) {
      _mm_pause();
    } else {
      std::this_thread::yield();
    }
  }
}

void ThreadPool::worker_main(int thread) {
  uint64_t seen = 0;  // generation_ before the first job; reading it here could skip job 1
  while (true) {
    uint64_t current = generation_.load(std::memory_order_acquire);
    for (int spins = 0; current == seen && spins < kSpinIterations; ++spins) {
      _mm_pause();
      current = generation_.load(std::memory_order_acquire);
    }
    if (current == seen) {
      // Park. parked_ is raised before re-checking generation_ under the lock,
      // and wake_workers() bumps generation_ before reading parked_, so either
      // this thread sees the new job or the publisher sees it parked.
      std::unique_lock lock(park_mutex_);
      parked_.fetch_add(1, std::memory_order_seq_cst);
      wake_.wait(lock, [&] { return generation_.load(std::memory_order_seq_cst) != seen; });
      parked_.fetch_sub(1, std::memory_order_relaxed);
      continue;
    }
    seen = current;
    if (stop_.load(std::memory_order_acquire)) return;
    trampoline_(context_, thread, n_threads_);
    done_.fetch_add(1, std::memory_order_acq_rel);
  }
}

}  // namespace loom
