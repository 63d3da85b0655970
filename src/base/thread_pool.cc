// Chunk-claiming thread pool with spin-then-futex waits (see thread_pool.h).
#include "base/thread_pool.h"

#include <immintrin.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <climits>

namespace loom {
namespace {

// How long an idle thread spins before it parks. Longer than the gap between
// the kernels of one decode step (a norm, a RoPE), short enough that on a
// loaded machine a spinning thread does not eat the time slice of a thread
// that has work.
constexpr std::chrono::microseconds kSpinTime{50};

void futex_wait(std::atomic<uint32_t>& word, uint32_t expected) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}

void futex_wake_all(std::atomic<uint32_t>& word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

// Spins until done() holds or kSpinTime passes; returns done().
template <typename Done>
bool spin_until(Done done) {
  if (done()) return true;
  const auto deadline = std::chrono::steady_clock::now() + kSpinTime;
  while (true) {
    for (int i = 0; i < 32; ++i) {
      _mm_pause();
      if (done()) return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return done();
  }
}

// A range's bounds: chunks [front, back), front in the low 32 bits.
uint64_t pack(int64_t front, int64_t back) { return static_cast<uint64_t>(back) << 32 | static_cast<uint64_t>(front); }
int64_t front_of(uint64_t bounds) { return static_cast<int64_t>(bounds & 0xffffffffu); }
int64_t back_of(uint64_t bounds) { return static_cast<int64_t>(bounds >> 32); }

// Takes the first chunk (the owner) or the last (anyone else) of a range;
// false once it is empty.
bool claim(std::atomic<uint64_t>& bounds, bool from_front, int64_t& index) {
  uint64_t seen = bounds.load(std::memory_order_relaxed);
  while (true) {
    const int64_t front = front_of(seen), back = back_of(seen);
    if (front >= back) return false;
    const uint64_t next = from_front ? pack(front + 1, back) : pack(front, back - 1);
    if (bounds.compare_exchange_weak(seen, next, std::memory_order_acq_rel, std::memory_order_relaxed)) {
      index = from_front ? front : back - 1;
      return true;
    }
  }
}

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
  ranges_ = std::make_unique<Range[]>(n_threads_);
  workers_.reserve(n_threads_ - 1);
  for (int thread = 1; thread < n_threads_; ++thread) {
    workers_.emplace_back([this, thread] { worker_main(thread); });
  }
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_seq_cst);
  generation_.fetch_add(1, std::memory_order_seq_cst);
  futex_wake_all(generation_);
  for (auto& worker : workers_) worker.join();
}

void ThreadPool::work_on_job(int thread) {
  int64_t done = 0, index = 0;
  while (claim(ranges_[thread].bounds, true, index)) {
    trampoline_(context_, index, thread);
    ++done;
  }
  for (int offset = 1; offset < n_threads_; ++offset) {
    std::atomic<uint64_t>& other = ranges_[(thread + offset) % n_threads_].bounds;
    while (claim(other, false, index)) {
      trampoline_(context_, index, thread);
      ++done;
    }
  }
  if (done == 0) return;
  const uint32_t finished = finished_chunks_.fetch_add(static_cast<uint32_t>(done), std::memory_order_seq_cst) +
                            static_cast<uint32_t>(done);
  if (finished == static_cast<uint32_t>(n_chunks_) && caller_sleeping_.load(std::memory_order_seq_cst) != 0) {
    futex_wake_all(finished_chunks_);
  }
}

void ThreadPool::run_impl(int64_t n_chunks, Trampoline trampoline, void* context) {
  if (n_chunks <= 0) return;
  if (n_threads_ == 1 || n_chunks == 1) {
    for (int64_t index = 0; index < n_chunks; ++index) trampoline(context, index, 0);
    return;
  }
  trampoline_ = trampoline;
  context_ = context;
  n_chunks_ = n_chunks;
  for (int thread = 0; thread < n_threads_; ++thread) {
    ranges_[thread].bounds.store(pack(n_chunks * thread / n_threads_, n_chunks * (thread + 1) / n_threads_),
                                 std::memory_order_relaxed);
  }
  finished_chunks_.store(0, std::memory_order_relaxed);
  // Publish. generation_ is bumped before sleeping_workers_ is read, and a
  // worker counts itself asleep before it re-checks generation_ in the futex
  // call, so a job is never missed.
  const uint32_t generation = generation_.fetch_add(1, std::memory_order_seq_cst) + 1;
  if (sleeping_workers_.load(std::memory_order_seq_cst) > 0) futex_wake_all(generation_);

  work_on_job(0);

  const uint32_t total = static_cast<uint32_t>(n_chunks);
  if (!spin_until([&] { return finished_chunks_.load(std::memory_order_acquire) == total; })) {
    caller_sleeping_.store(1, std::memory_order_seq_cst);
    for (uint32_t finished; (finished = finished_chunks_.load(std::memory_order_seq_cst)) != total;) {
      futex_wait(finished_chunks_, finished);
    }
    caller_sleeping_.store(0, std::memory_order_relaxed);
  }
  // Close the job, then wait for workers still inside it (they only find no
  // chunk left and leave; one descheduled in between gets the core back
  // through the yield).
  closed_generation_.store(generation, std::memory_order_seq_cst);
  const auto none_active = [&] { return active_workers_.load(std::memory_order_seq_cst) == 0; };
  while (!spin_until(none_active)) std::this_thread::yield();
}

void ThreadPool::worker_main(int thread) {
  uint32_t seen = 0;  // generation_ before the first job; reading it here could skip job 1
  while (true) {
    const auto changed = [&] { return generation_.load(std::memory_order_acquire) != seen; };
    if (!spin_until(changed)) {
      sleeping_workers_.fetch_add(1, std::memory_order_seq_cst);
      while (!changed()) futex_wait(generation_, seen);
      sleeping_workers_.fetch_sub(1, std::memory_order_relaxed);
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stop_.load(std::memory_order_acquire)) return;
    active_workers_.fetch_add(1, std::memory_order_seq_cst);
    // Either the caller sees this thread active before it closes the job and
    // moves on, or this thread sees the job closed (or a newer one published)
    // and leaves the job's fields alone.
    if (generation_.load(std::memory_order_seq_cst) == seen &&
        closed_generation_.load(std::memory_order_seq_cst) != seen) {
      work_on_job(thread);
    }
    active_workers_.fetch_sub(1, std::memory_order_seq_cst);
  }
}

}  // namespace loom
