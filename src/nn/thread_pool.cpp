#include "thread_pool.h"

namespace colorize::nn {

#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
#define COLORIZE_NN_NO_THREADS 1
#endif

int hardware_threads() {
#ifdef COLORIZE_NN_NO_THREADS
  return 1;
#else
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
#endif
}

ThreadPool::ThreadPool(int threads) {
#ifdef COLORIZE_NN_NO_THREADS
  threads = 1;
#endif
  size_ = threads < 1 ? 1 : threads;
  try {
    for (int k = 1; k < size_; ++k) threads_.emplace_back([this] { worker(); });
  } catch (...) {
    size_ = static_cast<int>(threads_.size()) + 1;  // run with the threads we got
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void ThreadPool::worker() {
  uint64_t seen = 0;
  for (;;) {
    const std::function<void(int64_t)>* job;
    int64_t tasks;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      // A worker that wakes after run() has finished this generation finds job_ cleared and
      // must not touch next_: the next run() resets it, and a stale snapshot would then call a
      // dead job (or a null one). run() clears job_ under the same lock hold as its final
      // active_ == 0 check, so a worker either counts in active_ before that or sees nullptr.
      if (job_ == nullptr) continue;
      job = job_;
      tasks = tasks_;
      ++active_;
    }
    for (int64_t t; (t = next_.fetch_add(1)) < tasks;) (*job)(t);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (--active_ == 0) done_cv_.notify_all();
    }
  }
}

void ThreadPool::run(int64_t tasks, const std::function<void(int64_t)>& fn) {
  if (tasks <= 0) return;
  if (size_ == 1 || tasks == 1) {
    for (int64_t t = 0; t < tasks; ++t) fn(t);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = &fn;
    tasks_ = tasks;
    next_.store(0);
    ++generation_;
  }
  cv_.notify_all();
  for (int64_t t; (t = next_.fetch_add(1)) < tasks;) fn(t);
  // Wait until every worker that picked up this generation has left the loop.
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [&] { return active_ == 0; });
  job_ = nullptr;
}

}  // namespace colorize::nn
