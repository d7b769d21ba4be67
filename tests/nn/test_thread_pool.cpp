// The fast CPU backend's thread pool under churn: many short runs back to back, each with its
// own job, so a worker that wakes late for a finished run races the next one. An old bug let
// such a worker call a dead or null job after the next run reset the task counter (seen as a
// segfault on a loaded 2-core CI machine).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "../../src/nn/thread_pool.h"

namespace {

TEST(ThreadPool, EveryTaskRunsExactlyOnceAcrossManyShortRuns) {
  for (int threads : {2, 3, 8}) {
    colorize::nn::ThreadPool pool(threads);
    for (int round = 0; round < 20000; ++round) {
      const int64_t tasks = 1 + round % 4;
      std::vector<std::atomic<int>> hits(static_cast<size_t>(tasks));
      for (auto& h : hits) h.store(0);
      pool.run(tasks, [&](int64_t t) { hits[static_cast<size_t>(t)].fetch_add(1); });
      for (int64_t t = 0; t < tasks; ++t) {
        ASSERT_EQ(hits[static_cast<size_t>(t)].load(), 1)
            << "threads " << threads << ", round " << round << ", task " << t;
      }
    }
  }
}

TEST(ThreadPool, LongRunsUseTheWorkers) {
  colorize::nn::ThreadPool pool(4);
  std::atomic<int64_t> sum{0};
  pool.run(100000, [&](int64_t t) { sum.fetch_add(t); });
  EXPECT_EQ(sum.load(), int64_t{100000} * 99999 / 2);
  EXPECT_EQ(pool.size(), 4);
}

}  // namespace
