// A small persistent thread pool for the fast CPU kernels (internal).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "colorize/nn/kernels.h"

namespace colorize::nn {

class ThreadPool {
 public:
  // `threads` workers in total, the calling thread included (>= 1). Where the platform has
  // no threads (WebAssembly without pthreads) the pool runs everything inline.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return size_; }
  // Calls fn(task) for task in [0, tasks), spread over the threads; returns when all are done.
  // fn must not throw.
  void run(int64_t tasks, const std::function<void(int64_t)>& fn);

 private:
  void worker();
  int size_ = 1;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int64_t)>* job_ = nullptr;
  int64_t tasks_ = 0;
  std::atomic<int64_t> next_{0};
  int active_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

// Hardware threads (>= 1).
int hardware_threads();

}  // namespace colorize::nn
