#include "base/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <numeric>
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

TEST(ThreadPool, SurvivesIdleParking) {
  ThreadPool pool(2);
  std::atomic<int> total{0};
  for (int round = 0; round < 3; ++round) {
    pool.run([&](int, int) { total.fetch_add(1); });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // workers park
  }
  EXPECT_EQ(total.load(), 6);
}

TEST(ThreadPool, DefaultUsesAllCores) { EXPECT_GE(ThreadPool().size(), 1); }

}  // namespace
}  // namespace loom
