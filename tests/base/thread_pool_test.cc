#include "base/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <numeric>
#include <set>
#include <vector>

namespace loom {
namespace {

TEST(ThreadPool, EveryThreadRunsEachJobOnce) {
  ThreadPool pool(4);
  std::vector<std::atomic<int>> hits(4);
  for (int job = 0; job < 1000; ++job) {
    pool.run([&](int thread, int n_threads) {
      ASSERT_EQ(n_threads, 4);
      hits[thread].fetch_add(1);
    });
  }
  for (auto& count : hits) EXPECT_EQ(count.load(), 1000);
}

TEST(ThreadPool, ParallelForCoversRangeExactlyOnce) {
  ThreadPool pool(3);
  for (int64_t count : {0, 1, 2, 3, 7, 1000}) {
    std::vector<int> seen(count, 0);
    pool.parallel_for(count, [&](int64_t begin, int64_t end, int) {
      for (int64_t i = begin; i < end; ++i) seen[i]++;
    });
    EXPECT_EQ(std::accumulate(seen.begin(), seen.end(), 0), count);
    for (int value : seen) EXPECT_EQ(value, 1);
  }
}

// Results may depend on how [0, count) is cut, never on which thread runs a
// piece: the cut is the same on every call, whoever steals what.
TEST(ThreadPool, ParallelForChunksDependOnlyOnCountAndSize) {
  ThreadPool pool(3);
  for (int64_t count : {1, 5, 48, 1000}) {
    std::set<std::pair<int64_t, int64_t>> first;
    for (int round = 0; round < 200; ++round) {
      std::mutex mutex;
      std::set<std::pair<int64_t, int64_t>> chunks;
      pool.parallel_for(count, [&](int64_t begin, int64_t end, int) {
        std::lock_guard lock(mutex);
        chunks.emplace(begin, end);
      });
      if (round == 0) first = chunks;
      ASSERT_EQ(chunks, first) << "count " << count << ", round " << round;
    }
    EXPECT_EQ(first.begin()->first, 0);
    EXPECT_EQ(first.rbegin()->second, count);
    EXPECT_GE(first.size(), std::min<size_t>(count, 3));  // every thread has a share to start with
  }
}

TEST(ThreadPool, SurvivesIdleParking) {
  ThreadPool pool(2);
  std::atomic<int> total{0};
  for (int round = 0; round < 3; ++round) {
    pool.run([&](int, int) { total.fetch_add(1); });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // workers park
  }
  EXPECT_EQ(total.load(), 6);
}

// More threads than cores: threads are descheduled mid-job all the time, and
// running ones take over their chunks. Every element is still written once,
// and no two concurrent chunks share a thread index.
TEST(ThreadPool, OversubscribedPoolStaysCorrect) {
  ThreadPool pool(8);
  std::vector<std::atomic<int>> in_use(8);
  std::atomic<int> overlaps{0};
  for (int round = 0; round < 2000; ++round) {
    std::vector<int> seen(257, 0);
    pool.parallel_for(257, [&](int64_t begin, int64_t end, int thread) {
      if (in_use[thread].fetch_add(1) != 0) overlaps.fetch_add(1);
      for (int64_t i = begin; i < end; ++i) seen[i]++;
      in_use[thread].fetch_sub(1);
    });
    for (int value : seen) ASSERT_EQ(value, 1);
  }
  EXPECT_EQ(overlaps.load(), 0);
}

TEST(ThreadPool, RunIndicesNeverOverlap) {
  ThreadPool pool(6);
  std::vector<std::atomic<int>> hits(6);
  for (int job = 0; job < 2000; ++job) {
    pool.run([&](int index, int n_threads) {
      ASSERT_EQ(n_threads, 6);
      hits[index].fetch_add(1);
    });
  }
  for (auto& count : hits) EXPECT_EQ(count.load(), 2000);
}

TEST(ThreadPool, DefaultUsesAllCores) { EXPECT_GE(ThreadPool().size(), 1); }

}  // namespace
}  // namespace loom
