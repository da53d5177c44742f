#include "thread_pool.h"

#include <omp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

namespace {

thread_local bool tl_in_task = false;

class Pool {
 public:
  explicit Pool(int workers) {
    for (int i = 0; i < workers; ++i) std::thread([this] { work(); }).detach();
  }

  void run(int64_t n, const std::function<void(int64_t)>& fn) {
    std::lock_guard<std::mutex> one_job(submit_);  // callers on several JS threads take turns
    uint64_t gen;
    {
      std::lock_guard<std::mutex> lock(m_);
      gen = gen_.load(std::memory_order_relaxed) + 1;
      fn_ = &fn;
      n_ = n;
      error_ = nullptr;
      done_.store(0, std::memory_order_relaxed);
      // The task counter carries its generation in the high half: a worker still holding an older
      // job can never claim an index of this one.
      next_.store(gen << 32, std::memory_order_release);
      gen_.store(gen, std::memory_order_release);
    }
    cv_.notify_all();
    drain(gen, n, fn);
    // Only tasks already claimed by a worker can still be running; wait for those alone.
    for (int spins = 0; done_.load(std::memory_order_acquire) < n; ++spins)
      if (spins > 64) std::this_thread::yield();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  // Claims and runs tasks of generation `gen` until none is left.
  void drain(uint64_t gen, int64_t n, const std::function<void(int64_t)>& fn) {
    tl_in_task = true;
    uint64_t v = next_.load(std::memory_order_acquire);
    while ((v >> 32) == gen && int64_t(v & 0xffffffffu) < n) {
      if (!next_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel)) continue;
      try {
        fn(int64_t(v & 0xffffffffu));
      } catch (...) {
        std::lock_guard<std::mutex> lock(m_);
        if (!error_) error_ = std::current_exception();
      }
      done_.fetch_add(1, std::memory_order_release);
      v = next_.load(std::memory_order_acquire);
    }
    tl_in_task = false;
  }

  void work() {
    uint64_t seen = 0;
    for (;;) {
      // A short spin catches the next phase of the same call without a futex wake-up; then sleep.
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
      while (gen_.load(std::memory_order_acquire) == seen && std::chrono::steady_clock::now() < until) {
      }
      const std::function<void(int64_t)>* fn;
      int64_t n;
      {
        std::unique_lock<std::mutex> lock(m_);
        cv_.wait(lock, [&] { return gen_.load(std::memory_order_relaxed) != seen; });
        seen = gen_.load(std::memory_order_relaxed);
        fn = fn_;
        n = n_;
      }
      // `fn` is only called for a claimed index of generation `seen`, which exists only while that
      // job's caller is still waiting in run().
      drain(seen, n, *fn);
    }
  }

  std::mutex submit_, m_;
  std::condition_variable cv_;
  std::atomic<uint64_t> gen_{0}, next_{0};
  std::atomic<int64_t> done_{0};
  const std::function<void(int64_t)>* fn_ = nullptr;
  int64_t n_ = 0;
  std::exception_ptr error_;
};

// Read once: OMP_NUM_THREADS, else the CPUs in this process's affinity mask (OpenMP's own rule).
int worker_count() {
  static const int workers = omp_get_max_threads() - 1;
  return workers;
}

Pool& pool() {
  // Never destroyed: detached workers may still be waiting when the process exits.
  static Pool* p = new Pool(worker_count());
  return *p;
}

}  // namespace

int pool_threads() { return worker_count() + 1; }

void parallel_for(int64_t n, const std::function<void(int64_t)>& fn) {
  if (n <= 1 || tl_in_task || worker_count() <= 0) {
    for (int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
  pool().run(n, fn);
}
